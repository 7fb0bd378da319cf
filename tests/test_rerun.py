"""A re-run of a period after one changed file (kpp/rebuild.py): what it keeps, and that it computes what a full run does."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from kpp import rebuild
from kpp.dbt_manifest import ensure_manifest
from kpp.landing.pseudonym import PseudonymKey
from kpp.landing.reader import load_partition
from kpp.periods import Period, period_for_key
from tests.conftest import EXAMPLE_KEY, FIXTURES, TEST_KEY, toy_dbt_project

pytestmark = pytest.mark.whole_runs

PERIOD = "2025"
# one ledger row of the worked example's 2025 (line 15): 1 000 SEK more, a late correction
LEDGER_ROW, CORRECTED_ROW = "2025-03,K1001,5010,260870.36", "2025-03,K1001,5010,261870.36"


def _root(tmp: Path) -> Path:
    shutil.copytree(FIXTURES / "small" / "landing" / PERIOD, tmp / "landing" / PERIOD)
    shutil.copy(FIXTURES / "small" / "drg_weights.csv", tmp / "drg_weights.csv")
    return tmp


def _correct_ledger(root: Path) -> None:
    ledger = root / "landing" / PERIOD / "ledger.csv"
    text = ledger.read_text(encoding="utf-8")
    assert text.count(LEDGER_ROW) == 1
    ledger.write_text(text.replace(LEDGER_ROW, CORRECTED_ROW), encoding="utf-8")


def _run(root: Path, mp: pytest.MonkeyPatch) -> str:
    from orchestration.cli import main

    console = io.StringIO()
    mp.setenv("KPP_PSEUDONYM_KEY", EXAMPLE_KEY)
    mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
    with contextlib.redirect_stdout(console), contextlib.redirect_stderr(console):
        code = main(["run", PERIOD, "--data-root", str(root)])
    assert code == 0, console.getvalue()[-3000:]
    return console.getvalue()


def _exports(root: Path) -> dict[str, bytes]:
    """The contract's export files (the workbook, report pages and summary name the run that wrote them)."""
    return {p.name: p.read_bytes() for p in sorted((root / "exports" / PERIOD).glob("*.csv"))}


@pytest.fixture(scope="module")
def rerun(tmp_path_factory):
    """The worked example's 2025 run in full, its ledger corrected, run again; and a full run of the corrected delivery."""
    with pytest.MonkeyPatch.context() as mp:
        root = _root(tmp_path_factory.mktemp("rerun"))
        first = _run(root, mp)
        before = _exports(root)
        _correct_ledger(root)
        second = _run(root, mp)
        fresh = _root(tmp_path_factory.mktemp("full"))
        _correct_ledger(fresh)
        full = _run(fresh, mp)
    return root, first, before, second, _exports(root), full, _exports(fresh)


def test_a_ledger_correction_keeps_the_matching_and_computes_what_a_full_run_does(rerun):
    root, first, before, second, after, full, expected = rerun
    assert "full rebuild: no published build of the period recorded" in first
    assert "full rebuild: no published build of the period recorded" in full
    # the loader read the ledger alone; the other seven files' rows were kept
    assert "loaded ledger.csv: 3866 rows" in second
    for name in ("accounts", "cost_centers", "allocation_keys", "service_catalog", "contacts", "service_events", "specific_costs"):
        assert f"kept {name}.csv: unchanged since its last load" in second
    assert "changed input_files, ledger; models that read only unchanged inputs are kept" in second
    # which event matches which contact does not depend on the ledger: the matching is kept
    assert ("step4_matching: reused int_cost_items_matched of run" in second
            and "its inputs (accounts, contacts, service_catalog, service_events, specific_costs) unchanged" in second)
    assert "landing: reused int_service_events_validated of run" in second
    # …while unit costs and every contact's cost are computed again
    assert "reused int_unit_costs_calculated" not in second and "reused int_contacts_costed" not in second
    assert "reused int_cost_items_costed" not in second
    # dbt's unit tests are the suite's, not a period build's, also when the build names its nodes one by one
    _, second_log = sorted((root / "logs").glob(f"kpp-{PERIOD}-*.log"))[:2]  # named by their start time
    assert "START unit_test" not in second_log.read_text(encoding="utf-8")
    assert set(after) == set(expected) and len(expected) == 14
    assert [name for name in expected if after[name] != expected[name]] == []
    assert before["cost_list.csv"] != after["cost_list.csv"]  # the correction reached the contacts' costs
    with duckdb.connect(str(root / "kpp.duckdb"), read_only=True) as con:
        state = con.execute(f"select status, changed from {rebuild.BUILDS} where partition_key = ?", [PERIOD]).fetchone()
    assert state == ("published", json.dumps(["input_files", "ledger"]))


def test_a_changed_var_rebuilds_everything(rerun, monkeypatch):
    root = rerun[0]
    vars_of = Period.dbt_vars.fget
    # a plausibility limit no specific cost of the example reaches: same numbers, other vars
    monkeypatch.setattr(Period, "dbt_vars", property(lambda self: {**vars_of(self), "max_specific_amount": 100000001}))
    console = _run(root, monkeypatch)
    assert "kept ledger.csv: unchanged since its last load" in console  # the loader's files are the same
    assert "landing: full rebuild: code, vars, seeds, the pseudonym key or the loader changed since run" in console
    assert "reused " not in console
    assert _exports(root) == rerun[4]


