"""The report and the gate report of the worked example, in headless Chromium with no network.

Both pages must carry everything they show: every chart drawn (an inline SVG with a size and
shapes), styles applied, no resource loaded from anywhere. Needs Chromium (tests/browser.py).
"""

from __future__ import annotations

import json
import re

import pytest

from kpp.expectations import SUITES, Suite
from tests.browser import skip_without_browser, start_browser

skip_without_browser()

CHARTS = ["Kostnad per vårdkontakt", "Kostnad per DRG-poäng", "Kostnadens sammansättning", "Omatchad kostnad"]
# a 12-digit personnummer (YYYYMMDDNNNC), with or without the hyphen
PERSONNUMMER = re.compile(r"\b(19|20)\d{6}-?\d{4}\b")


@pytest.fixture
def offline(tmp_path):
    driver = start_browser(tmp_path, offline=True)
    try:
        yield driver
    finally:
        driver.quit()


def _no_external_references(text: str) -> None:
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", text, re.I)
    assert not re.search(r"url\(\s*[\"']?(https?:|//)", text, re.I)
    assert "<script" not in text.lower()


def _resources(driver) -> list:
    return driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")


def test_report_renders_every_chart_offline(example_run, offline):
    exports = example_run.root / "exports" / "2025"
    page = exports / "report.html"
    _no_external_references(page.read_text(encoding="utf-8"))
    offline.get(page.as_uri())
    charts = offline.execute_script("""return [...document.querySelectorAll('figure.chart')].map(f => {
        const svg = f.querySelector('svg'), box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
        return [f.dataset.chart, box.width, box.height, svg ? svg.querySelectorAll('path, rect, use').length : 0]; })""")
    assert [c[0] for c in charts] == CHARTS
    for title, width, height, shapes in charts:
        assert width > 300 and height > 150 and shapes > 10, (title, width, height, shapes)
    assert offline.execute_script("return getComputedStyle(document.querySelector('th')).backgroundColor") == "rgb(232, 238, 245)"
    assert _resources(offline) == []
    body = offline.find_element("tag name", "body").text
    summary = json.loads((exports / "summary.json").read_text(encoding="utf-8"))
    # headline figures as summary.json has them, written the Swedish way
    assert f"{summary['production_cost']:,.2f}".replace(",", "\u00a0").replace(".", ",") in body.replace(" ", "\u00a0")
    assert "breakdown_equals_total" in body  # the reconciliation


def test_gate_report_renders_every_suite_offline(example_run, offline):
    page = example_run.root / "exports" / "2025" / "gates.html"
    text = page.read_text(encoding="utf-8")
    _no_external_references(text)
    assert not PERSONNUMMER.search(text)
    offline.get(page.as_uri())
    for suite in SUITES:
        rows = offline.execute_script(f"""const table = document.getElementById('{suite}').nextElementSibling.nextElementSibling;
            return [...table.querySelectorAll('tbody tr')].map(r => [...r.cells].map(c => c.innerText.trim()));""")
        expected = Suite.load(suite).expectations
        assert [r[0] for r in rows] == [e["meta"]["rule"] for e in expected], suite
        for rule, severity, result, _, threshold, observed, _ in rows:
            assert result in ("passed", "warned") and threshold and observed, (suite, rule)
    # a rule's default from its suite, resolved
    assert "unit_cost ≤ 60000 where service_group == bed_day" in offline.find_element("tag name", "body").text
    badge = offline.execute_script("return getComputedStyle(document.querySelector('.badge.passed')).backgroundColor")
    assert badge == "rgb(216, 240, 220)"
    assert _resources(offline) == []
