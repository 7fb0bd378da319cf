"""Shared fixtures: a loaded and costed period on a tmp_path DuckDB, without the Dagster layer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.dbt_manifest import ensure_manifest
from orchestration.landing.pseudonym import PseudonymKey
from orchestration.landing.reader import load_partition
from orchestration.partitions import period_for_key
from orchestration.settings import DBT_PROJECT_DIR

FIXTURES = Path(__file__).parent / "fixtures"
TEST_KEY = PseudonymKey(b"test-key", "tests")


@pytest.fixture(scope="session", autouse=True)
def _manifest():
    """dagster-dbt needs dbt's manifest before orchestration.definitions is imported."""
    ensure_manifest()


def dbt_build(
    db_path: Path, partition_key: str, extra_vars: dict | None = None, select: str | None = None, command: str = "build"
) -> subprocess.CompletedProcess:
    period = period_for_key(partition_key)
    assert db_path.name == "kpp.duckdb"
    env = os.environ | {"KPP_DATA_ROOT": str(db_path.parent)}
    args = [str(Path(sys.executable).with_name("dbt")), command, "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(db_path.parent / "dbt_target"),
            "--vars", json.dumps(period.dbt_vars | (extra_vars or {}))]
    if select:
        args += ["--select", select]
    return subprocess.run(args, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)


def load_and_build(db_path: Path, landing: Path, partition_key: str, extra_vars: dict | None = None) -> subprocess.CompletedProcess:
    with duckdb.connect(str(db_path)) as con:
        load_partition(con, landing, partition_key, TEST_KEY)
        con.execute("create table if not exists landing.drg_weights (partition_key varchar, drg varchar, year varchar, "
                    "weight varchar, mdc varchar, description varchar)")
    return dbt_build(db_path, partition_key, extra_vars)


def query(db_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()
