"""After a full `kpp run`, the input's personnummer are nowhere (spec §5).

One run of the worked example's temp KPP (tests/fixtures/small, 2025-H1) through
Dagster; then every table of the DuckDB file, every file under the data root
(exports, logs, GX Data Docs and results, the Dagster storage in DAGSTER_HOME),
dbt's files of the run and the console are searched for every number of the
input, written with or without century and separator.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import duckdb
import pytest

from kpp.settings import DBT_PROJECT_DIR
from tests.conftest import FIXTURES

PK = "2025-H1"
EXAMPLE = FIXTURES / "small"
# a personnummer as it may be written: YYYYMMDDNNNN or YYMMDDNNNN, with or without '-' or '+'
_NUMBER = re.compile(r"(?<![0-9])([0-9]{6}|[0-9]{8})[-+]?([0-9]{4})(?![0-9])")


class Finder:
    """Finds the input's personnummer in text, in any of their written forms."""

    def __init__(self, *landings: Path):
        numbers = set()
        for landing in landings:
            for table in ("contacts", "service_events", "specific_costs"):
                with (landing / f"{table}.csv").open(encoding="utf-8") as handle:
                    numbers |= {re.sub(r"[\s+-]", "", row["personnummer"]) for row in csv.DictReader(handle)}
        numbers.discard("")
        assert all(len(n) == 12 and n.isdigit() for n in numbers)
        self.forms = numbers | {n[2:] for n in numbers}

    def hits(self, text: str) -> set[str]:
        return {m.group(0) for m in _NUMBER.finditer(text) if m.group(1) + m.group(2) in self.forms}


@pytest.fixture
def run(example_run):
    """The session's run of the worked example (both periods; tests/conftest.py)."""
    root = example_run.root
    return root, example_run.console, Finder(root / "landing" / "2025", root / "landing" / PK)


def test_the_finder_finds_the_input_numbers(run):
    root, _, finder = run
    text = (root / "landing" / PK / "contacts.csv").read_text(encoding="utf-8")
    first = next(csv.DictReader(io.StringIO(text)))["personnummer"]
    assert len(finder.hits(text)) > 500
    assert finder.hits(f"x {first[:8]}-{first[8:]} {first[2:]}.") == {f"{first[:8]}-{first[8:]}", first[2:]}


def test_no_table_holds_a_personnummer(run):
    root, _, finder = run
    with duckdb.connect(str(root / "kpp.duckdb"), read_only=True) as con:
        tables = con.execute("select table_schema, table_name from information_schema.tables "
                             "where table_type = 'BASE TABLE' order by all").fetchall()
        assert len(tables) > 40
        leaks = {f"{s}.{t}": finder.hits(str(con.execute(f'select * from "{s}"."{t}"').fetchall())) for s, t in tables}
    assert {t: h for t, h in leaks.items() if h} == {}
    assert ("landing", "contacts") in tables and ("marts", "cost_list") in tables


def _contents(path: Path) -> bytes:
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as workbook:
            return b"".join(workbook.read(name) for name in workbook.namelist())
    return path.read_bytes()


def test_no_file_of_the_run_holds_a_personnummer(run):
    root, _, finder = run
    files = [p for p in root.rglob("*") if p.is_file() and "landing" not in p.relative_to(root).parts
             and not p.name.startswith("kpp.duckdb")]
    files += [p for p in (DBT_PROJECT_DIR / "target" / "periods" / PK).rglob("*") if p.is_file()]
    folders = {p.relative_to(root).parts[0] for p in files if p.is_relative_to(root)}
    assert {"exports", "logs", "gx_docs", "dagster_home"} <= folders
    pages = len(list((root / "gx_docs" / PK / "validations").rglob("*.html")))
    assert pages >= 6 and pages % 6 == 0  # one page per gate and run
    assert any(p.suffix == ".xlsx" for p in files)
    # latin-1 keeps every byte, so the digits of binary files (SQLite, DuckDB temp files) are searched too;
    # a workbook is a zip: its members are searched
    leaks = {str(p): finder.hits(_contents(p).decode("latin-1")) for p in files}
    assert {f: h for f, h in leaks.items() if h} == {}


def test_the_console_holds_no_personnummer(run):
    _, console, finder = run
    assert "gate expectations_results passed" in console
    assert finder.hits(console) == set()
