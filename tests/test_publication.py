"""A period's results are replaced atomically: the `published` schema and the exports link."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance

from kpp.explain import explain, render
from kpp.publish import publish_period
from tests.conftest import EXAMPLE_KEY, query

pytestmark = pytest.mark.whole_runs

# what a toy warehouse publishes (a real one: the manifest's published marts, tests/test_marts.py)
SOURCES = [("marts", "cost_list"), ("marts", "unit_costs"), ("landing", "input_files")]


def _marts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema marts")
    con.execute("create table marts.cost_list as select * from (values ('2025-H1', 'C1', 10.0), ('2025', 'C1', 25.0)) "
                "t(partition_key, contact_id, total_cost)")
    con.execute("create table marts.unit_costs as select * from (values ('2025-H1', 'S1', '4.5'), ('2025', 'S1', '5.0')) "
                "t(partition_key, service_code, unit_cost)")
    con.execute("create schema landing")
    con.execute("create table landing.input_files as select * from (values ('2025-H1', 'ledger.csv', 'ab12'), "
                "('2025', 'ledger.csv', 'cd34')) t(partition_key, file_name, sha256)")


def test_publish_replaces_one_period_of_every_mart_table(tmp_path):
    with duckdb.connect(str(tmp_path / "kpp.duckdb")) as con:
        _marts(con)
        assert publish_period(con, "2025", "run-1", SOURCES) == {"cost_list": 1, "unit_costs": 1, "input_files": 1}
        assert publish_period(con, "2025-H1", "run-2", SOURCES) == {"cost_list": 1, "unit_costs": 1, "input_files": 1}
        con.execute("update marts.cost_list set total_cost = 11.0 where partition_key = '2025-H1'")
        con.execute("insert into marts.cost_list values ('2025-H1', 'C2', 7.0)")
        assert publish_period(con, "2025-H1", "run-3", SOURCES) == {"cost_list": 2, "unit_costs": 1, "input_files": 1}
        assert con.execute("select * from published.cost_list order by partition_key, contact_id").fetchall() == [
            ("2025", "C1", 25.0), ("2025-H1", "C1", 11.0), ("2025-H1", "C2", 7.0)]
        assert con.execute("select partition_key, run_id from published.publications order by 1").fetchall() == [
            ("2025", "run-1"), ("2025-H1", "run-3")]


def test_a_publish_that_fails_half_way_changes_nothing(tmp_path):
    with duckdb.connect(str(tmp_path / "kpp.duckdb")) as con:
        _marts(con)
        publish_period(con, "2025-H1", "run-1", SOURCES)
        con.execute("update marts.cost_list set total_cost = 99.0")
        # cost_list is copied first; unit_costs then fails on a value its published column cannot hold
        con.execute("alter table published.unit_costs alter unit_cost type double")
        con.execute("update marts.unit_costs set unit_cost = 'n/a'")
        with pytest.raises(duckdb.ConversionException):
            publish_period(con, "2025-H1", "run-2", SOURCES)
        assert con.execute("select total_cost from published.cost_list").fetchall() == [(10.0,)]
        assert con.execute("select run_id from published.publications").fetchall() == [("run-1",)]


def test_a_mart_that_gains_a_column_keeps_earlier_periods(tmp_path):
    with duckdb.connect(str(tmp_path / "kpp.duckdb")) as con:
        _marts(con)
        publish_period(con, "2025", "run-1", SOURCES)
        con.execute("alter table marts.cost_list add column drg varchar default 'F62C'")
        publish_period(con, "2025-H1", "run-2", SOURCES)
        assert con.execute("select partition_key, drg from published.cost_list order by partition_key").fetchall() == [
            ("2025", None), ("2025-H1", "F62C")]


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_a_run_killed_half_way_leaves_the_periods_results_intact(example_run, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(example_run.root, root, symlinks=True, ignore=shutil.ignore_patterns("dagster_home", "logs"))
    db = root / "kpp.duckdb"
    published = "select contact_id, total_cost from published.cost_list where partition_key = '2025-H1' order by 1"
    before, exports_before = query(db, published), _digest(root / "exports" / "2025-H1")
    other_period = query(db, "select count(*), sum(total_cost) from published.cost_list where partition_key = '2025'")
    # a late ledger correction: one cost centre's personnel cost rises by 1 MSEK
    ledger = root / "landing" / "2025-H1" / "ledger.csv"
    header, first, *rest = ledger.read_text(encoding="utf-8").splitlines()
    month, cost_center, account, amount = first.split(",")
    ledger.write_text("\n".join([header, f"{month},{cost_center},{account},{float(amount) + 1e6:.2f}", *rest]) + "\n",
                      encoding="utf-8")

    env = os.environ | {"KPP_PSEUDONYM_KEY": EXAMPLE_KEY, "DAGSTER_HOME": str(tmp_path / "dagster_home")}
    kpp = [str(Path(sys.executable).with_name("kpp")), "run", "2025-H1", "--data-root", str(root)]
    run = subprocess.Popen(kpp, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        log = next(Path(line.split("dbt and Dagster output: ", 1)[1].strip()) for line in run.stdout
                   if "dbt and Dagster output: " in line)
        # dbt prints OK once a model's transaction has committed: kill with cost_list replaced, the rest not
        deadline = time.monotonic() + 300
        while not re.search(r"OK created sql period_table model marts\.cost_list ", log.read_text(encoding="utf-8")):
            assert run.poll() is None and time.monotonic() < deadline, log.read_text(encoding="utf-8")[-3000:]
            time.sleep(0.05)
        os.killpg(run.pid, signal.SIGKILL)
        run.wait(timeout=60)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert run.returncode == -signal.SIGKILL

    # the marts hold the new build's cost list; the published results and the exports are the previous run's
    built = query(db, "select sum(total_cost) from marts.cost_list where partition_key = '2025-H1'")[0][0]
    assert built - sum(cost for _, cost in before) == pytest.approx(1e6, rel=0.05)  # a little goes to unmatched events
    assert query(db, published) == before
    # `kpp explain` shows the latest build and says where the published figure differs
    changed = query(db, "select m.contact_id, p.total_cost from marts.cost_list m join published.cost_list p "
                        "using (partition_key, contact_id) where partition_key = '2025-H1' "
                        "and abs(m.total_cost - p.total_cost) > 1 order by 1 limit 1")
    with duckdb.connect(str(db), read_only=True) as con:
        explained = explain(con, "2025-H1", changed[0][0])
    assert explained.published_total == changed[0][1]
    assert f"the published results (the exports) have {changed[0][1]:,.2f} SEK for this contact" in render(explained)
    assert _digest(root / "exports" / "2025-H1") == exports_before
    assert query(db, "select count(*), sum(total_cost) from published.cost_list where partition_key = '2025'") == other_period

    # the next run replaces the period's results whole, and first marks the killed run failed
    # (else `dagster dev`'s queue would count it as in progress for good)
    rerun = subprocess.run(kpp, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0 and "as failed (its process had ended)" in rerun.stderr
    with DagsterInstance.from_config(str(tmp_path / "dagster_home")) as instance:
        assert sorted(r.status.value for r in instance.get_runs() if r.job_name == "kpp_period") == ["FAILURE", "SUCCESS"]
    after = query(db, published)
    assert sum(cost for _, cost in after) == pytest.approx(built, abs=0.01)
    assert _digest(root / "exports" / "2025-H1") != exports_before
    # the link names the new build; the previous one stays for a reader still in it
    builds = sorted(p.name.split(".")[0] for p in (root / "exports" / ".builds").iterdir())
    assert [b for b in builds if b != "uses"] == ["2025", "2025-H1", "2025-H1"]  # uses: docs/uses.md
    assert (root / "exports" / "2025-H1").resolve() == max((root / "exports" / ".builds").glob("2025-H1.*"))
