"""Bad input never loses data: a corpus of corruptions of the hand-made region, each with its outcome.

Every corruption ends in exactly one of two ways (docs/gates.md, "Bad input"):
- a named error: the loader's InputError (file, line, column, value), a failed
  check of a step's checks model (dbt exits non-zero, the check names the
  offending codes and amounts) or a failed expectation of a gate; `kpp run`
  then exits 1;
- counted while the run continues: a rejected row with its reason in
  marts.rejects, a row outside the period in reconciliation's counts, an
  unmatched item, a flag, or a warning of a gate.
Harmless variations (a byte-order mark, line endings, blanks, Windows-1252)
load exactly as the clean files. Loader cases need no dbt; the others share two corrupted deliveries, each
loaded and built once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import duckdb
import pytest

from kpp.expectations import Thresholds, run_gate
from kpp.landing.reader import InputError, load_partition
from orchestration.cli import main
from orchestration.partitions import period_for_key
from tests.conftest import EXAMPLE_KEY, TEST_KEY, load_and_build, query
from tests.handmade import P2, write_region

PK = "2025-H1"
PERIOD = period_for_key(PK)
Mutation = Callable[[Path], None]


def replaced(file: str, old: str, new: str) -> Mutation:
    def mutate(landing: Path) -> None:
        path = landing / file
        text = path.read_bytes().decode("utf-8")
        assert old in text, (file, old)
        path.write_bytes(text.replace(old, new, 1).encode("utf-8"))
    return mutate


def rewritten(file: str, change: Callable[[bytes], bytes]) -> Mutation:
    def mutate(landing: Path) -> None:
        path = landing / file
        path.write_bytes(change(path.read_bytes()))
    return mutate


def appended(file: str, *rows: str) -> Mutation:
    # tests/handmade.py writes CSV with CRLF line ends, as Python's csv module does
    return rewritten(file, lambda data: data + "".join(f"{row}\r\n" for row in rows).encode("utf-8"))


def removed_lines(file: str, *starts: str) -> Mutation:
    return rewritten(file, lambda data: b"".join(
        line for line in data.splitlines(keepends=True) if not line.decode("utf-8").startswith(starts)))


def deleted(file: str) -> Mutation:
    return lambda landing: (landing / file).unlink()


def every_file(change: Callable[[bytes], bytes]) -> Mutation:
    def mutate(landing: Path) -> None:
        for path in landing.iterdir():
            rewritten(path.name, change)(landing)
    return mutate


def region(landing: Path, *mutations: Mutation) -> Path:
    """The hand-made region written to `landing`, then corrupted."""
    write_region(landing)
    for mutate in mutations:
        mutate(landing)
    return landing


def load(landing: Path, db: Path) -> dict[str, list]:
    """Load into `db`; return every landing table's rows (file hashes and encodings left out)."""
    with duckdb.connect(str(db)) as con:
        load_partition(con, landing, PK, TEST_KEY)
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'landing' and table_name <> 'input_files'"
        ).fetchall()]
        rows = {t: con.execute(f"select * from landing.{t} order by all").fetchall() for t in tables}
        rows["rows_read"] = con.execute("select table_name, rows_read from landing.input_files order by 1").fetchall()
    return rows


LEDGER_FEB_OH1 = "2025-02,OH1,5010,200.00\r\n"  # ledger.csv line 13


# --- named errors from the loader: file, line, column, value ---------------------------------------------

