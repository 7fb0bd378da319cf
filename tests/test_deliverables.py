"""What people open: CSV dialects and formula neutralisation on small tables, the workbook of the worked example."""

from __future__ import annotations

import csv
import io
import shutil
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from kpp.exports import EXPORTS, Export, ExportOptions, write_csv, write_exports

openpyxl = pytest.importorskip("openpyxl")

SHEETS = ["Sammanfattning", "Kostnad per klinik", "Styckkostnader", "Kostnadspooler", "Avstämning",
          "Ytterfall och DRG-vikter", "Omatchat", "Kostnadslista"]
HYPERLINK = '=HYPERLINK("x")'
TOY = "cost_list"


@pytest.fixture
def tiny(tmp_path) -> duckdb.DuckDBPyConnection:
    """A toy mart and its published copy (named as an exported mart, kpp/marts.py; the columns are the
    test's): formula-like text, negative amounts, a tiny negative, booleans."""
    con = duckdb.connect(str(tmp_path / "kpp.duckdb"))
    for schema in ("marts", "published"):
        con.execute(f"create schema {schema}")
        con.execute(f"create table {schema}.{TOY} (partition_key varchar, id varchar, name varchar, amount double, "
                    "share decimal(18, 9), ok boolean, n bigint)")
    con.execute(f"""insert into published.{TOY} values
        ('P', 'a', '=HYPERLINK("x")', -1.5, -0.000000001, true, -3),
        ('P', 'b', '+1', 1234.5, 0.25, false, 7),
        ('P', 'c', '-x', -0.0000001, null, null, null),
        ('P', 'd', '@sum', 2, 1, true, 0),
        ('P', 'e', 'Σ kostnad; å', 0, 0, false, 1),
        ('Q', 'z', 'other period', 9, 9, true, 9)""")
    yield con
    con.close()


def test_contract_csv_neutralises_text_only_and_writes_no_negative_zero(tiny, tmp_path):
    path = tmp_path / "t.csv"
    assert write_csv(tiny, Export(TOY, "id"), "P", path) == 5
    text = path.read_bytes().decode("utf-8")
    assert not text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text))) == [
        ["id", "name", "amount", "share", "ok", "n"],
        ["a", "'=HYPERLINK(\"x\")", "-1.500000", "0.000000", "true", "-3"],
        ["b", "'+1", "1234.500000", "0.250000", "false", "7"],
        ["c", "'-x", "0.000000", "", "", ""],
        ["d", "'@sum", "2.000000", "1.000000", "true", "0"],
        ["e", "Σ kostnad; å", "0.000000", "0.000000", "false", "1"],
    ]


def test_swedish_csv_has_bom_semicolons_decimal_comma_and_parquet_beside(tiny, tmp_path):
    folder = tmp_path / "it's a \"root\""  # a quote in the data root: the path is bound, not spliced
    folder.mkdir()
    path = folder / "t.csv"
    assert write_csv(tiny, Export(TOY, "id"), "P", path, ExportOptions("swedish", parquet=True)) == 5
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[1] == ["a", "'=HYPERLINK(\"x\")", "-1,500000", "0,000000", "SANT", "-3"]
    assert rows[2] == ["b", "'+1", "1234,500000", "0,250000", "FALSKT", "7"]
    assert rows[5] == ["e", "Σ kostnad; å", "0,000000", "0,000000", "FALSKT", "1"]
    # Parquet keeps the values as the warehouse has them
    assert duckdb.execute("select name, amount from read_parquet(?) order by id limit 2", [str(folder / "t.parquet")]).fetchall() == [
        (HYPERLINK, -1.5), ("+1", 1234.5)]


