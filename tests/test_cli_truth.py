"""`kpp run` and `kpp status` say what is true: a missing delivery or data root, a milestone done late, exit codes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from orchestration.cli import EXIT_BAD_USAGE, main
from orchestration.status import EXIT_LATE


def test_run_without_a_delivery_creates_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    typo = tmp_path / "typo"
    assert main(["run", "2024", "--data-root", str(typo)]) == EXIT_BAD_USAGE
    assert not typo.exists() and not (tmp_path / "home").exists()
    assert f"{typo}/landing/2024 does not exist" in capsys.readouterr().err
    # a data root that exists, without the period's folder: left as it was
    (tmp_path / "root" / "landing" / "2025").mkdir(parents=True)
    assert main(["run", "2024", "--data-root", str(tmp_path / "root")]) == EXIT_BAD_USAGE
    assert [p.name for p in (tmp_path / "root").iterdir()] == ["landing"]
    # several periods: every delivery is there before any runs; a period given twice is a usage error
    assert main(["run", "2025", "2024", "--data-root", str(tmp_path / "root")]) == EXIT_BAD_USAGE
    assert f"{tmp_path}/root/landing/2024 does not exist" in capsys.readouterr().err
    assert main(["run", "2025", "2025", "--data-root", str(tmp_path / "root")]) == EXIT_BAD_USAGE
    assert "a period is given twice: 2025 2025" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "root").iterdir()] == ["landing"] and not (tmp_path / "home").exists()


def test_status_of_a_missing_data_root(tmp_path, capsys):
    assert main(["status", "--data-root", str(tmp_path / "typo")]) == EXIT_BAD_USAGE
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "typo").exists()


def test_status_of_the_example_run(example_run, tmp_path, monkeypatch, capsys):
    """The worked example ran today, after the 2025 cycle's dates: its milestones are done late, nothing is late."""
    home = tmp_path / "dagster_home"
    shutil.copytree(example_run.root / "dagster_home", home)
    for name, value in {"DAGSTER_HOME": home, "KPP_DATA_ROOT": example_run.root,
                        "KPP_FIRST_YEAR": 2025, "KPP_LAST_YEAR": 2026}.items():
        monkeypatch.setenv(name, str(value))
    args = ["status", "--data-root", str(example_run.root), "--date", "2026-11-30", "--partition", "2025"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.count(" done late ") == 9 and "Nothing is late." in out
    assert "step 2 allocation: " in out and "gates passed" in out
    assert not re.search(r"\b(int|stg)_\w+|intermediate/|marts/|staging/", out)  # no internal model names
    # a cycle with nothing run yet, after its dates: late, and the exit code says so; through the installed `kpp`
    # command, which ends the process without Python's teardown: its code and its piped output still arrive
    kpp = subprocess.run([Path(sys.executable).with_name("kpp"), *args, "--partition", "2026-H1"],
                         env=os.environ, capture_output=True, text=True, timeout=120)
    assert kpp.returncode == EXIT_LATE, kpp.stderr
    out = kpp.stdout
    assert " LATE " in out and "not yet:" in out and "Late or failed: 2026-H1 " in out


def test_node_progress_counts_and_names_the_running_model(monkeypatch):
    from kpp import progress

    lines: list[str] = []
    monkeypatch.setattr(progress, "_console", lines.append)

    logged: list[str] = []

    class Log:
        def info(self, message):
            logged.append(message)

    class Context:
        log = Log()

    def node(uid):
        return {"node_info": {"unique_id": uid, "node_name": uid.split(".")[-1]}, "total": 3}

    with progress.NodeProgress(Context(), "step4_matching", heartbeat_s=0.05) as p:
        p.on_event("LogStartLine", node("model.kpp.int_cost_items_matched"))
        p.on_event("LogModelResult", node("model.kpp.int_cost_items_matched") | {"status": "OK", "execution_time": 1.25})
        p.on_event("LogStartLine", node("model.kpp.int_contacts_costed"))
        p.on_event("LogStartLine", node("test.kpp.unique_x"))
        p.on_event("LogTestResult", node("test.kpp.unique_x") | {"status": "pass"})
        deadline = time.monotonic() + 5
        while not any("still running" in line for line in lines) and time.monotonic() < deadline:
            time.sleep(0.02)
    assert lines[0].startswith("step4_matching: 1 of 3 (") and lines[0].endswith("): int_cost_items_matched OK in 1.2 s")
    assert len([line for line in lines if " of 3 (" in line]) == 1  # a test is counted, not reported
    beat = next(line for line in lines if "still running" in line)
    assert beat.startswith("step4_matching: 2 of 3 done, ") and "still running: int_contacts_costed (" in beat
    # Dagster's event log gets the heartbeat, not a line per model (its materialisation is there)
    assert logged and all("still running" in m for m in logged)


def test_every_dbt_materialisation_has_its_row_count_owner_and_column_sources(example_run):
    import json

    import duckdb
    from dagster import AssetKey, AssetRecordsFilter, DagsterInstance

    from kpp.dbt_manifest import ensure_manifest
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    # the period's models: the uses' models are not partitioned
    dbt_keys = [k for k in graph.get_all_asset_keys()
                if "dbt" in (graph.get(k).kinds or ()) and graph.get(k).partitions_def is not None]
    assert len(dbt_keys) > 50
    assert all(graph.get(k).owners == ["team:kpp"] for k in dbt_keys)
    manifest = json.loads(ensure_manifest().read_text(encoding="utf-8"))
    views = {(n["schema"], n["name"]) for n in manifest["nodes"].values() if n["config"].get("materialized") == "view"}
    assert ("marts", "cost_trace_ledger") in views
    with DagsterInstance.from_config(str(example_run.root / "dagster_home")) as instance:
        for key in dbt_keys:
            (record,) = instance.fetch_materializations(AssetRecordsFilter(key, asset_partitions=["2025"]), limit=1).records
            metadata = record.asset_materialization.metadata
            assert ("dagster/row_count" in metadata) == (tuple(key.path) not in views), key  # a view holds no rows
            if key.path[0] != "national":  # models (seeds have no lineage)
                assert "| column | type | computed from |" in metadata["column_sources"].value, key
        (record,) = instance.fetch_materializations(
            AssetRecordsFilter(AssetKey(["marts", "cost_list"]), asset_partitions=["2025"]), limit=1).records
    with duckdb.connect(str(example_run.root / "kpp.duckdb"), read_only=True) as con:
        (rows,) = con.execute("select count(*) from marts.cost_list where partition_key = '2025'").fetchone()
    assert record.asset_materialization.metadata["dagster/row_count"].value == rows == 2590