LOADER_ERRORS = [
    ("missing_file", deleted("service_catalog.csv"),
     "missing input file service_catalog.csv (or service_catalog.parquet)"),
    ("missing_column", replaced("accounts.csv", ",specific\r\n", ",is_specific\r\n"),
     "accounts.csv: missing required column(s) specific; the file has account, name, account_class, cost_type, exclusion, is_specific."),
    ("empty_file", rewritten("specific_costs.csv", lambda _: b""),
     "specific_costs.csv: the file is empty; it needs at least its header row."),
    ("thousand_separator", replaced("ledger.csv", LEDGER_FEB_OH1, '2025-02,OH1,5010,"1,200.00"\r\n'),
     "ledger.csv line 13, column amount: cannot read '1,200.00' as a decimal number (no thousand separators)."),
    ("exponent_notation", replaced("ledger.csv", LEDGER_FEB_OH1, "2025-02,OH1,5010,2e2\r\n"),
     "ledger.csv line 13, column amount: cannot read '2e2' as a decimal number (no thousand separators)."),
    ("day_first_timestamp", replaced("service_events.csv", "2025-02-05 12:00", "05/02/2025 12:00"),
     "service_events.csv line 4, column event_ts: cannot read '05/02/2025 12:00' as a timestamp YYYY-MM-DD HH:MM[:SS]."),
    ("impossible_date", replaced("contacts.csv", "2025-02-01 08:00", "2025-02-30 08:00"),
     "contacts.csv line 2, column start_ts: cannot read '2025-02-30 08:00' as a timestamp YYYY-MM-DD HH:MM[:SS]."),
    ("date_for_month", replaced("ledger.csv", LEDGER_FEB_OH1, "2025-02-01,OH1,5010,200.00\r\n"),
     "ledger.csv line 13, column month: cannot read '2025-02-01' as a month YYYY-MM."),
    ("semicolons_with_decimal_points", rewritten("ledger.csv", lambda data: data.replace(b",", b";")),
     "ledger.csv line 2, column amount: cannot read '200.00' as a decimal number (no thousand separators)."),
    ("tab_separated", rewritten("ledger.csv", lambda data: data.replace(b",", b"\t")),
     "ledger.csv: missing required column(s) month, cost_center, account, amount;"),
    ("too_many_fields", replaced("ledger.csv", LEDGER_FEB_OH1, "2025-02,OH1,5010,200.00,extra\r\n"),
     "ledger.csv: the file is not a well-formed CSV (','-separated): Invalid Input Error: CSV Error on Line: 13"),
    ("too_few_fields", replaced("ledger.csv", LEDGER_FEB_OH1, "2025-02,OH1,5010\r\n"),
     "ledger.csv: the file is not a well-formed CSV (','-separated): Invalid Input Error: CSV Error on Line: 13"),
    ("whitespace_only_line", replaced("ledger.csv", LEDGER_FEB_OH1, LEDGER_FEB_OH1 + "   \r\n"),
     "ledger.csv: the file is not a well-formed CSV (','-separated): Invalid Input Error: CSV Error on Line: 14"),
    ("mixed_line_endings", replaced("ledger.csv", LEDGER_FEB_OH1, "2025-02,OH1,5010,200.00\n"),
     "ledger.csv: the file is not a well-formed CSV (','-separated)"),
    ("utf16", rewritten("accounts.csv", lambda data: data.decode("utf-8").encode("utf-16")),
     "accounts.csv: the file is not a well-formed CSV (','-separated)"),
    ("duplicate_register_key", replaced("accounts.csv", "5020,Läkemedel", "5010,Läkemedel"),
     "accounts.csv lines 5, 6: duplicate key account=5010; each must occur once."),
    ("duplicate_service", replaced("service_catalog.csv", "OPD,TEL,", "OPD,BES,"),
     "service_catalog.csv lines 3, 4: duplicate key cost_center=OPD, service_code=BES; each must occur once."),
    ("unknown_role", replaced("cost_centers.csv", "WARD,Vårdavdelning,H,MED,care", "WARD,Vårdavdelning,H,MED,ward"),
     "cost_centers.csv line 4, column role: unknown value 'ward' for cost_center=WARD; allowed: care, service, overhead, excluded."),
    ("unknown_care_type", replaced("contacts.csv", "OPD,outpatient,somatic,2025-03-10", "OPD,daycare,somatic,2025-03-10"),
     "contacts.csv line 3, column care_type: unknown value 'daycare' for contact_id=C2; allowed: inpatient, outpatient."),
    ("unknown_exclusion_category", replaced("accounts.csv", ",purchased_care,", ",bought_care,"),
     "accounts.csv line 4, column exclusion: unknown value 'bought_care' for account=4510; allowed: purchased_care, transport, "
     "research_education, aids, political, prescription_drugs, other_excluded."),
    ("unknown_boolean", replaced("accounts.csv", "material,,true", "material,,maybe"),
     "accounts.csv line 7, column specific: cannot read 'maybe' as true or false"),
    ("negative_key_value", replaced("allocation_keys.csv", "fte,OPD,3", "fte,OPD,-3"),
     "allocation_keys.csv line 6, column value: negative value '-3'; it must be 0 or more."),
    ("negative_weight", replaced("service_catalog.csv", "each,0.5", "each,-0.5"),
     "service_catalog.csv line 4, column weight: negative value '-0.5'; it must be 0 or more."),
    ("missing_cost_center", replaced("ledger.csv", LEDGER_FEB_OH1, "2025-02,,5010,200.00\r\n"),
     "ledger.csv line 13, column cost_center: a value is required here but the field is empty."),
    ("missing_event_timestamp", replaced("service_events.csv", "E7,C2,,2025-03-10 10:00", "E7,C2,,"),
     "service_events.csv line 10, column event_ts: a value is required here but the field is empty."),
]