def _csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _sheet(workbook, name: str) -> list[dict]:
    rows = list(workbook[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def test_workbook_numbers_are_the_csvs(example_run):
    exports = example_run.root / "exports" / "2025"
    workbook = openpyxl.load_workbook(exports / "kpp_2025.xlsx", read_only=True)
    assert workbook.sheetnames == SHEETS
    cost_list = {r["contact_id"]: r for r in _csv(exports / "cost_list.csv")}
    sheet = _sheet(workbook, "Kostnadslista")
    assert len(sheet) == len(cost_list) == 2590
    for row in sheet:
        expected = cost_list[row["Vårdkontakt"]]
        assert isinstance(row["Kostnad"], float)
        assert row["Kostnad"] == pytest.approx(float(expected["total_cost"]), abs=5e-7)
        assert row["Ytterfall"] is (expected["is_outlier"] == "true")
        assert row["Klinik"] == expected["clinic"]
    unit_costs = {(r["cost_center"], r["service_code"]): float(r["unit_cost"]) for r in _csv(exports / "unit_costs.csv")}
    sheet = _sheet(workbook, "Styckkostnader")
    assert {(r["Kostnadsställe"], r["Vårdtjänst"]): pytest.approx(r["Styckkostnad"], abs=5e-7) for r in sheet} == unit_costs
    # names beside codes, from the delivery's cost_centers.csv and service_catalog.csv
    names = {r["cost_center"]: r["name"] for r in _csv(example_run.root / "landing" / "2025" / "cost_centers.csv")}
    assert all(r["Kostnadsställets namn"] == names[r["Kostnadsställe"]] for r in sheet)
    per_point = {(r["hospital"], r["clinic"], r["care_type"]): float(r["cost_per_point"])
                 for r in _csv(exports / "cost_per_drg_point.csv")}
    clinics = _sheet(workbook, "Kostnad per klinik")
    assert {(r["Sjukhus"], r["Klinik"], r["Vårdtyp"]): r["Kostnad per DRG-poäng"] for r in clinics
            if r["Kostnad per DRG-poäng"] is not None} == pytest.approx(per_point, abs=5e-7)
    assert sum(r["Vårdkontakter"] for r in clinics) == 2590
    # each clinic's cost and outlier cost: the cost list's contacts summed, to the öre
    totals, outliers = Counter(), Counter()
    for r in cost_list.values():
        key = (r["hospital"], r["clinic"], r["care_type"])
        totals[key] += float(r["total_cost"])
        outliers[key] += float(r["total_cost"]) if r["is_outlier"] == "true" else 0.0
    assert {(r["Sjukhus"], r["Klinik"], r["Vårdtyp"]): r["Kostnad"] for r in clinics} == pytest.approx(dict(totals), abs=0.01)
    assert {(r["Sjukhus"], r["Klinik"], r["Vårdtyp"]): r["Kostnad ytterfall"] for r in clinics} == pytest.approx(dict(outliers), abs=0.01)
    workbook.close()


def test_workbook_layout(example_run):
    workbook = openpyxl.load_workbook(example_run.root / "exports" / "2025" / "kpp_2025.xlsx")
    sheet = workbook["Kostnadslista"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    (cost,) = [c for c in sheet[1] if c.value == "Kostnad"]
    assert sheet.cell(2, cost.column).number_format == "#,##0.00"
    summary = [row[:3] for row in workbook["Sammanfattning"].iter_rows(values_only=True) if row[0]]
    assert ("Vårdkontakter med kostnad", 2590, "st") in summary
    assert {"Avstämning", "Indatafiler"} <= {row[0] for row in summary}
    (share,) = [r[1] for r in workbook["Sammanfattning"].iter_rows() if r[0].value == "Andel omatchad kostnad"]
    assert share.number_format == "0.00%" and 0 < share.value < 0.02


@pytest.fixture
def formula_like_root(example_run, tmp_path) -> Path:
    """A copy of the example's warehouse whose published results hold a clinic `+1` and a cost-centre name `=HYPERLINK("x")`."""
    shutil.copy(example_run.root / "kpp.duckdb", tmp_path / "kpp.duckdb")
    with duckdb.connect(str(tmp_path / "kpp.duckdb")) as con:
        con.execute("update published.cost_list set clinic = '+1' where partition_key = '2025' and contact_id = 'C000001'")
        con.execute(f"update published.cost_centers set cost_center_name = '{HYPERLINK.replace(chr(39), chr(39) * 2)}' "
                    "where partition_key = '2025' and cost_center = 'K4601'")
    return tmp_path


def test_formula_like_text_arrives_as_text(formula_like_root):
    target = formula_like_root / "exports" / "2025"
    with duckdb.connect(str(formula_like_root / "kpp.duckdb"), read_only=True) as con:
        write_exports(con, "2025", target)
    (contact,) = [r for r in _csv(target / "cost_list.csv") if r["contact_id"] == "C000001"]
    assert contact["clinic"] == "'+1"
    assert contact["total_cost"] == "6775.328158"  # numbers as before
    workbook = openpyxl.load_workbook(target / "kpp_2025.xlsx")
    sheet = workbook["Kostnadslista"]
    header = [c.value for c in sheet[1]]
    (row,) = [r for r in sheet.iter_rows(min_row=2) if r[0].value == "C000001"]
    clinic, name = row[header.index("Klinik")], row[header.index("Kostnadsställets namn")]
    assert (clinic.value, clinic.data_type) == ("+1", "s")
    assert (name.value, name.data_type) == (HYPERLINK, "s")
    # nowhere a formula: openpyxl reads a formula cell as data type "f"
    assert not [c.coordinate for ws in workbook for r in ws.iter_rows() for c in r if c.data_type == "f"]


def test_cost_list_too_long_for_a_sheet_is_a_note(formula_like_root, tmp_path):
    from kpp.deliverables import period_sheets
    from kpp.exports import summary
    from kpp.workbook import write_workbook

    with duckdb.connect(str(formula_like_root / "kpp.duckdb"), read_only=True) as con:
        counts = {"unmatched.csv": 282}
        sheets = period_sheets(con, "2025", summary(con, "2025") | {"rows": counts}, max_rows=2589)
        path = write_workbook(tmp_path / "small.xlsx", sheets)
    workbook = openpyxl.load_workbook(path)
    assert workbook["Omatchat"].max_row == 1 + 282  # fits: listed
    notes = [row[0] for row in workbook["Kostnadslista"].iter_rows(values_only=True)]
    assert notes[:2] == ["Kostnadslistan har 2 590 rader, fler än ett kalkylblad rymmer (2 589).",
                         "Öppna cost_list.csv (eller cost_list.parquet) i samma mapp."]


def test_identical_results_give_identical_files(formula_like_root):
    """Two exports of the same published results: every CSV and the workbook byte for byte."""
    builds = []
    with duckdb.connect(str(formula_like_root / "kpp.duckdb"), read_only=True) as con:
        for name in ("a", "b"):
            target = formula_like_root / name / "2025"
            write_exports(con, "2025", target)
            builds.append(target)
    files = [e.file_name for e in EXPORTS] + ["kpp_2025.xlsx", "report.html"]
    assert [f for f in files if (builds[0] / f).read_bytes() != (builds[1] / f).read_bytes()] == []


def test_a_query_sheet_is_the_bytes_of_cell_by_cell(tmp_path):
    """A sheet of one query gets its rows' XML from DuckDB (kpp/workbook.py): the same file, member
    for member, as XlsxWriter writing the same rows cell by cell, in the query's order."""
    import zipfile
    from decimal import Decimal

    from kpp import workbook as wb
    from kpp.workbook import Column, Query, Sheet, Table, write_workbook

    con = duckdb.connect()
    con.execute("create table t (id varchar, name varchar, amount decimal(18, 6), n bigint, share double, "
                "weight double, ok boolean, seen_at timestamp)")
    con.executemany("insert into t values (?, ?, ?, ?, ?, ?, ?, ?)", [
        ("3", HYPERLINK, Decimal("-1234.567891"), -3, 0.25, 1 / 3, True, "2025-03-01 07:30:00"),
        ("1", "a & <b> > c", Decimal("-0.000000"), 0, -2.5e-7, 1e20, False, "1900-02-28 23:59:59.5"),
        ("2", " lead\u00a0", Decimal("0.000001"), 2**40, None, -0.0, None, "2025-12-31 23:59:59.999999"),
        ("4", "ctl\x01 _x0041_ tab\there\nnewline", None, None, 1.0, 123456789.123456789, True, None),
        ("5", None, Decimal("999999999999.999999"), 7, 0.0, 5e-7, False, "1900-03-01 12:00:00"),
    ])
    columns = [Column("id", "Id"), Column("name", "Namn"), Column("amount", "Belopp", wb.SEK), Column("n", "Antal", wb.INT),
               Column("share", "Andel", wb.SHARE), Column("weight", "Vikt", wb.DECIMAL), Column("ok", "Ok", wb.BOOL),
               Column("seen_at", "Tid", wb.TIMESTAMP)]
    query = Query(con, "select * from t order by id desc")
    by_query = write_workbook(tmp_path / "query.xlsx", [Sheet("Lista", (Table(columns, query, "Listan"),),
                                                              notes=("En rad ovanför",))])
    by_cell = write_workbook(tmp_path / "cell.xlsx", [Sheet("Lista", (Table(columns, list(query), "Listan"),),
                                                            notes=("En rad ovanför",))])
    with zipfile.ZipFile(by_query) as q, zipfile.ZipFile(by_cell) as c:
        assert q.namelist() == c.namelist()
        assert [n for n in q.namelist() if q.read(n) != c.read(n)] == []
        sheet = q.read("xl/worksheets/sheet1.xml").decode()
    assert '<dimension ref="A1:H9"/>' in sheet  # note, gap, title, header, five rows
    ids = [row[0] for row in openpyxl.load_workbook(by_query, read_only=True)["Lista"].iter_rows(min_row=5, values_only=True)]
    assert ids == ["5", "4", "3", "2", "1"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cell.xlsx", "query.xlsx"]  # no temporary file left
