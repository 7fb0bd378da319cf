"""The inputs of the uses (spec §7.1): hospitals.csv, the data root's price files, the agreement file."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from kpp.landing.reader import InputError, load_partition
from kpp.uses.agreement import load_agreement
from kpp.uses.inputs import load_uses_inputs
from tests.conftest import TEST_KEY
from tests.handmade import write_region
from tests.test_loader import to_swedish


@pytest.fixture
def landing(tmp_path) -> Path:
    return write_region(tmp_path / "landing")


def load(landing: Path, tmp_path: Path):
    with duckdb.connect(str(tmp_path / "kpp.duckdb")) as con:
        reports = {r.table_name: r for r in load_partition(con, landing, "2025-H1", TEST_KEY)}
        hospitals = con.execute("select hospital, region, hospital_type from landing.hospitals order by source_line").fetchall()
    return reports, hospitals


def test_hospitals_are_optional(landing, tmp_path):
    reports, hospitals = load(landing, tmp_path)
    assert "hospitals" not in reports and hospitals == []


def test_hospitals_load_in_the_swedish_dialect_too(landing, tmp_path):
    (landing / "hospitals.csv").write_text("hospital,region,hospital_type,name\nH, Uppsala ,Lanssjukhus,Länssjukhuset\n",
                                           encoding="utf-8")
    to_swedish(landing / "hospitals.csv")
    reports, hospitals = load(landing, tmp_path)
    # trimmed, the type lower-cased, the extra column ignored
    assert hospitals == [("H", "Uppsala", "lanssjukhus")]
    assert reports["hospitals"].separator == ";" and reports["hospitals"].rows_read == 1


@pytest.mark.parametrize(("content", "message"), [
    ("hospital,region,hospital_type\nX,Uppsala,regionsjukhus\n",
     "contacts.csv line 2, column hospital: hospital 'H' ("),
    ("hospital,region,hospital_type\nH,Uppsala,universitetssjukhus\n",
     "hospitals.csv line 2, column hospital_type: unknown value 'universitetssjukhus' for hospital=H; "
     "allowed: regionsjukhus, lanssjukhus, lansdelssjukhus"),
    ("hospital,region,hospital_type\nH,,regionsjukhus\n",
     "hospitals.csv line 2, column region: a value is required here but the field is empty."),
    ("hospital,region,hospital_type\nH,Uppsala,regionsjukhus\nH,Uppsala,lanssjukhus\n",
     "hospitals.csv lines 2, 3: duplicate key hospital=H"),
])
def test_bad_hospitals_name_file_line_column(landing, tmp_path, content, message):
    (landing / "hospitals.csv").write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as error:
        load(landing, tmp_path)
    assert message in str(error.value)


def test_price_files_of_the_data_root(tmp_path):
    (tmp_path / "price_index.csv").write_text("year;index\n2024;110,1\n2025;113\n", encoding="utf-8")
    (tmp_path / "reimbursement_prices.csv").write_text("year,hospital,price_per_point\n2025,,53800\n2025,US,54000.5\n",
                                                       encoding="utf-8")
    with duckdb.connect(str(tmp_path / "kpp.duckdb")) as con:
        reports = load_uses_inputs(con, tmp_path)
        index = con.execute("select year, index from uses_inputs.price_index order by year").fetchall()
        prices = con.execute("select year, hospital, price_per_point from uses_inputs.reimbursement_prices order by source_line").fetchall()
    assert [r.file_name for r in reports] == ["price_index.csv", "reimbursement_prices.csv"]
    assert index == [(2024, 110.1), (2025, 113.0)]
    assert prices == [(2025, None, 53800.0), (2025, "US", 54000.5)]


def test_a_bad_price_names_file_line_column(tmp_path):
    (tmp_path / "reimbursement_prices.csv").write_text("year,hospital,price_per_point\n2025,US,53 800\n", encoding="utf-8")
    with duckdb.connect(str(tmp_path / "kpp.duckdb")) as con, pytest.raises(InputError) as error:
        load_uses_inputs(con, tmp_path)
    assert "reimbursement_prices.csv line 2, column price_per_point: cannot read '53 800'" in str(error.value)


def test_agreement_defaults_data_root_and_run(tmp_path):
    assert load_agreement(tmp_path) == {"subscription_share": 0.4, "uplift_retro_weight": 0.5, "exception_drgs": [],
                                        "exception_clinics": [], "price_base_year": None, "own_region": ""}
    (tmp_path / "agreement.yml").write_text("exception_drgs: [F98P]\nown_region: Uppsala\n", encoding="utf-8")
    run = tmp_path / "run.yml"
    run.write_text("subscription_share: 0.5\nprice_base_year: 2023\n", encoding="utf-8")
    assert load_agreement(tmp_path, run) == {"subscription_share": 0.5, "uplift_retro_weight": 0.5, "exception_drgs": ["F98P"],
                                        "exception_clinics": [], "price_base_year": 2023, "own_region": "Uppsala"}


@pytest.mark.parametrize(("content", "message"), [
    ("subscription_share: 40\n", "subscription_share must be a number from 0 to 1"),
    ("exception_drg: [F98P]\n", "unknown key(s) exception_drg"),
    ("price_base_year: '2023'\n", "price_base_year must be a year"),
])
def test_a_bad_agreement_is_named(tmp_path, content, message):
    (tmp_path / "agreement.yml").write_text(content, encoding="utf-8")
    with pytest.raises(ValueError) as error:
        load_agreement(tmp_path)
    assert message in str(error.value)
