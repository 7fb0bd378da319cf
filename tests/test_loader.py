"""Loading landing files: dialects, errors that name file/line/column/value, pseudonyms and flags."""

from __future__ import annotations

import hashlib
import hmac
import shutil
from pathlib import Path

import duckdb
import pytest

from kpp.landing.reader import InputError, load_partition
from tests.conftest import EXAMPLE_KEY, TEST_KEY
from tests.handmade import P1, write_region


@pytest.fixture
def landing(tmp_path) -> Path:
    return write_region(tmp_path / "landing")


def load(landing: Path, tmp_path: Path, dialect: str = "auto"):
    with duckdb.connect(str(tmp_path / "kpp.duckdb")) as con:
        reports = load_partition(con, landing, "2025-H1", TEST_KEY, csv_dialect=dialect)
        contacts = con.execute("select contact_id, patient_pseudonym, personnummer_flag from landing.contacts order by source_line").fetchall()
        ledger = con.execute("select sum(amount), count(*) from landing.ledger").fetchone()
    return {r.table_name: r for r in reports}, contacts, ledger


def to_swedish(path: Path) -> None:
    """Rewrite a CSV as a regional export would: ';', decimal comma, Windows-1252."""
    import csv

    rows = list(csv.reader(path.open(encoding="utf-8")))
    with path.open("w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(rows[0])
        for row in rows[1:]:
            writer.writerow([v.replace(".", ",") if v.replace(".", "").replace("-", "").isdigit() else v for v in row])


def test_pseudonym_is_the_hmac_of_the_normalised_number(landing, tmp_path):
    _, contacts, _ = load(landing, tmp_path)
    expected = hmac.new(EXAMPLE_KEY.encode(), P1.encode(), hashlib.sha256).hexdigest()
    # C1 is written 19121212-1212, C2 191212121212: same person, same pseudonym
    assert contacts[0][1] == contacts[1][1] == expected


def test_no_raw_personnummer_is_stored(landing, tmp_path):
    load(landing, tmp_path)
    with duckdb.connect(str(tmp_path / "kpp.duckdb"), read_only=True) as con:
        for (table,) in con.execute("select table_name from information_schema.tables where table_schema = 'landing'").fetchall():
            text = str(con.execute(f"select * from landing.{table}").fetchall())
            assert P1 not in text and "19121212-1212" not in text, table


@pytest.mark.parametrize(("number", "flag"), [
    ("191212121212", "valid"),
    ("191212121213", "invalid_check_digit"),
    ("198112729283", "samordningsnummer"),  # day 72 = 12 + 60
    ("990438588283", "reserve"),  # month 38
    ("", "missing"),
])
def test_personnummer_flags(landing, tmp_path, number, flag):
    path = landing / "contacts.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("19121212-1212", number)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, contacts, _ = load(landing, tmp_path)
    assert contacts[0][2] == flag
    assert (contacts[0][1] is None) == (flag == "missing")


def test_swedish_dialect_is_detected(landing, tmp_path):
    for name in ("ledger.csv", "accounts.csv", "service_events.csv", "allocation_keys.csv"):
        to_swedish(landing / name)
    reports, _, ledger = load(landing, tmp_path)
    assert (reports["ledger"].separator, reports["ledger"].decimal_mark, reports["ledger"].encoding) == (";", ",", "utf-8")
    assert reports["accounts"].encoding == "cp1252"  # "Löner" is not valid UTF-8 there
    assert float(ledger[0]) == pytest.approx(15900 + 99999)
    assert reports["service_events"].rows_read == 13


def test_file_hashes_are_recorded(landing, tmp_path):
    reports, _, _ = load(landing, tmp_path)
    assert reports["ledger"].sha256 == hashlib.sha256((landing / "ledger.csv").read_bytes()).hexdigest()


def test_parquet_is_read_like_csv(landing, tmp_path):
    with duckdb.connect() as con:
        con.execute(f"copy (select * from read_csv('{landing / 'service_events.csv'}', all_varchar=true)) "
                    f"to '{landing / 'service_events.parquet'}' (format parquet)")
    (landing / "service_events.csv").unlink()
    reports, _, _ = load(landing, tmp_path)
    assert (reports["service_events"].file_format, reports["service_events"].rows_read) == ("parquet", 13)


@pytest.mark.parametrize(("file", "old", "new", "message"), [
    ("ledger.csv", "2025-03,WARD,5010,1000.00", "2025-03,WARD,5010,1 000.00",
     "ledger.csv line 26, column amount: cannot read '1 000.00' as a decimal number"),
    ("ledger.csv", "2025-03,WARD,5010,1000.00", "2025-3,WARD,5010,1000.00",
     "ledger.csv line 26, column month: cannot read '2025-3' as a month YYYY-MM"),
    ("service_events.csv", "2025-02-05 12:00", "05/02/2025 12:00",
     "service_events.csv line 4, column event_ts: cannot read '05/02/2025 12:00' as a timestamp"),
    ("cost_centers.csv", "WARD,Vårdavdelning,H,MED,care", "WARD,Vårdavdelning,H,MED,ward",
     "cost_centers.csv line 4, column role: unknown value 'ward' for cost_center=WARD; allowed: care, service, overhead, excluded"),
    ("allocation_keys.csv", "area,OPD,1", "area,OPD,-1",
     "allocation_keys.csv line 11, column value: negative value '-1'; it must be 0 or more."),
    ("accounts.csv", "5020,Läkemedel", "5010,Läkemedel",
     "accounts.csv lines 5, 6: duplicate key account=5010"),
    ("contacts.csv", "C2,191212121212,H,MED,OPD,outpatient,somatic,2025-03-10 10:00",
     "C2,191212121212,H,MED,OPD,outpatient,somatic,",
     "contacts.csv line 3, column start_ts: a value is required here but the field is empty."),
])
def test_bad_values_name_file_line_column_and_value(landing, tmp_path, file, old, new, message):
    path = landing / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InputError) as error:
        load(landing, tmp_path)
    assert message in str(error.value)


def test_a_missing_file_is_named(landing, tmp_path):
    (landing / "service_catalog.csv").unlink()
    with pytest.raises(InputError, match="missing input file service_catalog.csv"):
        load(landing, tmp_path)


def test_a_missing_column_is_named(landing, tmp_path):
    path = landing / "accounts.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",specific", ",is_specific"), encoding="utf-8")
    with pytest.raises(InputError, match="accounts.csv: missing required column\\(s\\) specific"):
        load(landing, tmp_path)


def test_a_failed_load_keeps_the_previous_one(landing, tmp_path):
    load(landing, tmp_path)
    shutil.copy(landing / "ledger.csv", tmp_path / "ledger.bak")
    (landing / "ledger.csv").write_text("month,cost_center,account,amount\n2025-01,WARD,5010,abc\n", encoding="utf-8")
    with pytest.raises(InputError):
        load(landing, tmp_path)
    with duckdb.connect(str(tmp_path / "kpp.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from landing.ledger").fetchone()[0] == 67
