"""`kpp run` through the Dagster definitions, on the public worked example (tests/fixtures/small).

One materialisation per partition kind on a tmp_path data root: the central
identity holds to the öre and every contact's cost matches the independent
implementation's within 0.01 SEK; a re-run of one period leaves the other alone.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest

from orchestration.cli import main
from tests.conftest import EXAMPLE_KEY, FIXTURES, query

EXAMPLE = FIXTURES / "small"


def read_csv(path: Path, key: tuple[str, ...]) -> dict[tuple, dict]:
    with path.open(encoding="utf-8") as handle:
        return {tuple(row[k] for k in key): row for row in csv.DictReader(handle)}


@pytest.fixture
def data_root(example_run) -> Path:
    return example_run.root


@pytest.mark.parametrize("partition", ["2025-H1", "2025"])
def test_contact_costs_match_the_worked_example(data_root, partition):
    ours = read_csv(data_root / "exports" / partition / "cost_list.csv", ("contact_id",))
    expected = read_csv(EXAMPLE / "expected" / partition / "cost_list.csv", ("contact_id",))
    assert ours.keys() == expected.keys()
    worst = max(abs(float(ours[k]["total_cost"]) - float(expected[k]["total_cost"])) for k in expected)
    assert worst < 0.01
    for column in ("is_outlier", "spans_period_boundary", "patient_pseudonym", "personnummer_flag"):
        assert [ours[k][column] for k in expected] == [expected[k][column] for k in expected], column


@pytest.mark.parametrize("partition", ["2025-H1", "2025"])
def test_unit_costs_and_drg_results_match(data_root, partition):
    exports, expected = data_root / "exports" / partition, EXAMPLE / "expected" / partition
    for name, key, columns in [
        ("unit_costs.csv", ("cost_center", "service_code"), ("volume", "unit_cost")),
        ("drg_weights.csv", ("drg", "care_type"), ("n_contacts", "n_inliers", "outlier_threshold", "retro_weight")),
        ("cost_per_drg_point.csv", ("hospital", "clinic", "care_type"), ("inlier_cost", "drg_points", "cost_per_point")),
        ("cost_pools.csv", ("cost_center",), ("direct_cost", "indirect_cost", "parked_cost", "pool")),
    ]:
        ours, theirs = read_csv(exports / name, key), read_csv(expected / name, key)
        assert ours.keys() == theirs.keys(), name
        for k, row in theirs.items():
            for column in columns:
                if row[column] == "":
                    assert ours[k][column] == "", (name, k, column)
                else:
                    assert float(ours[k][column]) == pytest.approx(float(row[column]), abs=1e-4), (name, k, column)


@pytest.mark.parametrize("partition", ["2025-H1", "2025"])
def test_central_identity_holds_to_the_ore(data_root, partition):
    checks = read_csv(data_root / "exports" / partition / "reconciliation.csv", ("check",))
    central = checks[("central_reconciliation",)]
    assert abs(float(central["difference"])) < 0.005 and central["passed"] == "true"
    assert float(central["expected"]) == pytest.approx(
        float(read_csv(EXAMPLE / "expected" / partition / "reconciliation.csv", ("check",))[("central_reconciliation",)]["expected"]),
        abs=0.005)
    assert all(row["passed"] == "true" for row in checks.values() if row["severity"] == "error")


def test_rerunning_one_period_replaces_only_that_period(example_run, tmp_path, monkeypatch):
    # a copy: the session's example run stays as the other tests expect it
    data_root = tmp_path / "root"
    shutil.copytree(example_run.root, data_root, symlinks=True)
    db = data_root / "kpp.duckdb"
    snapshot = "select * from marts.cost_list where partition_key = '2025' order by contact_id"
    full_year_before = query(db, snapshot)
    # The H1 delivery is redelivered without specific costs: its old rows must go, also where none replace them.
    (data_root / "landing" / "2025-H1" / "specific_costs.csv").write_text(
        "specific_cost_id,contact_id,personnummer,event_ts,cost_center,account,amount,item\n", encoding="utf-8")
    monkeypatch.setenv("KPP_PSEUDONYM_KEY", EXAMPLE_KEY)
    monkeypatch.setenv("DAGSTER_HOME", str(data_root / "dagster_home"))
    assert main(["run", "2025-H1", "--data-root", str(data_root)]) == 0
    # the run's Dagster instances are disposed when it returns: their SQLite files closed and checkpointed
    assert not list((data_root / "dagster_home").rglob("*.db-wal"))
    assert query(db, snapshot) == full_year_before
    assert query(db, "select count(*) from intermediate.int_specific_costs_validated where partition_key = '2025-H1'") == [(0,)]
    assert query(db, "select count(*) from intermediate.int_specific_costs_validated where partition_key = '2025'") == [(20,)]
    assert query(db, "select sum(specific_cost) from marts.cost_list where partition_key = '2025-H1'") == [(0.0,)]


def test_missing_key_refuses_to_run(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("KPP_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("KPP_PSEUDONYM_KEY_FILE", raising=False)
    (tmp_path / "landing" / "2025").mkdir(parents=True)  # a delivery folder: else that is the error
    assert main(["run", "2025", "--data-root", str(tmp_path)]) == 2
    assert "KPP_PSEUDONYM_KEY" in capsys.readouterr().err


def test_dbt_unit_tests_pass(data_root, tmp_path):
    """The SQL-logic unit tests (retro DRG weights, outlier thresholds and ties, order-independent contact costs;
    the uses' price chain, classes, series and base points) against a copy of the built warehouse (dbt opens
    it for writing; the example run is shared)."""
    from tests.conftest import dbt_build

    shutil.copy(data_root / "kpp.duckdb", tmp_path / "kpp.duckdb")
    result = dbt_build(tmp_path / "kpp.duckdb", "2025", command="test", select="test_type:unit")
    assert result.success, result.output[-2000:]
    assert "PASS=10 " in result.output


def test_a_failed_gate_exits_1_naming_it_and_writes_no_exports(tmp_path, monkeypatch, capsys):
    from tests.handmade import write_region

    write_region(tmp_path / "landing" / "2025-H1")  # 6.3 % of its cost is unmatched: above the 2 % gate
    monkeypatch.setenv("KPP_PSEUDONYM_KEY", EXAMPLE_KEY)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    assert main(["run", "2025-H1", "--data-root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "gate step4_matching failed: unmatched_share_max: expected 0.0200, actual 0.0633" in err
    assert not (tmp_path / "exports" / "2025-H1").exists()
    note = (tmp_path / "exports" / "2025-H1.FAILED.txt").read_text(encoding="utf-8")
    assert "No exports exist for this period." in note and "unmatched_share_max" in note
    # the gate report of the failed run (docs/deliverables.md): the gates that ran, and the one that did not
    gates = (tmp_path / "gx_docs" / "2025-H1" / "gates.html").read_text(encoding="utf-8")
    assert re.search(r"<a href='#step3_calculation'>step3_calculation</a>.*?<span class='badge (passed|warned)'>", gates)
    assert "<td>step4_matching</td><td></td><td><span class='badge missing'>not run</span>" in gates
