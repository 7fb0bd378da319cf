"""Orchestration: calendar schedules, the landing sensor, the DuckDB pool, `kpp status` and `kpp explain`.

Schedules, sensor and status run against real Dagster contexts and instances
(status on a small stand-in graph, so no dbt run is needed); explain runs on the
hand-made region of tests/handmade.py, whose cost trace is worked out by hand.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest
import yaml
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    AssetMaterialization,
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    Definitions,
    Failure,
    MetadataValue,
    StaticPartitionsDefinition,
    asset,
    asset_check,
    build_schedule_context,
    build_sensor_context,
    instance_for_test,
    materialize,
)

from kpp.explain import explain, render
from kpp.steps import group_of
from orchestration.cli import main
from orchestration.instance import prepare_instance
from orchestration.partitions import period_for_key, period_partitions
from orchestration.resources import KppWarehouse
from orchestration.schedules import load_calendar
from orchestration.sensors import CHANGED_FILES_TAG, kpp_landing_sensor, scan_landing
from orchestration.status import (
    DONE_LATE,
    EXIT_LATE,
    FAILED,
    LATE,
    MANUAL,
    OPEN,
    milestone_statuses,
)
from orchestration.status import render as render_status
from tests.conftest import FIXTURES, query

IN_PROGRESS = (DagsterRunStatus.STARTING, DagsterRunStatus.STARTED)
# the last configured year: every date below is in a cycle whose period is a partition
YEAR = max(period_for_key(k).year for k in period_partitions.get_partition_keys())


@pytest.fixture(scope="module")
def defs():
    from orchestration.definitions import defs

    return defs


# --- definitions -------------------------------------------------------------------------------


def test_definitions_have_calendar_schedules_and_the_landing_sensor(defs):
    schedules = {s.name: s for s in defs.schedules}
    assert set(schedules) == {"kpp_full_year_calendar", "kpp_temp_calendar"}
    assert {s.execution_timezone for s in schedules.values()} == {"Europe/Stockholm"}
    assert [s.name for s in defs.sensors] == ["kpp_landing_sensor", "kpp_uses_after_exports"]


def test_every_asset_is_in_the_duckdb_pool(defs):
    # With pool granularity `run`, a run holding the pool excludes every other run that needs it.
    for assets_def in defs.resolve_asset_graph().assets_defs:
        if assets_def.keys:
            assert assets_def.node_def.pools == {"duckdb"}, assets_def.keys


# --- schedules ---------------------------------------------------------------------------------


def _tick(defs, name: str, when: datetime):
    context = build_schedule_context(scheduled_execution_time=when, repository_def=defs.get_repository_def())
    return defs.resolve_schedule_def(name).evaluate_tick(context)


@pytest.mark.parametrize(("schedule", "month", "day", "partition", "milestones"), [
    ("kpp_full_year_calendar", 1, 25, f"{YEAR - 1}", "ledger_loaded"),
    ("kpp_full_year_calendar", 2, 19, f"{YEAR - 1}", "production_loaded"),
    ("kpp_full_year_calendar", 3, 10, f"{YEAR - 1}", "reconciliation"),
    ("kpp_full_year_calendar", 4, 13, f"{YEAR - 1}", "controls"),
    ("kpp_temp_calendar", 8, 10, f"{YEAR}-H1", "production_loaded"),
    ("kpp_temp_calendar", 8, 13, f"{YEAR}-H1", "ledger_loaded,staff_loaded"),
    ("kpp_temp_calendar", 8, 31, f"{YEAR}-H1", "reconciliation"),
    ("kpp_temp_calendar", 9, 28, f"{YEAR}-H1", "controls"),
])
def test_a_milestone_tick_requests_its_cycles_period(defs, schedule, month, day, partition, milestones, tmp_path, monkeypatch):
    monkeypatch.setenv("KPP_DATA_ROOT", str(tmp_path))
    (tmp_path / "landing" / partition).mkdir(parents=True)
    # 23:30 UTC the evening before is already the milestone day in Stockholm (00:30 or 01:30)
    result = _tick(defs, schedule, datetime(YEAR, month, day, tzinfo=timezone.utc) - timedelta(minutes=30))
    assert [(r.partition_key, r.tags["kpp/milestone"]) for r in result.run_requests] == [(partition, milestones)]


def test_a_milestone_tick_without_a_delivery_skips(defs, tmp_path, monkeypatch):
    """No run that can only fail (and would show every asset and gate failed in the UI)."""
    monkeypatch.setenv("KPP_DATA_ROOT", str(tmp_path))
    result = _tick(defs, "kpp_full_year_calendar", datetime(YEAR, 1, 25, 8, tzinfo=timezone.utc))
    assert result.run_requests == []
    assert result.skip_message == f"No delivery for {YEAR - 1}: {tmp_path / 'landing' / str(YEAR - 1)} does not exist."


def test_crons_are_the_calendar_days_and_other_days_skip(defs):
    tracked = [m for m in load_calendar() if m.asset_hint]
    full_year = defs.resolve_schedule_def("kpp_full_year_calendar")
    assert sorted(full_year.cron_schedule) == sorted(f"0 5 {m.full_year[1]} {m.full_year[0]} *" for m in tracked)
    assert len(defs.resolve_schedule_def("kpp_temp_calendar").cron_schedule) == len({m.temp for m in tracked})
    off_day = _tick(defs, "kpp_full_year_calendar", datetime(YEAR, 5, 2, 4, tzinfo=timezone.utc))
    assert off_day.run_requests == [] and "no milestone day" in off_day.skip_message
    # a cycle whose period is not a configured partition is skipped, not failed
    beyond = _tick(defs, "kpp_temp_calendar", datetime(YEAR + 1, 8, 31, 4, tzinfo=timezone.utc))
    assert beyond.run_requests == [] and f"{YEAR + 1}-H1" in beyond.skip_message


# --- landing sensor ----------------------------------------------------------------------------


def _sense(defs, instance, root: Path, cursor: str | None):
    context = build_sensor_context(instance=instance, cursor=cursor, definitions=defs,
                                   resources={"warehouse": KppWarehouse(data_root=str(root))})
    return kpp_landing_sensor.evaluate_tick(context)


def test_sensor_requests_a_rerun_naming_the_changed_file(defs, tmp_path):
    partition = f"{YEAR}-H1"
    landing = tmp_path / "landing" / partition
    shutil.copytree(FIXTURES / "small" / "landing" / "2025-H1", landing)
    with instance_for_test() as instance:
        first = _sense(defs, instance, tmp_path, None)
        # never loaded: the whole delivery is new
        assert [r.partition_key for r in first.run_requests] == [partition]
        assert first.run_requests[0].tags[CHANGED_FILES_TAG].split(",") == sorted(p.name for p in landing.iterdir())

        unchanged = _sense(defs, instance, tmp_path, first.cursor)
        assert unchanged.run_requests == []

        ledger = landing / "ledger.csv"
        delivered = ledger.read_bytes()
        ledger.write_bytes(delivered + b"2025-06,K2101,5010,1.00\r\n")
        late = _sense(defs, instance, tmp_path, unchanged.cursor)
        assert [(r.partition_key, r.tags[CHANGED_FILES_TAG]) for r in late.run_requests] == [(partition, "ledger.csv")]
        # put back as first delivered: that is a change too
        ledger.write_bytes(delivered)
        reverted = _sense(defs, instance, tmp_path, late.cursor)
        assert [r.tags[CHANGED_FILES_TAG] for r in reverted.run_requests] == ["ledger.csv"]


def test_sensor_without_cursor_compares_with_the_last_load(defs, tmp_path):
    partition = f"{YEAR}-H1"
    landing = tmp_path / "landing" / partition
    shutil.copytree(FIXTURES / "small" / "landing" / "2025-H1", landing)
    loaded = {name: entry[2] for name, entry in scan_landing(landing, {}).items()}
    with instance_for_test() as instance:
        instance.report_runless_asset_event(AssetMaterialization(
            asset_key=["landing", "input_files"], partition=partition,
            metadata={"input_sha256": MetadataValue.json(loaded)}))
        assert _sense(defs, instance, tmp_path, None).run_requests == []
        (landing / "contacts.csv").write_text((landing / "contacts.csv").read_text(encoding="utf-8") + "\n", encoding="utf-8")
        assert [r.tags[CHANGED_FILES_TAG] for r in _sense(defs, instance, tmp_path, None).run_requests] == ["contacts.csv"]


# --- DuckDB pool: the project's instance settings -------------------------------------------------


def test_instance_set_up_limits_the_duckdb_pool_to_one_run(tmp_path):
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: true\n", encoding="utf-8")
    prepare_instance(tmp_path)
    with DagsterInstance.from_config(str(tmp_path)) as instance:
        config = instance.get_concurrency_config()
        assert (config.pool_config.pool_granularity.value, config.pool_config.default_pool_limit) == ("run", 1)
        assert config.run_queue_config.max_concurrent_runs == 1
        assert [(p.name, p.limit) for p in instance.event_log_storage.get_pool_limits()] == [("duckdb", 1)]
        assert instance.get_settings("telemetry") == {"enabled": True}  # a home's own settings are kept


@pytest.mark.parametrize("own, kept", [
    ({"storage": {"sqlite": {"base_dir": "{home}/own"}}}, "storage"),
    ({"event_log_storage": {"module": "dagster._core.storage.event_log", "class": "SqliteEventLogStorage",
                            "config": {"base_dir": "{home}/own"}}}, "event_log_storage"),
])
def test_a_home_with_storage_of_its_own_keeps_it(tmp_path, own, kept):
    """Also when the home got this project's event log earlier and its own `storage:` later."""
    home = tmp_path / "home"
    prepare_instance(home)
    config = yaml.safe_load((home / "dagster.yaml").read_text(encoding="utf-8"))
    mine = config["event_log_storage"]
    own = yaml.safe_load(yaml.safe_dump(own).replace("{home}", str(home)))
    (home / "dagster.yaml").write_text(yaml.safe_dump(config | own), encoding="utf-8")
    prepare_instance(home)
    config = yaml.safe_load((home / "dagster.yaml").read_text(encoding="utf-8"))
    assert config[kept] == own[kept] and config.get("event_log_storage") != mine
    with DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.event_log_storage).__name__ == "SqliteEventLogStorage"
        assert instance.event_log_storage._base_dir.startswith(str(home / "own"))


