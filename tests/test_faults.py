"""Trust with patient data: faults and hostile or careless input (docs/data-protection.md).

Each case asserts its exact outcome: a named error (file, line, column; never a raw
personnummer), a refused key with how to make one, or a system left usable. Loader cases
run on the hand-made region without dbt; one `kpp run` checks every place a failed run
writes to (stderr, failure note, run log, Dagster storage, temporary folders).
"""

from __future__ import annotations

import os
import re
import stat
import threading
import time
from pathlib import Path

import duckdb
import pytest

from kpp.landing import reader
from kpp.landing.generated_marker import mark
from kpp.landing.pseudonym import (
    DEMO_KEY,
    KEY_ENV,
    KEY_FILE_ENV,
    MissingKeyError,
    resolve_key,
)
from kpp.landing.reader import InputError, load_partition
from kpp.periods import period_for_key
from kpp.settings import DataRoot, Settings, SettingsError
from orchestration.cli import main
from orchestration.housekeeping import (
    CLI_TAG,
    DATA_ROOT_TAG,
    clear_stale,
    exclusive,
    prune,
    run_tags,
)
from tests.conftest import EXAMPLE_KEY, TEST_KEY
from tests.handmade import P1, P2, write_region

PK = "2025-H1"
# the hand-made region's numbers in every written form (with/without century and separator)
NUMBERS = {P1, P2, P1[2:], P2[2:], f"{P1[:8]}-{P1[8:]}", f"{P2[:8]}-{P2[8:]}", f"{P1[2:8]}-{P1[8:]}", f"{P2[2:8]}-{P2[8:]}"}


def leaks(text: str) -> set[str]:
    return {n for n in NUMBERS if n in text}


def load(landing: Path, db: Path) -> None:
    with duckdb.connect(str(db)) as con:
        load_partition(con, landing, PK, TEST_KEY)


def edit_line(path: Path, number: int, change) -> None:
    lines = path.read_bytes().split(b"\r\n")
    lines[number - 1] = change(lines[number - 1])
    path.write_bytes(b"\r\n".join(lines))


# --- 1. no raw personnummer in any error ------------------------------------------------------------------

CORRUPT_CONTACTS = [
    # sed -i '8s/$/,extra/' contacts.csv: line 8 holds P2
    ("extra_field", lambda line: line + b",extra",
     "contacts.csv: the file is not a well-formed CSV (','-separated): Invalid Input Error: CSV Error on Line: 8; "
     "Expected Number of Columns: 11 Found: 12; line 8 has 12 fields where the header has 11: column 12 is after the "
     "last column primary_diagnosis."),
    ("missing_fields", lambda line: line.rsplit(b",", 3)[0],
     "line 8 has 8 fields where the header has 11: column end_ts and later are missing"),
    ("line_over_2_mb", lambda line: line + b"x" * 2_100_000,
     "contacts.csv: the file is not a well-formed CSV (','-separated): Invalid Input Error: CSV Error on Line: 8"),
    ("unterminated_quote", lambda line: line.replace(b",H,", b',"H,', 1), "CSV Error on Line: 8"),
    ("nul_in_personnummer", lambda line: line.replace(P2[:8].encode(), P2[:8].encode() + b"\x00"),
     "contacts.csv line 8, column personnummer: the value holds a control character (U+0000) at position 9"),
    ("nul_in_clinic", lambda line: line.replace(b",MED,", b",M\x00ED,", 1),
     "contacts.csv line 8, column clinic: the value holds a control character (U+0000) at position 2"),
    ("line_break_in_quoted_clinic", lambda line: line.replace(b",MED,", b',"M\nED",', 1),
     "contacts.csv line 8, column clinic: the value holds a control character (U+000A) at position 2"),
    ("escape_in_hospital", lambda line: line.replace(b",H,", b",H\x1b,", 1),
     "contacts.csv line 8, column hospital: the value holds a control character (U+001B) at position 2"),
    ("c1_control_in_clinic", lambda line: line.replace(b",MED,", ",M\u0085D,".encode(), 1),
     "contacts.csv line 8, column clinic: the value holds a control character (U+0085) at position 2"),
    ("stray_windows_1252_byte", lambda line: line.replace(b",MED,", b",M\xc4D,", 1),
     "contacts.csv line 8: byte 0xc4 is not UTF-8, but the rest of the file is UTF-8 (mixed encodings)."),
    ("personnummer_in_care_type", lambda line: line.replace(b",outpatient,", f",{P2},".encode(), 1),
     "contacts.csv line 8, column care_type: unknown value '<personnummer>' for contact_id=C1"),
]