def test_the_guard_sees_code_vars_seeds_and_the_key(tmp_path):
    manifest = json.loads(ensure_manifest().read_text(encoding="utf-8"))
    period_vars = period_for_key(PERIOD).dbt_vars
    base = rebuild.code_fingerprint(manifest, period_vars, "key-a", "auto")
    assert rebuild.code_fingerprint(manifest, period_vars, "key-a", "auto") == base
    assert rebuild.code_fingerprint(manifest, period_vars | {"match_window_days": 4}, "key-a", "auto") != base
    assert rebuild.code_fingerprint(manifest, period_vars, "key-b", "auto") != base
    assert rebuild.code_fingerprint(manifest, period_vars, "key-a", "swedish") != base  # the loader's setting

    edited = copy.deepcopy(manifest)
    edited["nodes"]["model.kpp.int_cost_items_matched"]["checksum"]["checksum"] = "0" * 64
    assert rebuild.code_fingerprint(edited, period_vars, "key-a", "auto") != base

    seeded = copy.deepcopy(manifest)
    seed = seeded["nodes"]["seed.kpp.service_groups"]
    copied = tmp_path / "service_groups.csv"
    copied.write_bytes((Path(seed["root_path"]) / seed["original_file_path"]).read_bytes())
    seed["root_path"], seed["original_file_path"] = str(tmp_path), copied.name
    assert rebuild.code_fingerprint(seeded, period_vars, "key-a", "auto") == base
    copied.write_bytes(copied.read_bytes() + b"\n")
    assert rebuild.code_fingerprint(seeded, period_vars, "key-a", "auto") != base


def test_the_loader_reads_only_changed_files(tmp_path):
    landing = _root(tmp_path) / "landing" / PERIOD
    with duckdb.connect(str(tmp_path / "kpp.duckdb")) as con:
        first = load_partition(con, landing, PERIOD, TEST_KEY)
        assert [r.kept for r in first] == [False] * 8
        rows = con.execute("select count(*) from landing.service_events where partition_key = ?", [PERIOD]).fetchone()
        loaded_at = con.execute("select table_name, loaded_at from landing.input_files order by 1").fetchall()

        again = load_partition(con, landing, PERIOD, TEST_KEY)
        assert [r.kept for r in again] == [True] * 8
        assert [r.sha256 for r in again] == [r.sha256 for r in first]
        assert con.execute("select table_name, loaded_at from landing.input_files order by 1").fetchall() == loaded_at

        _correct_ledger(tmp_path)
        corrected = {r.table_name: r for r in load_partition(con, landing, PERIOD, TEST_KEY)}
        assert [t for t, r in corrected.items() if not r.kept] == ["ledger"]
        assert corrected["ledger"].sha256 != first[0].sha256
        assert con.execute("select count(*) from landing.service_events where partition_key = ?", [PERIOD]).fetchone() == rows
        assert con.execute("select sum(amount) from landing.ledger where partition_key = ?", [PERIOD]).fetchone()[0] == \
            con.execute("select sum(cast(amount as decimal(38, 10))) from read_csv(?, all_varchar=true)",
                        [str(landing / "ledger.csv")]).fetchone()[0]

        # another pseudonym key: every pseudonym changes, every file is read again
        other = load_partition(con, landing, PERIOD, PseudonymKey(b"another-key-0123456789abcdef0123456789", "tests"))
        assert not any(r.kept for r in other)
        assert not any(r.kept for r in load_partition(con, landing, PERIOD, TEST_KEY, keep_unchanged=False))


def test_a_period_table_replaces_its_own_period_and_stops_on_changed_columns(tmp_path):
    """macros/period_table.sql on a one-model project: a build replaces its period's rows (also by
    none) and keeps the other periods'; a query whose columns changed fails and changes nothing."""
    dbt_build, project, warehouse = toy_dbt_project(tmp_path, "period_table", "macros/period_table.sql")

    def build(period: str, select: str) -> bool:
        (project / "models" / "toy.sql").write_text(
            "select '{{ var(\"partition_key\") }}' as partition_key, " + select + "\n-- a model may end in a comment")
        return dbt_build("--vars", json.dumps({"partition_key": period})).success

    def rows() -> list[tuple]:
        with duckdb.connect(str(warehouse)) as con:
            return con.execute("select partition_key, count(*), sum(n) from main.toy group by 1 order by 1").fetchall()

    assert build("A", "i as n from range(3) t(i)")  # first build: the table from the query
    assert build("B", "i * 10 as n from range(2) t(i)")  # the table exists: B inserted, A kept
    assert rows() == [("A", 3, 3), ("B", 2, 10)]
    assert build("A", "i + 1 as n from range(4) t(i)")  # A replaced
    assert rows() == [("A", 4, 10), ("B", 2, 10)]
    assert build("A", "i as n from range(3) t(i) where false")  # A replaced by no rows
    assert rows() == [("B", 2, 10)]
    assert not build("A", "i as n, 'x' as extra from range(3) t(i)")  # changed columns: stops
    assert not build("A", "cast(i as double) as n from range(3) t(i)")  # changed type: stops
    assert rows() == [("B", 2, 10)]