@pytest.mark.parametrize(("name", "mutate", "message"), LOADER_ERRORS, ids=[c[0] for c in LOADER_ERRORS])
def test_the_loader_names_file_line_column_and_value(tmp_path, name, mutate, message):
    landing = region(tmp_path / "landing", mutate)
    with pytest.raises(InputError) as error:
        load(landing, tmp_path / "kpp.duckdb")
    assert message in str(error.value)


def test_kpp_run_exits_1_naming_the_file(tmp_path, monkeypatch, capsys):
    region(tmp_path / "landing" / PK, rewritten("specific_costs.csv", lambda _: b""))
    monkeypatch.setenv("KPP_PSEUDONYM_KEY", EXAMPLE_KEY)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    assert main(["run", PK, "--data-root", str(tmp_path)]) == 1
    assert "specific_costs.csv: the file is empty; it needs at least its header row." in capsys.readouterr().err
    assert not (tmp_path / "exports" / PK).exists()


# --- read as if clean ----------------------------------------------------------------------------------

AS_IF_CLEAN = [
    ("utf8_byte_order_mark", rewritten("ledger.csv", lambda data: b"\xef\xbb\xbf" + data)),
    ("lf_line_endings", every_file(lambda data: data.replace(b"\r\n", b"\n"))),
    ("blanks_around_service_codes", replaced("service_events.csv", ",LAB,L1,1,OPD", ", LAB , L1 , 1 ,OPD ")),
    ("blanks_around_ledger_values", replaced("ledger.csv", LEDGER_FEB_OH1, " 2025-02 ,OH1  ,5010, 200.00 \r\n")),
    ("header_case_and_blanks", replaced("ledger.csv", "month,cost_center,account,amount", " Month , COST_CENTER,Account ,amount")),
    ("windows_1252", rewritten("accounts.csv", lambda data: data.decode("utf-8").encode("cp1252"))),
    ("trailing_empty_line", rewritten("ledger.csv", lambda data: data + b"\r\n")),
]


