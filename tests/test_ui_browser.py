"""The Dagster UI in a real browser: headless Chromium (Debian's, driven by Selenium) on `dagster dev`.

`dagster dev -w workspace.yaml` serves the instance of the worked example's `kpp run`
(both periods, the `example_run` fixture) on loopback. The browser finds the global
asset lineage with the six step groups, and the blocking gate `expectations_step1_tkb`
passed for partition 2025-H1 on the asset's Checks tab. Screenshots of both pages are
saved to tmp_path and, when KPP_UI_SCREENSHOTS names a folder, there too.

Needs Chromium and chromedriver (tests/browser.py): without them the test is skipped, except
under CI, where it fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from kpp.steps import STEPS
from tests.browser import skip_without_browser, start_browser
from tests.conftest import EXAMPLE_KEY

REPO = Path(__file__).resolve().parents[1]
GROUPS = [step.group for step in STEPS]
GATED_ASSET = "/".join(STEPS[1].gated_model)
GATE = f"expectations_{STEPS[1].suite}"
PARTITION = "2025-H1"
STARTUP_S = 120  # `dagster dev` parses the dbt project when it loads the code location (≈ 15 s)
WAIT_S = 60  # for a page to render what is asserted
skip_without_browser()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(base: str, query: str) -> dict:
    request = urllib.request.Request(f"{base}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _location_loaded(base: str) -> bool:
    """True once the code location `kpp` is loaded; raises with its error if it failed to load."""
    entries = _graphql(base, "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus "
                             "locationOrLoadError { __typename ... on PythonError { message } } } } } }")
    entry = next((e for e in entries["data"]["workspaceOrError"].get("locationEntries", []) if e["name"] == "kpp"), None)
    if entry is None or entry["loadStatus"] != "LOADED" or entry["locationOrLoadError"] is None:
        return False
    error = entry["locationOrLoadError"]
    assert error["__typename"] == "RepositoryLocation", f"code location kpp failed to load: {error.get('message')}"
    return True


def _log_tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else ""


@pytest.fixture
def dagster_ui(example_run, tmp_path) -> Iterator[str]:
    """`dagster dev` on a free loopback port, on a copy of the example run's Dagster home; yields its base URL.

    The copy keeps the session's instance as the run left it (the UI writes sensor ticks and
    daemon heartbeats); the data root is the example run's (the landing sensor reads it and,
    as the periods are computed, requests nothing).
    """
    home = tmp_path / "dagster_home"
    shutil.copytree(example_run.root / "dagster_home", home)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = os.environ | {"DAGSTER_HOME": str(home), "KPP_DATA_ROOT": str(example_run.root),
                        "KPP_PSEUDONYM_KEY": EXAMPLE_KEY}
    log = tmp_path / "dagster_dev.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("dagster")), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            assert process.poll() is None, f"dagster dev exited with {process.returncode}:\n{_log_tail(log)}"
            try:
                with urllib.request.urlopen(f"{base}/server_info", timeout=5) as response:
                    if response.status == 200 and _location_loaded(base):
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            assert time.monotonic() < deadline, f"dagster dev not ready after {STARTUP_S} s:\n{_log_tail(log)}"
            time.sleep(0.5)
        # The UI greets a new instance on localhost with a newsletter dialog over the page; mark it seen.
        assert _graphql(base, "mutation { setNuxSeen }")["data"]["setNuxSeen"] is True
        yield base
    finally:
        # SIGTERM reaches dagster dev and its webserver, daemon and code server (one process group);
        # whatever has not exited once dagster dev has (or after 30 s) is killed.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


@pytest.fixture
def browser(tmp_path):
    driver = start_browser(tmp_path)
    try:
        yield driver
    finally:
        driver.quit()


def _screenshot(driver, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    assert driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000, f"{name}: {path.stat().st_size} bytes, an empty page?"
    if folder := os.environ.get("KPP_UI_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(folder) / name)
    return path


def test_ui_shows_the_step_groups_and_a_partitions_passed_gate(browser, dagster_ui, tmp_path):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, WAIT_S, poll_frequency=0.25)

    # Lineage → global asset lineage: one collapsed node per group, drawn in the graph's SVG.
    browser.get(f"{dagster_ui}/asset-groups")

    def node(group: str) -> str:
        return f"//*[local-name()='svg']//*[local-name()='foreignObject']//*[normalize-space(text())='{group}']"

    for group in GROUPS:
        wait.until(ec.visibility_of_element_located((By.XPATH, node(group))), f"group {group} not drawn in the asset graph")
    assert "Global asset lineage" in browser.find_element(By.TAG_NAME, "body").text
    # The graph zooms to fit after its layout: wait until the nodes stop moving before the screenshot.
    last: list = []

    def settled(driver) -> list | None:
        xs = [round(driver.find_element(By.XPATH, node(g)).rect["x"]) for g in GROUPS]
        done, last[:] = xs == last, xs
        return xs if done else None

    xs = WebDriverWait(browser, WAIT_S, poll_frequency=0.5, ignored_exceptions=[StaleElementReferenceException]).until(
        settled, "the asset graph kept moving")
    # the data flows landing → step 1 → … → results: each group's node lies right of the one before
    assert all(a < b for a, b in zip(xs, xs[1:])), dict(zip(GROUPS, xs))
    _screenshot(browser, tmp_path, "ui_asset_lineage.png")

    # The gated asset's Checks tab, the gate selected; its own Partitions tab, then the period.
    browser.get(f"{dagster_ui}/assets/{GATED_ASSET}?view=checks&checkDetail={GATE}")
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "body"), "This is a blocking asset check."))
    wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "button[role=tab]#partitions"))).click()
    row = wait.until(ec.element_to_be_clickable(
        (By.XPATH, f"//*[@title='{PARTITION}']/span[normalize-space(text())='{PARTITION}']")))
    row.click()
    # the detail's header: the partition key and the latest execution's status tag
    header = (f"//div[.//*[@title='{PARTITION}'] and .//*[normalize-space(text())='Passed']]"
              f"[not(.//div[.//*[@title='{PARTITION}'] and .//*[normalize-space(text())='Passed']])]")
    header_element = wait.until(ec.visibility_of_element_located((By.XPATH, header)),
                                f"{GATE} not shown as passed for {PARTITION}")
    assert header_element.text.split() == [PARTITION, "Passed"]
    body = browser.find_element(By.TAG_NAME, "body").text
    assert GATE in body and "passed_expectations" in body  # the gate's metadata of that execution
    _screenshot(browser, tmp_path, "ui_gate_partition.png")