@pytest.mark.parametrize(("name", "change", "message"), CORRUPT_CONTACTS, ids=[c[0] for c in CORRUPT_CONTACTS])
def test_a_corrupted_contacts_file_is_named_without_its_numbers(tmp_path, name, change, message):
    landing = write_region(tmp_path / "landing")
    if name == "stray_windows_1252_byte":  # a UTF-8 file: Ö in another row
        edit_line(landing / "contacts.csv", 3, lambda line: line.replace(b",MED,", ",MÖD,".encode(), 1))
    edit_line(landing / "contacts.csv", 8, change)
    with pytest.raises(InputError) as error:
        load(landing, tmp_path / "kpp.duckdb")
    assert message in str(error.value)
    assert leaks(str(error.value)) == set()
    # DuckDB's error (with the raw row) is not chained: Dagster stores an error's causes too
    assert error.value.__cause__ is None and (error.value.__context__ is None or error.value.__suppress_context__)


def test_a_failed_kpp_run_leaves_no_number_anywhere(tmp_path, monkeypatch, capsys):
    root = tmp_path / "root"
    landing = write_region(root / "landing" / PK)
    edit_line(landing / "contacts.csv", 8, lambda line: line + b",extra")
    (landing / "cost_centers.csv").write_bytes((landing / "cost_centers.csv").read_bytes().decode().encode("cp1252"))
    monkeypatch.setenv("KPP_PSEUDONYM_KEY", EXAMPLE_KEY)
    monkeypatch.setenv("DAGSTER_HOME", str(root / "dagster_home"))
    tmp_before = set(Path("/tmp").glob("kpp-*"))
    assert main(["run", PK, "--data-root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "contacts.csv: the file is not a well-formed CSV" in err and "line 8 has 12 fields" in err
    note = root / "exports" / f"{PK}.FAILED.txt"
    assert "line 8 has 12 fields" in note.read_text(encoding="utf-8")
    files = [p for p in root.rglob("*") if p.is_file() and "landing" not in p.relative_to(root).parts]
    assert {p.relative_to(root).parts[0] for p in files} >= {"exports", "logs", "dagster_home"}
    found = {str(p): leaks(p.read_bytes().decode("latin-1")) for p in files}
    assert {f: h for f, h in found.items() if h} == {} and leaks(err) == set()
    assert set(Path("/tmp").glob("kpp-*")) == tmp_before  # no transcoded copy in /tmp
    assert not (root / "spill").exists()
    # owner-only: umask 077 for everything kpp wrote
    assert {oct(p.stat().st_mode & 0o077) for p in files} == {"0o0"}


def test_a_windows_1252_copy_lives_only_in_the_owner_only_spill_folder(tmp_path, monkeypatch):
    landing = write_region(tmp_path / "landing")
    path = landing / "cost_centers.csv"  # Vårdavdelning: not ASCII
    path.write_bytes(path.read_bytes().decode().encode("cp1252"))
    seen = []
    original = reader._transcode

    def spy(source, target, sha):
        seen.append((target, stat.S_IMODE(target.parent.stat().st_mode)))
        original(source, target, sha)
    monkeypatch.setattr(reader, "_transcode", spy)
    (tmp_path / "spill").mkdir()
    (tmp_path / "spill" / "contacts.utf8.csv").write_text(f"left by a killed run {P1}")  # removed at the next load
    load(landing, tmp_path / "kpp.duckdb")
    assert seen == [(tmp_path / "spill" / "cost_centers.utf8.csv", 0o700)]
    assert not (tmp_path / "spill").exists()


# --- 2. keys that protect ------------------------------------------------------------------------------

REFUSED_KEYS = [
    ("empty", "", "holds an empty key"),
    ("one_space", " ", "holds an empty key"),
    ("one_character", "k", "is 1 bytes long; at least 32 are required"),
    ("31_bytes", "x" * 31, "is 31 bytes long"),
    ("demo_key", DEMO_KEY.decode(), "holds the public demo key"),
]


@pytest.mark.parametrize(("name", "key", "message"), REFUSED_KEYS, ids=[c[0] for c in REFUSED_KEYS])
@pytest.mark.parametrize("via", ["environment", "file"])
def test_weak_keys_are_refused_with_how_to_make_one(tmp_path, monkeypatch, name, key, message, via):
    monkeypatch.delenv(KEY_ENV, raising=False)
    if via == "environment":
        monkeypatch.setenv(KEY_ENV, key)
    else:
        path = tmp_path / "kpp.key"
        path.write_text(key + "\n\n  ")  # white space around a key is stripped first
        path.chmod(0o600)
        monkeypatch.setenv(KEY_FILE_ENV, str(path))
    with pytest.raises(MissingKeyError) as error:
        resolve_key()
    assert message in str(error.value) and "openssl rand -hex 32" in str(error.value)


def test_a_key_file_readable_by_others_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "kpp.key"
    path.write_text(EXAMPLE_KEY + "\n")
    path.chmod(0o644)
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setenv(KEY_FILE_ENV, str(path))
    with pytest.raises(MissingKeyError, match=re.escape("(mode -rw-r--r--)")) as error:
        resolve_key()
    assert f"chmod 600 {path}" in str(error.value)
    path.chmod(0o600)
    key = resolve_key()
    assert key.key == EXAMPLE_KEY.encode() and key.fingerprint == resolve_key().fingerprint


def test_the_fingerprint_names_the_key_without_showing_it(monkeypatch):
    import hashlib
    import hmac

    monkeypatch.setenv(KEY_ENV, EXAMPLE_KEY)
    fingerprint = resolve_key().fingerprint
    assert fingerprint == hmac.new(EXAMPLE_KEY.encode(), b"kpp-key-fingerprint-v1", hashlib.sha256).hexdigest()[:16]
    monkeypatch.setenv(KEY_ENV, EXAMPLE_KEY + "x")
    assert resolve_key().fingerprint != fingerprint


def test_status_says_whether_pseudonyms_are_comparable_with_last_year(tmp_path, monkeypatch):
    from orchestration.status import key_lines

    with duckdb.connect(str(tmp_path / "kpp.duckdb")) as con:
        con.execute("create schema published")
        con.execute("create table published.input_files (partition_key varchar, key_fingerprint varchar)")
        con.execute("insert into published.input_files values ('2024', 'aaaa'), ('2025', 'aaaa'), "
                    "('2024-H1', 'bbbb'), ('2025-H1', 'cccc')")
    assert key_lines(DataRoot(tmp_path), ["2025", "2025-H1", "2026"]) == [
        "2025: key aaaa, the same as 2024: patient pseudonyms are comparable",
        "2025-H1: key cccc, 2024-H1 used bbbb: patient pseudonyms are NOT comparable with the previous year's",
        "2026: no published results with a key fingerprint",
    ]


def test_the_demo_key_only_in_the_demo_on_generated_data(tmp_path, monkeypatch):
    from kpp.landing.pseudonym import demo_key_allowed

    folder = tmp_path / "landing" / PK
    folder.mkdir(parents=True)
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    assert not demo_key_allowed(folder, demo=True)  # not written by the generator
    mark(folder)
    assert demo_key_allowed(folder, demo=True)
    assert resolve_key(allow_demo=True).key == DEMO_KEY
    assert not demo_key_allowed(folder, demo=False)


def test_demo_and_generate_never_touch_a_real_delivery(tmp_path, monkeypatch, capsys):
    delivery = tmp_path / "landing" / "2025"
    delivery.mkdir(parents=True)
    (delivery / "contacts.csv").write_text("contact_id,personnummer\nC1,191212121212\n")
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setenv(KEY_FILE_ENV, str(tmp_path / "real.key"))
    before = sorted(p.name for p in (tmp_path / "landing").rglob("*"))
    assert main(["demo", "--data-root", str(tmp_path)]) == 2
    assert "holds a delivery the generator did not write" in capsys.readouterr().err
    assert main(["generate", "--data-root", str(tmp_path)]) == 2
    assert sorted(p.name for p in (tmp_path / "landing").rglob("*")) == before
    assert (delivery / "contacts.csv").read_text() == "contact_id,personnummer\nC1,191212121212\n"
    # results of a real region whose landing folders were moved away
    (delivery / "contacts.csv").unlink()
    delivery.rmdir()
    (tmp_path / "kpp.duckdb").write_bytes(b"results")
    assert main(["demo", "--data-root", str(tmp_path)]) == 2
    assert "is not empty and holds no generated demo data" in capsys.readouterr().err
    assert (tmp_path / "kpp.duckdb").read_bytes() == b"results" and not (tmp_path / "landing" / "2025-H1").exists()


# --- 3. bad input that would change numbers silently -------------------------------------------------------

def test_a_header_named_twice_is_an_input_error(tmp_path):
    landing = write_region(tmp_path / "landing")
    edit_line(landing / "ledger.csv", 1, lambda line: line + b",amount")
    for n in range(2, 69):
        edit_line(landing / "ledger.csv", n, lambda line: line + b",0")
    with pytest.raises(InputError, match=re.escape(
            "ledger.csv line 1: column amount appears twice (columns 4 and 5); each column must occur once.")):
        load(landing, tmp_path / "kpp.duckdb")


def test_a_parquet_column_named_twice_is_an_input_error(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    landing = write_region(tmp_path / "landing")
    (landing / "ledger.csv").unlink()
    pq.write_table(pa.table([pa.array(["2025-01"]), pa.array(["OH1"]), pa.array(["5010"]), pa.array(["200.00"]),
                             pa.array(["100.00"])], names=["month", "cost_center", "account", "amount", "Amount"]),
                   landing / "ledger.parquet")
    with pytest.raises(InputError, match=re.escape("ledger.parquet schema: column amount appears twice (columns 4 and 5)")):
        load(landing, tmp_path / "kpp.duckdb")


def test_nested_parquet_columns_are_extra_columns_not_duplicates(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    landing = write_region(tmp_path / "landing")
    (landing / "ledger.csv").unlink()
    # two list columns: parquet_schema names both leaves `element`
    pq.write_table(pa.table({"month": ["2025-01"], "cost_center": ["OH1"], "account": ["5010"], "amount": ["200.00"],
                             "tags": [["a"]], "notes": [["b"]]}), landing / "ledger.parquet")
    load(landing, tmp_path / "kpp.duckdb")
    assert duckdb.connect(str(tmp_path / "kpp.duckdb")).execute(
        "select cost_center, amount from landing.ledger").fetchall() == [("OH1", 200)]


def test_windows_1252_that_happens_to_be_well_formed_utf8_is_read_as_windows_1252(tmp_path):
    landing = write_region(tmp_path / "landing")
    path = landing / "cost_centers.csv"
    # "Ö" + NBSP in Windows-1252 (D6 A0) is UTF-8 for U+05A0, a character no register holds
    text = path.read_bytes().decode().replace("Vårdavdelning", "Ö\xa0avd").replace("å", "a").replace("ä", "a")
    path.write_bytes(text.encode("cp1252"))
    load(landing, tmp_path / "kpp.duckdb")
    names = [n for (n,) in duckdb.connect(str(tmp_path / "kpp.duckdb")).execute(
        "select name from landing.cost_centers").fetchall()]
    assert "Ö\xa0avd" in " ".join(names) and "\u05a0" not in " ".join(names)


@pytest.mark.parametrize(("file", "old", "new", "message"), [
    ("service_events.csv", "LAB,L1,1,", "LAB,L1,1" + "0" * 30 + ",",
     "service_events.csv line 4, column quantity: the value '1" + "0" * 30 + "' is not plausible (1e12 or more)"),
    ("ledger.csv", "2025-01,OH1,5010,200.00", "2025-01,OH1,5010,1" + "0" * 20,
     "ledger.csv line 2, column amount: the value '1" + "0" * 20 + "' is not plausible (1e12 or more)"),
    ("ledger.csv", "2025-01,OH1,5010,200.00", "2025-01,OH1,5010,1" + "0" * 30,
     "ledger.csv line 2, column amount: cannot read '1" + "0" * 30 + "' as a decimal number"),
])
def test_values_beyond_any_region_are_input_errors(tmp_path, file, old, new, message):
    landing = write_region(tmp_path / "landing")
    text = (landing / file).read_text(encoding="utf-8")
    assert old in text
    (landing / file).write_text(text.replace(old, new, 1), encoding="utf-8", newline="")
    with pytest.raises(InputError) as error:
        load(landing, tmp_path / "kpp.duckdb")
    assert message in str(error.value)


def test_random_bytes_as_a_landing_file_name_the_file(tmp_path):
    landing = write_region(tmp_path / "landing")
    (landing / "service_events.csv").write_bytes(os.urandom(1_000_000))  # the 200 MB, smaller
    with pytest.raises(InputError, match=r"^service_events\.csv line \d+: byte 0x[0-9a-f]{2} is (not UTF-8|neither)"):
        load(landing, tmp_path / "kpp.duckdb")


def test_a_stray_byte_before_the_files_utf8_text_is_named_too(tmp_path):
    landing = write_region(tmp_path / "landing")
    edit_line(landing / "contacts.csv", 2, lambda line: line.replace(b",MED,", b",M\xd6D,", 1))  # Windows-1252 Ö
    edit_line(landing / "contacts.csv", 8, lambda line: line.replace(b",MED,", ",MÖD,".encode(), 1))  # UTF-8 Ö
    with pytest.raises(InputError, match=re.escape("contacts.csv line 2: byte 0xd6 is not UTF-8, but the rest of the "
                                                   "file is UTF-8 (mixed encodings).")):
        load(landing, tmp_path / "kpp.duckdb")


# bytes every one of which Windows-1252 defines, none forming UTF-8: read as text
_JUNK = bytes(b for b in range(256) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D) and b < 0xC0 or b == 0x0A) * 4000
_LONG_HEADER = b"\x01\x02" + bytes(range(0xA0, 0xC0)) * 100 + b"\n1\n"  # one 3 200-character 'column name'


@pytest.mark.parametrize("content", [_JUNK, _LONG_HEADER], ids=["binary", "long_header"])
def test_a_binary_file_that_decodes_as_windows_1252_is_named_briefly(tmp_path, content):
    landing = write_region(tmp_path / "landing")
    (landing / "accounts.csv").write_bytes(content)
    with pytest.raises(InputError) as error:
        load(landing, tmp_path / "kpp.duckdb")
    message = str(error.value)
    assert message.startswith("accounts.csv: ") and len(message) < 500 and message.isprintable()


def test_a_quote_in_the_data_root_path_is_data_not_sql(tmp_path):
    root = tmp_path / "it's"
    landing = write_region(root / "landing")
    events = landing / "service_events.csv"
    with duckdb.connect() as con:  # Parquet is read through a view: its path is quoted by DuckDB itself
        con.read_csv(str(events), all_varchar=True).write_parquet(str(landing / "service_events.parquet"))
    events.unlink()
    load(landing, root / "kpp.duckdb")
    with duckdb.connect(str(root / "kpp.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from landing.service_events").fetchone() == (13,)
        assert con.execute("select file_name from landing.input_files where table_name = 'service_events'").fetchone() == (
            "service_events.parquet",)


def test_a_file_replaced_while_it_is_loaded_is_an_error(tmp_path, monkeypatch):
    landing = write_region(tmp_path / "landing")
    original = reader._scan_encoding

    def replace_after_hashing(path):
        result = original(path)
        if path.name == "ledger.csv":
            path.write_bytes(path.read_bytes().replace(b"200.00", b"900.00"))
        return result
    monkeypatch.setattr(reader, "_scan_encoding", replace_after_hashing)
    with pytest.raises(InputError, match="ledger.csv: the file changed while it was being loaded"):
        load(landing, tmp_path / "kpp.duckdb")


@pytest.mark.parametrize("argument", ["2025\n", "２０２５", "2025-H1 ", "2025-h1"])
def test_bad_period_arguments_exit_2(argument, capsys):
    with pytest.raises(ValueError):
        period_for_key(argument)
    assert main(["run", argument, "--data-root", "/nonexistent/never-created"]) == 2
    assert "is not a KPP period" in capsys.readouterr().err
    assert not Path("/nonexistent/never-created").exists()


# --- 4. faults leave the system usable ------------------------------------------------------------------

def test_a_warehouse_that_is_not_duckdb_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    write_region(tmp_path / "landing" / PK)
    (tmp_path / "kpp.duckdb").write_bytes(b"this is not a database\n" * 100)
    monkeypatch.setenv(KEY_ENV, EXAMPLE_KEY)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    assert main(["run", PK, "--data-root", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is not a DuckDB database file" in err[0] and ".damaged" in err[0]


def test_a_data_root_that_cannot_be_created_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv(KEY_ENV, EXAMPLE_KEY)
    # `kpp run` first finds no delivery there (tests/test_cli_truth.py); `kpp uses` creates its data root
    assert main(["uses", "--data-root", str(tmp_path / "file" / "root")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot create the data root" in err[0]


def test_a_second_run_waits_for_the_lock_naming_the_running_period(tmp_path):
    root = DataRoot(tmp_path)
    messages, order = [], []
    with exclusive(root, "2025", messages.append):
        def second():
            with exclusive(root, "2025-H1", messages.append):
                order.append("second")
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.5)
        order.append("first done")
    thread.join(5)
    assert order == ["first done", "second"]
    assert len(messages) == 1 and messages[0].startswith(f"waiting: the data root {tmp_path} is in use by kpp run 2025 (pid ")


def test_runs_of_a_killed_process_are_marked_failed_at_the_next_start(tmp_path):
    from dagster import DagsterInstance, DagsterRunStatus
    from dagster._core.storage.dagster_run import DagsterRun

    root = DataRoot(tmp_path)
    (tmp_path / "home").mkdir()
    with DagsterInstance.local_temp(str(tmp_path / "home")) as instance:
        killed = DagsterRun(job_name="kpp_period", run_id="killed-run", status=DagsterRunStatus.STARTED,
                            tags=run_tags(root) | {"dagster/partition": "2025"})
        other_root = DagsterRun(job_name="kpp_period", run_id="other-root", status=DagsterRunStatus.STARTED,
                                tags={CLI_TAG: "cli", DATA_ROOT_TAG: "/elsewhere"})
        untagged = DagsterRun(job_name="kpp_period", run_id="untagged-run", status=DagsterRunStatus.STARTED, tags={})
        instance.add_run(killed)
        instance.add_run(other_root)
        instance.add_run(untagged)
        (tmp_path / "spill").mkdir()
        messages = []
        clear_stale(root, instance, messages.append)
        assert instance.get_run_by_id("killed-run").status == DagsterRunStatus.FAILURE
        assert instance.get_run_by_id("other-root").status == DagsterRunStatus.STARTED  # another data root's
        # an in-process run (no code location, so not the UI's) of a kpp that did not tag its runs yet
        assert instance.get_run_by_id("untagged-run").status == DagsterRunStatus.FAILURE
        assert sorted(messages) == ["marked the unfinished run killed-r of 2025 as failed (its process had ended)",
                                    "marked the unfinished run untagged of ? as failed (its process had ended)"]
        assert not (tmp_path / "spill").exists()


def test_history_is_kept_for_the_last_runs_only(tmp_path, monkeypatch):
    from dagster import DagsterInstance, DagsterRunStatus
    from dagster._core.storage.dagster_run import DagsterRun

    monkeypatch.setenv("KPP_KEEP_RUNS", "2")
    root = DataRoot(tmp_path)
    keep = Settings.load(tmp_path).keep_runs
    (tmp_path / "logs").mkdir()
    for i in range(4):
        (tmp_path / "logs" / f"kpp-2025-2026120{i}-100000.log").write_text("log")
        (tmp_path / "logs" / f"kpp-2025-H1-2026120{i}-100000.log").write_text("log")
        run = tmp_path / "gx_docs" / "2025" / "validations" / "landing" / f"run-{i}"
        run.mkdir(parents=True)
        os.utime(run, (1000 + i, 1000 + i))
    (tmp_path / "home").mkdir()
    with DagsterInstance.local_temp(str(tmp_path / "home")) as instance:
        ours = {"dagster/partition": "2025", **run_tags(root)}
        for i in range(4):
            instance.add_run(DagsterRun(job_name="kpp_period", run_id=f"run-{i}", status=DagsterRunStatus.SUCCESS,
                                        tags=ours))
        # another data root's run of the same period in a shared DAGSTER_HOME
        instance.add_run(DagsterRun(job_name="kpp_period", run_id="elsewhere", status=DagsterRunStatus.SUCCESS,
                                    tags={**ours, DATA_ROOT_TAG: "/srv/other"}))
        prune(root, instance, "2025", keep)
        assert sorted(r.run_id for r in instance.get_runs()) == ["elsewhere", "run-2", "run-3"]
        # failed runs never push out the newest success: it holds the published period's materialisations
        for i in (4, 5):
            instance.add_run(DagsterRun(job_name="kpp_period", run_id=f"run-{i}", status=DagsterRunStatus.FAILURE,
                                        tags=ours))
        prune(root, instance, "2025", keep)
        assert sorted(r.run_id for r in instance.get_runs()) == ["elsewhere", "run-3", "run-4", "run-5"]
    assert sorted(p.name for p in (tmp_path / "logs").glob("kpp-2025-2*")) == [
        "kpp-2025-20261202-100000.log", "kpp-2025-20261203-100000.log"]
    assert len(list((tmp_path / "logs").glob("kpp-2025-H1-*"))) == 4  # another period's
    assert sorted(p.name for p in (tmp_path / "gx_docs" / "2025" / "validations" / "landing").iterdir()) == ["run-2", "run-3"]
    monkeypatch.setenv("KPP_KEEP_RUNS", "0")
    with pytest.raises(SettingsError, match="KPP_KEEP_RUNS='0': give the number of runs to keep per period"):
        Settings.load(tmp_path)