@pytest.fixture(scope="module")
def clean_tables(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("clean")
    return load(region(tmp / "landing"), tmp / "kpp.duckdb")


@pytest.mark.parametrize(("name", "mutate"), AS_IF_CLEAN, ids=[c[0] for c in AS_IF_CLEAN])
def test_harmless_variations_load_exactly_as_the_clean_files(tmp_path, clean_tables, name, mutate):
    assert load(region(tmp_path / "landing", mutate), tmp_path / "kpp.duckdb") == clean_tables


def test_a_header_only_file_is_zero_rows(tmp_path, clean_tables):
    header_only = rewritten("specific_costs.csv", lambda data: data.split(b"\r\n")[0] + b"\r\n")
    tables = load(region(tmp_path / "landing", header_only), tmp_path / "kpp.duckdb")
    assert tables["specific_costs"] == []
    assert dict(tables["rows_read"])["specific_costs"] == 0
    assert tables["service_events"] == clean_tables["service_events"]


# --- counted while the run continues ------------------------------------------------------------------------

COUNTED = [
    # contacts.csv: 7 rows, then line 9 on
    appended("contacts.csv",
             f"C2,{P2},H,MED,OPD,outpatient,somatic,2025-04-01 10:00,2025-04-01 10:00,,",  # line 9: duplicate id
             "C11,191212121213,H,MED,OPD,outpatient,somatic,2025-04-10 10:00,2025-04-10 10:00,,",  # wrong check digit
             "C12,990438588283,H,MED,OPD,outpatient,somatic,2025-04-11 10:00,2025-04-11 10:00,,"),  # reserve number
    # service_events.csv: 13 rows, then line 15 on
    appended("service_events.csv",
             "E7,C2,,2025-03-10 10:00,OPD,BES,1,",  # 15: duplicate id
             "E20,C2,,2025-03-10 10:00,LAB,L9,1,",  # 16: unknown service code
             "E21,C2,,2025-03-10 10:00,XRAY,R1,1,",  # 17: unknown cost centre
             "E22,C2,,2025-03-10 10:00,OPD,BES,-1.5,",  # 18: negative quantity
             "E23,,,2025-03-10 10:00,LAB,L1,1,",  # 19: no contact, no personnummer
             "E24,C2,,2019-03-01 10:00,OPD,BES,4,",  # 20: far outside the period
             "E25,C99X,,2025-03-10 10:00,OPD,BES,1,",  # 21: unknown contact
             "E26,C11,,2025-04-10 10:00,OPD,BES,1,",  # 22: the contact with a wrong check digit
             "E27,C12,,2025-04-11 10:00,OPD,BES,1,",  # 23: the contact with a reserve number
             f"E28,,{P2},2025-06-20 10:00,LAB,L1,1,",  # 24: no contact of P2 within 3 days
             "E29,C2,,2025-03-10 10:00,LAB,L1,200000,"),  # 25: above the lab group's 100 000 (seeds/service_groups.csv)
    # specific_costs.csv: 4 rows, then line 6 on
    appended("specific_costs.csv",
             "S1,C1,,2025-02-03 10:00,WARD,5041,100,Skruv",  # 6: duplicate id
             "S10,C1,,2025-02-03 10:00,WARD,5020,100,Läkemedel",  # 7: account not specific
             "S11,C1,,2025-02-03 10:00,WARD,5041,-250,Kreditering",  # 8: negative amount
             "S12,C1,,2026-01-15 10:00,WARD,5041,400,Implantat",  # 9: outside the period
             "S13,C1,,2025-02-03 10:00,WARD,5041,500000000,Implantat"),  # 10: 500 MSEK, above max_specific_amount
    appended("ledger.csv", "2019-01,WARD,5010,12345.00"),  # line 69: outside the period
]


@pytest.fixture(scope="module")
def counted_db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("counted")
    # the extra unmatched items lift the unmatched share above the 2 % default: allow it, counting is under test
    result = load_and_build(tmp / "kpp.duckdb", region(tmp / "landing", *COUNTED), PK, {"unmatched_max_share": 0.5})
    assert result.success, result.output[-3000:]
    return tmp / "kpp.duckdb"


REJECTS = [
    ("duplicate_contact_id", ("contacts.csv", 9, "C2", "duplicate_contact_id")),
    ("duplicate_event_id", ("service_events.csv", 15, "E7", "duplicate_event_id")),
    ("unknown_service_code", ("service_events.csv", 16, "E20", "unknown_service")),
    ("unknown_event_cost_center", ("service_events.csv", 17, "E21", "unknown_service")),
    ("negative_quantity", ("service_events.csv", 18, "E22", "non_positive_quantity")),
    ("no_patient_identifier", ("service_events.csv", 19, "E23", "no_patient_identifier")),
    ("duplicate_specific_cost_id", ("specific_costs.csv", 6, "S1", "duplicate_specific_cost_id")),
    ("specific_cost_on_non_specific_account", ("specific_costs.csv", 7, "S10", "account_not_specific")),
    ("negative_specific_cost", ("specific_costs.csv", 8, "S11", "non_positive_amount")),
    ("implausible_quantity", ("service_events.csv", 25, "E29", "implausible_quantity")),
    ("implausible_specific_cost", ("specific_costs.csv", 10, "S13", "implausible_amount")),
]


@pytest.mark.parametrize(("name", "reject"), REJECTS, ids=[c[0] for c in REJECTS])
def test_rejected_rows_are_counted_with_file_line_and_reason(counted_db, name, reject):
    file, line, record_id, reason = reject
    assert query(counted_db, "select file, line, id, reason from marts.rejects where partition_key = ? and file = ? and line = ?",
                 [PK, file, line]) == [reject]
    # a duplicate keeps the first row: it is still accepted and costed
    if reason.startswith("duplicate"):
        table = {"contacts.csv": "int_contacts_validated", "service_events.csv": "int_service_events_validated",
                 "specific_costs.csv": "int_specific_costs_validated"}[file]
        key = {"contacts.csv": "contact_id", "service_events.csv": "event_id", "specific_costs.csv": "specific_cost_id"}[file]
        assert query(counted_db, f"select count(*) from intermediate.{table} where partition_key = ? and {key} = ? "
                     "and reject_reason is null and source_line < ?", [PK, record_id, line]) == [(1,)]


def test_every_row_read_is_accepted_or_rejected_and_the_run_continues(counted_db):
    rows = query(counted_db, "select \"check\", expected, actual, passed from marts.reconciliation "
                             "where partition_key = ? and \"check\" like 'rows_read:%' order by 1", [PK])
    assert rows == [
        ("rows_read:accounts", 6, 6, True),
        ("rows_read:allocation_keys", 11, 11, True),
        ("rows_read:contacts", 10, 10, True),  # 8 accepted, C1 and C2 duplicated
        ("rows_read:cost_centers", 6, 6, True),
        ("rows_read:ledger", 68, 68, True),
        ("rows_read:service_catalog", 5, 5, True),
        ("rows_read:service_events", 24, 24, True),  # 15 accepted, 9 rejected
        ("rows_read:specific_costs", 9, 9, True),  # 3 accepted, 6 rejected
    ]
    assert query(counted_db, "select count(*) from marts.rejects where partition_key = ?", [PK]) == [(2 + 9 + 6,)]
    assert query(counted_db, "select count(*) from marts.reconciliation where partition_key = ? and severity = 'error' "
                             "and not passed", [PK]) == [(0,)]
    with duckdb.connect(str(counted_db), read_only=True) as con:
        landing = run_gate("landing", con, PERIOD, Thresholds.load(""))
    # C11 and C12 are one wrong check digit and one reserve number among 8 accepted contacts
    assert landing.passed
    assert [r.rule for r in landing.warnings] == ["reject_share", "invalid_personnummer_share", "reserve_number_share"]


def test_rows_outside_the_period_are_counted_not_costed(counted_db):
    counts = dict(query(counted_db, "select \"check\", actual from marts.reconciliation where partition_key = ? "
                                    "and \"check\" in ('ledger_rows_outside_period', 'items_outside_period')", [PK]))
    # July 2025 and January 2019 in the ledger; E8 (July), E24 (2019) and S12 (2026)
    assert counts == {"ledger_rows_outside_period": 2, "items_outside_period": 3}
    assert query(counted_db, "select count(*) from intermediate.int_cost_items_matched where partition_key = ? "
                             "and item_id in ('E24', 'S12')", [PK]) == [(0,)]
    # E24's quantity 4 is in no volume: OPD BES counts E7, E25, E26, E27 only
    assert query(counted_db, "select volume from marts.unit_costs where partition_key = ? and cost_center = 'OPD' "
                             "and service_code = 'BES'", [PK]) == [(6.0,)]


def test_events_without_their_contact_are_unmatched_with_the_reason(counted_db):
    assert query(counted_db, "select id, reason from marts.unmatched where partition_key = ? and id in ('E25', 'E28') "
                             "order by id", [PK]) == [("E25", "unknown_contact"), ("E28", "no_contact_in_window")]


@pytest.mark.parametrize(("contact", "flag"), [("C11", "invalid_check_digit"), ("C12", "reserve")])
def test_questionable_personnummer_are_flagged_and_costed(counted_db, contact, flag):
    (row,) = query(counted_db, "select personnummer_flag, total_cost, unit.unit_cost from marts.cost_list, "
                               "(select unit_cost from marts.unit_costs where partition_key = ? and cost_center = 'OPD' "
                               "and service_code = 'BES') as unit where partition_key = ? and contact_id = ?", [PK, PK, contact])
    assert row[0] == flag
    assert row[1] == pytest.approx(row[2]) and row[1] > 0  # one BES visit


# --- named errors from the steps' checks and the gates: one broken delivery ---------------------------------

@pytest.fixture(scope="module")
def broken_db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("broken")
    landing = region(
        tmp / "landing",
        # C2 (contacts.csv line 3) discharged a day before admission
        replaced("contacts.csv", "2025-03-10 10:00,2025-03-10 10:00,F95O", "2025-03-10 10:00,2025-03-09 10:00,F95O"),
        appended("cost_centers.csv", "OH3,IT,REG,ADM,overhead,,,3"),  # line 8: an overhead centre without key
        replaced("cost_centers.csv", "excluded,research_education", "excluded,"),  # EXC (line 7): no category
        replaced("accounts.csv", "Läkemedel,cost,drugs", "Läkemedel,cost,pharma"),  # 5020 (line 6)
        appended("service_catalog.csv", "OH1,X1,Analys,lab,each,1"),  # line 7: a service on an overhead centre
        appended("ledger.csv", "2025-02,XX,5010,200.00", "2025-02,WARD,9999,100.00"),  # unknown cost centre, account
        removed_lines("ledger.csv", "2025-03,"),  # no ledger rows for March
        removed_lines("allocation_keys.csv", "area,"),  # OH2's key has no receivers
        removed_lines("service_events.csv", "E2,", "E3,", "E4,", "E5,", "E13,"),  # LAB produces nothing
    )
    assert not load_and_build(tmp / "kpp.duckdb", landing, PK).success
    return tmp / "kpp.duckdb"


def gate(db: Path, suite: str):
    with duckdb.connect(str(db), read_only=True) as con:
        return run_gate(suite, con, PERIOD, Thresholds.load(""))


LANDING_GATE = [
    ("contact_ends_before_it_starts", "error", "contact_end_not_before_start",
     {"shortest_stay_hours": "-24.00", "cost_center": "OPD",
      "ending_before_start": "contacts.csv line 3, column end_ts 2025-03-09 10:00 < start_ts 2025-03-10 10:00 (C2)"}),
    ("overhead_without_allocation_key", "error", "overhead_allocation_key_present",
     {"allocation_key": "(empty)", "source_line": "8", "cost_center": "OH3"}),
    ("service_on_an_overhead_centre", "error", "service_producer_is_care_or_service",
     {"producer_role": "overhead", "source_line": "7", "cost_center": "OH1", "service_code": "X1"}),
    ("excluded_centre_without_category", "warning", "excluded_category_present",
     {"exclusion": "(empty)", "source_line": "7", "cost_center": "EXC"}),
    ("cost_type_outside_the_national_list", "warning", "cost_type_known",
     {"is_known_cost_type": "False", "source_line": "6", "account": "5020"}),
]


@pytest.mark.parametrize(("name", "severity", "rule", "offending"), LANDING_GATE, ids=[c[0] for c in LANDING_GATE])
def test_the_landing_gate_names_register_and_contact_errors(broken_db, name, severity, rule, offending):
    outcome = gate(broken_db, "landing")
    failures = {r.rule: r for r in outcome.errors + outcome.warnings}
    assert failures[rule].severity == severity
    assert failures[rule].offending == (offending,)
    if severity == "error":
        assert not outcome.passed and failures[rule].line() in outcome.message()


STEP_CHECKS = [
    # March (2500 of production cost) is missing: production 12500
    ("missing_month", "period_months_complete", 6, 5, "missing months: 2025-03"),
    ("unknown_ledger_codes", "ledger_codes_known", 0, 2, "unknown codes (amount SEK): account 9999 (100.00), cost_center XX (200.00)"),
    ("overhead_key_without_receivers", "allocation_keys_have_receivers", 0, 2,
     "overhead centres whose key has no positive value among their receivers: OH2 (key area), OH3 (key ?)"),
    ("overhead_without_allocation_key", "overhead_settings_complete", 0, 1,
     "overhead centres without allocation_key or allocation_order: OH3"),
    # LAB: 5 × 200 own cost + 1/12 of OH1's 1000; OH2's 500 + 166.67 is left on OH2
    ("pool_without_volume", "unabsorbed_share_max", 0.005, round(1083.33 / 12500, 4),
     "centres with a pool but no weighted volume (SEK): LAB (1083.33)"),
]


@pytest.mark.parametrize(("name", "check", "expected", "actual", "detail"), STEP_CHECKS, ids=[c[0] for c in STEP_CHECKS])
def test_a_step_check_fails_naming_the_offending_values(broken_db, name, check, expected, actual, detail):
    # the steps' checks models: dbt skips marts.reconciliation once a step's gate test has failed
    steps = " union all ".join(f"select * from intermediate.int_{step}_checks_computed"
                               for step in ("tkb", "allocation", "calculation"))
    (row,) = query(broken_db, f"select expected, actual, passed, detail from ({steps}) "
                              "where partition_key = ? and check_name = ?", [PK, check])
    assert row[0] == pytest.approx(expected) and row[1] == pytest.approx(actual, abs=1e-4)
    assert row[2] is False and row[3] == detail


def test_the_step_gate_names_overhead_left_on_its_centre(broken_db):
    """Per overhead centre, what the checks model's allocation_complete shows in total."""
    errors = {r.rule: r.offending for r in gate(broken_db, "step2_allocation").errors}
    # OH2's own 500 and its 1/6 of OH1's 1000 have no receiver (its key lost its rows); OH3 owns nothing
    assert errors == {"overhead_fully_allocated": ({"remaining_abs": "666.67", "cost_center": "OH2", "allocation_key": "area"},)}