def test_the_event_log_keeps_dagsters_files_and_follows_a_moved_home(tmp_path):
    """Runs stored through the kept-open connections are read back by another instance, deleted with
    their file's connection closed, and a moved home's event log points into the home again."""
    from tests.pool_toy import defs as toy

    home = tmp_path / "home"
    prepare_instance(home)
    with DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.event_log_storage).__name__ == "KppSqliteEventLogStorage"
        runs = [toy.resolve_job_def("toy_job").execute_in_process(instance=instance, partition_key=key).run_id
                for key in ("2024", "2025")]
        written = [e.dagster_event_type for e in instance.all_logs(runs[1]) if e.is_dagster_event]
        instance.delete_run(runs[0])
        assert instance.all_logs(runs[0]) == []
    with DagsterInstance.from_config(str(home)) as reader:
        assert [r.run_id for r in reader.get_runs()] == [runs[1]]
        materialized = reader.get_latest_materialization_event(AssetKey("toy_period"))
        assert (materialized.run_id, materialized.dagster_event.partition) == (runs[1], "2025")
        assert [e.dagster_event_type for e in reader.all_logs(runs[1]) if e.is_dagster_event] == written
        assert written[-1] == DagsterEventType.RUN_SUCCESS
    moved = tmp_path / "moved"
    home.rename(moved)
    prepare_instance(moved)
    with DagsterInstance.from_config(str(moved)) as instance:
        assert instance.event_log_storage._base_dir == str((moved / "history" / "runs").resolve())
        assert [r.run_id for r in instance.get_runs()] == [runs[1]]
        assert instance.get_latest_materialization_event(AssetKey("toy_period")).run_id == runs[1]


