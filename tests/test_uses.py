"""The uses across periods (spec §7) end to end, on the public multi-year example (tests/fixtures/uses_small).

`kpp run` of 2023, 2024, 2025-H1 and 2025 in one data root, once for the module;
every row of the five exports/uses/ files must agree with the independent
implementation's: amounts within 0.01 SEK, counts exact, ratios and percentages
within 1e-6 relative, an empty value empty. The uses' own gate checks (the
invariant of §7.3.4, every index year, every price) must equal the example's.
"""

from __future__ import annotations

import contextlib
import csv
import io
import shutil
from pathlib import Path

import pytest

from orchestration.cli import main
from tests.conftest import EXAMPLE_KEY, FIXTURES

pytestmark = pytest.mark.whole_runs

EXAMPLE = FIXTURES / "uses_small"
EXPECTED = EXAMPLE / "expected" / "uses"
PERIODS = ("2023", "2024", "2025-H1", "2025")
# each file's key columns (the example's README)
KEYS = {
    "productivity.csv": ("year", "is_preliminary", "scope", "grouping", "hospital_type", "hospital", "mdc", "care_type"),
    "mdc_cost_shares.csv": ("year", "is_preliminary", "mdc"),
    "comparison_ladder.csv": ("year", "is_preliminary", "hospital"),
    "invoices.csv": ("year", "is_preliminary", "hospital", "buyer_region", "line"),
    "reimbursement_follow_up.csv": ("year", "is_preliminary", "hospital", "buyer_region", "section", "rank"),
}
# amounts in SEK: within 0.01; other decimals are ratios, shares, percentages or points: 1e-6 relative
AMOUNTS = {"inlier_cost", "cost_per_point_current", "cost_per_point_fixed", "cost", "mean_cost", "mean_inlier_cost",
           "cost_per_point", "price_per_point", "amount", "kpp_cost", "invoiced_amount"}


def _run(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    console = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(console), contextlib.redirect_stderr(console):
        for name, value in env.items():
            mp.setenv(name, value)
        code = main(args)
    return code, console.getvalue()


@pytest.fixture(scope="module")
def uses_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("uses_small")
    shutil.copytree(EXAMPLE / "landing", root / "landing")
    for name in ("drg_weights.csv", "price_index.csv", "reimbursement_prices.csv"):
        shutil.copy(EXAMPLE / name, root / name)
    env = {"KPP_PSEUDONYM_KEY": EXAMPLE_KEY, "DAGSTER_HOME": str(root / "dagster_home")}
    code, console = _run(["run", *PERIODS, "--data-root", str(root)], env)  # one after the other, then the uses
    assert code == 0, console[-3000:]
    assert console.count("uses done in") == 1
    return root


def read(path: Path, key: tuple[str, ...]) -> tuple[list[str], dict[tuple, dict]]:
    with path.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = {tuple(row[k] for k in key): row for row in reader}
        return list(reader.fieldnames or []), rows


def differs(column: str, expected: str, ours: str) -> bool:
    if expected == "" or ours == "":
        return expected != ours
    try:
        e, o = float(expected), float(ours)
    except ValueError:
        return expected != ours
    if column in AMOUNTS:
        return abs(e - o) > 0.01
    if "." not in expected:  # counts, years, ranks
        return e != o
    return abs(e - o) > 1e-6 * max(abs(e), abs(o)) and abs(e - o) > 1e-12


@pytest.mark.parametrize("name", list(KEYS))
def test_uses_file_matches_the_worked_example(uses_root, name):
    columns, expected = read(EXPECTED / name, KEYS[name])
    our_columns, ours = read(uses_root / "exports" / "uses" / name, KEYS[name])
    assert our_columns[:2] == ["year", "is_preliminary"]
    assert set(columns) <= set(our_columns)
    assert sorted(ours) == sorted(expected)
    wrong = [(k, c, expected[k][c], ours[k][c]) for k in expected for c in columns if differs(c, expected[k][c], ours[k][c])]
    assert not wrong, wrong[:10]


def test_uses_checks_are_the_worked_examples(uses_root):
    """Every §7 gate check of the example (extra_reconciliation.csv) is ours, with its numbers, and passed."""
    _, expected = read(EXPECTED / "extra_reconciliation.csv", ("check",))
    _, ours = read(uses_root / "exports" / "uses" / "reconciliation.csv", ("check_name",))
    assert sorted(ours) == sorted(expected)
    for key, row in expected.items():
        assert ours[key]["passed"] == row["passed"] == "true", key
        assert float(ours[key]["actual"]) == pytest.approx(float(row["actual"]), abs=0.01), key


def test_invoice_traced_by_hand(uses_root):
    """docs/uses.md's traced invoice: US sells to Dalarna in 2025, price 55 596.549643 per point
    (2024's 55 670.864662 × uplift 0.998665), base = mean of 2023's 7.058 and 2024's 3.271 points."""
    _, invoices = read(uses_root / "exports" / "uses" / "invoices.csv", KEYS["invoices.csv"])
    drg = invoices[("2025", "false", "US", "Dalarna", "drg")]
    base = (7.058 + 3.271) / 2
    assert float(drg["base_points"]) == pytest.approx(base, abs=1e-9)
    assert float(drg["amount"]) == pytest.approx(55596.549643 * (0.4 * base + 0.6 * 2.31), abs=0.01)
    temp = invoices[("2025", "true", "US", "Dalarna", "drg")]  # the temp KPP pays half a year's subscription
    assert float(temp["amount"]) == pytest.approx(55596.549643 * (0.4 * base / 2 + 0.6 * 1.47), abs=0.01)


def test_the_uses_workbook_and_report_hold_the_csvs_numbers(uses_root):
    import re

    from openpyxl import load_workbook

    uses = uses_root / "exports" / "uses"
    book = load_workbook(uses / "kpp_uses.xlsx", read_only=True)
    assert book.sheetnames == ["Produktivitet", "MDC-kostnadsandelar", "Jämförelsetrappa", "Fakturor", "Uppföljning",
                               "Avstämning"]
    header, *rows = list(book["Fakturor"].iter_rows(values_only=True))
    _, invoices = read(uses / "invoices.csv", ("year", "is_preliminary", "hospital", "buyer_region", "line"))
    assert len(rows) == len(invoices)
    amount = header.index("amount")
    # numbers are numbers, equal to the CSV's to the öre
    assert sum(r[amount] for r in rows) == pytest.approx(sum(float(r["amount"]) for r in invoices.values()), abs=0.01)
    page = (uses / "report.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 2 and not re.search(r"(src|href)=['\"]https?:", page)


def test_gate_fails_on_a_missing_index_year_and_keeps_the_exports(uses_root, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(uses_root, root, symlinks=True, ignore=shutil.ignore_patterns("logs", "gx_docs", "duckdb_tmp"))
    (root / "price_index.csv").write_text("year,index\n2022,100.0\n2023,106.4\n2025,113.0\n", encoding="utf-8")
    before = (root / "exports" / "uses").resolve()
    code, console = _run(["uses", "--data-root", str(root)], {"DAGSTER_HOME": str(root / "dagster_home")})
    assert code == 1
    assert "expectations_uses" in console and "price_index:2024" in console
    assert (root / "exports" / "uses").resolve() == before
    assert "price_index:2024" in (root / "exports" / "uses.FAILED.txt").read_text(encoding="utf-8")