def test_a_watcher_of_a_run_gets_the_events_another_process_stores(tmp_path):
    """The UI's live view of a run: the webserver's instance watches the run's events while the run's
    process, its connection open (commits in the WAL file, not yet in <run>.db), stores them."""
    from tests.pool_toy import defs as toy

    home = tmp_path / "home"
    prepare_instance(home)
    seen: list[str] = []
    with DagsterInstance.from_config(str(home)) as writer, DagsterInstance.from_config(str(home)) as ui:
        run = writer.get_run_by_id(
            toy.resolve_job_def("toy_job").execute_in_process(instance=writer, partition_key="2025").run_id)

        def callback(event, cursor):
            seen.append(event.message)

        ui.event_log_storage.watch(run.run_id, None, callback)
        deadline = time.monotonic() + 15
        while "a late event" not in seen and time.monotonic() < deadline:  # the watch may start a moment later
            writer.report_engine_event("a late event", run)
            time.sleep(0.5)
        ui.event_log_storage.end_watch(run.run_id, callback)
    assert "a late event" in seen


def test_backfill_of_three_periods_runs_one_period_at_a_time(tmp_path):
    """`dagster-daemon`'s run queue with the project's settings: a 3-partition backfill runs one run at a time."""
    home = tmp_path / "home"
    prepare_instance(home)
    env = os.environ | {"DAGSTER_HOME": str(home)}
    bin_dir = Path(sys.executable).parent
    toy = str(Path(__file__).with_name("pool_toy.py"))
    subprocess.run([str(bin_dir / "dagster"), "job", "backfill", "-f", toy, "-j", "toy_job",
                    "--partitions", "2023,2024,2025", "--noprompt"], env=env, check=True, capture_output=True)
    daemon = subprocess.Popen([str(bin_dir / "dagster-daemon"), "run", "-f", toy], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    most_in_progress = 0
    try:
        with DagsterInstance.from_config(str(home)) as instance:
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                runs = instance.get_runs()
                # without the pool limit the queue hands all three runs to the launcher at once
                most_in_progress = max(most_in_progress, sum(r.status in IN_PROGRESS for r in runs))
                if len(runs) == 3 and all(r.status == DagsterRunStatus.SUCCESS for r in runs):
                    break
                time.sleep(0.2)
            records = instance.get_run_records()
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(30)
    assert sorted((r.dagster_run.tags["dagster/partition"], r.dagster_run.status) for r in records) == [
        (p, DagsterRunStatus.SUCCESS) for p in ("2023", "2024", "2025")]
    assert most_in_progress == 1
    spans = sorted((r.start_time, r.end_time) for r in records)
    assert all(spans[i][1] <= spans[i + 1][0] for i in range(2)), spans


# --- kpp status ----------------------------------------------------------------------------------


def _stand_in(gate: dict):
    """Assets named like the calendar's asset hints, in the real groups, with a blocking gate on step 2."""
    parts = StaticPartitionsDefinition(["2025-H1", "2025"])

    @asset(partitions_def=parts, group_name=group_of("landing"))
    def ledger():
        pass

    @asset(partitions_def=parts, group_name="step1_tkb", deps=[ledger])
    def classified():
        # like a dbt step whose non-check test fails after earlier runs materialised the asset
        if gate.get("step1_fails"):
            raise Failure("dbt test unique_int_ledger_classified_cost_center failed")

    @asset(partitions_def=parts, group_name="step2_allocation", deps=[classified])
    def pools():
        pass

    @asset_check(asset=pools, blocking=True)
    def pools_gate():
        return AssetCheckResult(passed=gate["passes"])

    @asset(partitions_def=parts, group_name="step4_matching", deps=[pools])
    def matched():
        pass

    @asset_check(asset=matched, blocking=True)
    def matched_plausible():
        # fails with severity WARN: a warning, which stops nothing
        return AssetCheckResult(passed=False, severity=AssetCheckSeverity.WARN)

    @asset(partitions_def=parts, group_name=group_of("results"), deps=[matched])
    def exports():
        pass

    return [ledger, classified, pools, matched, exports], [pools_gate, matched_plausible]


def test_status_shows_done_failed_late_and_open_milestones():
    gate = {"passes": False}
    assets, checks = _stand_in(gate)
    definitions = [*assets, *checks]
    graph = Definitions(assets=assets, asset_checks=checks).resolve_asset_graph()
    with instance_for_test() as instance:
        assert not materialize(definitions, partition_key="2025", instance=instance, raise_on_error=False).success
        states = {s.milestone.name: s for s in milestone_statuses(instance, graph, "2025", date(2026, 3, 12))}
        assert {n: s.state for n, s in states.items()} == {
            # done, after the milestone's date (the runs are today's)
            "preparations": MANUAL, "ledger_loaded": DONE_LATE, "production_loaded": DONE_LATE, "staff_loaded": DONE_LATE,
            "flagging": DONE_LATE, "reconciliation": FAILED, "specific_cost_recalculation": OPEN,
            "cost_list_export": OPEN, "controls": OPEN, "kpp_ready": OPEN}
        assert states["reconciliation"].due == date(2026, 3, 10)
        assert states["reconciliation"].detail.startswith("step 2 allocation: its gate failed ")
        assert states["reconciliation"].detail.endswith(" on pools; see the period's gates.html")
        assert states["controls"].detail == "results: 0 of 1 results computed; not yet: exports"

        later = milestone_statuses(instance, graph, "2025", date(2026, 3, 23))
        assert [s.milestone.name for s in later if s.state == LATE] == ["specific_cost_recalculation"]
        text = render_status(later, date(2026, 3, 23), "HOME")
        assert ("Late or failed: 2025 reconciliation (failed, due 2026-03-10); "
                "2025 specific_cost_recalculation (late, due 2026-03-22)") in text

        gate["passes"] = True
        started = time.time()
        assert materialize(definitions, partition_key="2025", instance=instance).success
        states = {s.milestone.name: s for s in milestone_statuses(instance, graph, "2025", date(2026, 4, 20))}
        assert {s.state for s in states.values()} == {DONE_LATE, MANUAL}
        assert states["reconciliation"].done_at.timestamp() >= started
        assert "1 gate passed;" in states["reconciliation"].detail
        assert "0 gates passed, 1 with warnings;" in states["specific_cost_recalculation"].detail
        # a later run whose step 1 fails: its milestone is failed, though the asset was materialised before
        gate["step1_fails"] = True
        assert not materialize(definitions, partition_key="2025", instance=instance, raise_on_error=False).success
        states = {s.milestone.name: s for s in milestone_statuses(instance, graph, "2025", date(2026, 4, 20))}
        assert states["flagging"].state == FAILED
        assert states["flagging"].detail.startswith("step 1 TKB extraction: the step failed ")
        assert states["ledger_loaded"].state == DONE_LATE
        # the temp cycle of the same year has nothing yet, and its dates are in August–October
        temp = milestone_statuses(instance, graph, "2025-H1", date(2025, 8, 20))
        assert [(s.milestone.name, s.state) for s in temp if s.state == LATE] == [
            ("production_loaded", LATE), ("ledger_loaded", LATE), ("staff_loaded", LATE)]


def test_kpp_status_command_on_an_empty_instance(tmp_path, monkeypatch, capsys):
    # set (and so restored afterwards) what the command's set-up writes into the environment
    for name, value in {"DAGSTER_HOME": tmp_path / "home", "KPP_DATA_ROOT": tmp_path,
                        "KPP_FIRST_YEAR": 2025, "KPP_LAST_YEAR": 2026}.items():
        monkeypatch.setenv(name, str(value))
    # three milestones are late: exit EXIT_LATE
    assert main(["status", "--data-root", str(tmp_path), "--date", "2026-02-20"]) == EXIT_LATE
    out = capsys.readouterr().out
    # February: last year's full-year cycle is under way, this year's temp cycle has not started
    assert "full-year KPP 2025 (2025-01-01 .. 2026-01-01 exclusive), run in 2026" in out
    assert "temp KPP 2026-H1" in out
    assert "2026-01-25  Ekonomi inläst (ledger_loaded)" in out
    assert out.count(" LATE ") == 3 and out.count(" open ") == 6 + 9
    assert "granularity: run" in (tmp_path / "home" / "dagster.yaml").read_text(encoding="utf-8")


# --- kpp explain on the hand-made region ---------------------------------------------------------

PK = "2025-H1"


@pytest.fixture
def handmade(handmade_db) -> Path:
    """The data root of the session's hand-made region (tests/conftest.py)."""
    return handmade_db.parent


def _explain(root: Path, contact: str, ledger: bool = True):
    with duckdb.connect(str(root / "kpp.duckdb"), read_only=True) as con:
        return explain(con, PK, contact, ledger)


def test_cost_trace_models_sum_to_the_cost_list(handmade):
    costs = {"C1": 9150, "C2": 1975, "C4": 625, "C5": 250, "C6": 2050}
    for model in ("cost_trace", "cost_trace_ledger"):
        traced = dict(query(handmade / "kpp.duckdb", f"select contact_id, sum(amount) from marts.{model} "
                                                     "where partition_key = ? group by all", [PK]))
        assert traced == pytest.approx(costs), model
    # WARD's indirect 1000 = 700 booked on OH1 (600 direct, 100 through OH2) + 300 on OH2 itself
    origins = dict(query(handmade / "kpp.duckdb", "select origin_cost_center, amount from intermediate.int_overhead_origins_traced "
                                                  "where partition_key = ? and receiver_cost_center = 'WARD'", [PK]))
    assert origins == pytest.approx({"OH1": 700, "OH2": 300})


def test_explain_walks_c1_down_to_the_ledger_rows(handmade):
    e = _explain(handmade, "C1")
    # VD 6 × 1025 over WARD's pool 8200 = personnel 6000 + drugs 1200 + indirect 1000; implants 2500 × 1.2
    by_type = {}
    for r in e.trace:
        by_type[(r["code"], r["cost_type"])] = by_type.get((r["code"], r["cost_type"]), 0) + r["amount"]
    assert by_type == pytest.approx({("VD", "personnel"): 4500, ("VD", "drugs"): 900, ("VD", "indirect"): 750,
                                     ("5041", "material"): 3000})
    # WARD's indirect 1000 came 600 from OH1 and 400 from OH2
    assert {o["source"]: o["amount"] for o in e.overhead} == pytest.approx({"OH1": 450, "OH2": 300})
    # OH2 passed on 800 = its own 600 + 200 it received from OH1: C1's 300 from OH2 is 225 own, 75 from OH1
    by_account = {}
    for p in e.ledger:
        by_account[(p.cost_center, p.account)] = by_account.get((p.cost_center, p.account), 0) + p.amount
    assert by_account == pytest.approx({("WARD", "5010"): 4500, ("WARD", "5020"): 900, ("WARD", "5041"): 3000,
                                        ("OH1", "5010"): 525, ("OH2", "5010"): 225})
    assert len(e.ledger) == 5 * 6  # six months of each
    assert e.ledger_total == pytest.approx(9150) and e.trace_total == pytest.approx(9150)


@pytest.mark.parametrize("contact", ["C2", "C4", "C5", "C6"])
def test_every_level_of_the_trace_sums_to_the_contact_cost(handmade, contact):
    e = _explain(handmade, contact)
    overhead = sum(r["amount"] for r in e.trace if r["cost_type"] == "indirect")
    assert sum(o["amount"] for o in e.overhead) == pytest.approx(overhead)
    assert e.trace_total == pytest.approx(e.total_cost, abs=0.005)
    assert e.ledger_total == pytest.approx(e.total_cost, abs=0.005)
    assert render(e).endswith("(to the öre)")


def test_kpp_explain_command(handmade, capsys):
    assert main(["explain", "C2", "--partition", PK, "--data-root", str(handmade), "--ledger", "--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert "kostnadslista total_cost 1,975.00 SEK" in out
    assert "OH1 Regionledning" in out and "key fte" in out
    assert "more ledger rows" in out and "Σ trace 1,975.00 SEK − kostnadslista 1,975.00 SEK = 0.00 (to the öre)" in out
    assert main(["explain", "C99", "--partition", PK, "--data-root", str(handmade)]) == 1
    assert "not in the cost list" in capsys.readouterr().err


def test_cost_trace_gate_flags_a_contact_whose_trace_does_not_sum(handmade, tmp_path):
    # the gate's compiled query from the fixture's dbt build, on a copy whose cost list was tampered with
    (gate_sql,) = (handmade / "dbt_target").rglob("compiled/**/sums_to_cost_trace*.sql")
    copy = tmp_path / "kpp.duckdb"
    shutil.copy(handmade / "kpp.duckdb", copy)
    with duckdb.connect(str(copy)) as con:
        assert con.execute(gate_sql.read_text(encoding="utf-8")).fetchall() == []
        con.execute("update marts.cost_list set total_cost = total_cost + 1 where contact_id = 'C4'")
        assert con.execute(gate_sql.read_text(encoding="utf-8")).fetchall() == [("C4", pytest.approx(625), pytest.approx(626), 0)]
        # a part without an amount fails the same gate, though the sum of the rest still matches
        con.execute("update marts.cost_list set total_cost = 625 where contact_id = 'C4'")
        # (int_cost_items_costed is a view: its cost is null when the scale factor is)
        con.execute("update intermediate.int_specific_cost_factors_computed as f set scale_factor = null where exists ("
                    "select 1 from intermediate.int_cost_items_matched as m where m.matched_contact_id = 'C1' "
                    "and m.source = 'specific_cost' and m.cost_center = f.cost_center and m.code = f.account "
                    "and m.partition_key = f.partition_key)")
        con.execute("update marts.cost_list set total_cost = 6150 where contact_id = 'C1'")
        assert con.execute(gate_sql.read_text(encoding="utf-8")).fetchall() == [("C1", pytest.approx(6150), pytest.approx(6150), 1)]
