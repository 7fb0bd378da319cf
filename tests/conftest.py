"""Shared fixtures: a loaded and costed period on a tmp_path DuckDB, without the Dagster layer."""

from __future__ import annotations

import contextlib
import fcntl
import gc
import io
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

# The partitions are fixed when orchestration.partitions is first imported (below): reach the
# multi-year example's 2023 (tests/test_uses.py) in this process too.
os.environ.setdefault("KPP_FIRST_YEAR", "2023")

from kpp.dbt_runner import run_dbt
from kpp.landing.pseudonym import PseudonymKey
from kpp.landing.reader import ensure_drg_weights_table, load_partition
from kpp.settings import Settings
from kpp.steps import period_dbt_selection
from orchestration.cli import GC_THRESHOLD
from orchestration.partitions import period_for_key

gc.set_threshold(*GC_THRESHOLD)  # the tests run main() in-process: the collector of the `kpp` command


def pytest_collection_modifyitems(items) -> None:
    """Modules marked `whole_runs` first: xdist hands out test files in collection order, and a long
    file handed out last keeps one worker busy while the other has finished."""
    items.sort(key=lambda item: item.get_closest_marker("whole_runs") is None)  # stable: else in file order


FIXTURES = Path(__file__).parent / "fixtures"
# the key the public worked examples' expected files were computed with (synthetic data only)
EXAMPLE_KEY = "kpp-example-key-0123456789abcdef0123456789abcdef"
TEST_KEY = PseudonymKey(EXAMPLE_KEY.encode(), "tests")


@dataclass(frozen=True)
class DbtResult:
    success: bool
    output: str  # dbt's console lines


def dbt_build(db_path: Path, partition_key: str, extra_vars: dict | None = None, select: str | None = None,
              command: str = "build") -> DbtResult:
    """`dbt <command>` of one period on a data root, the way a run's steps call dbt (kpp/dbt_runner.py):
    `select`, else every step of the period in one build."""
    assert db_path.name == "kpp.duckdb"
    settings = Settings.load(data_root=db_path.parent)
    selection, exclude = (select, None) if select else period_dbt_selection()
    lines: list[str] = []
    invocation = run_dbt(
        command, target_path=settings.data_root.dbt_target_dir(partition_key),
        dbt_vars=period_for_key(partition_key).dbt_vars | (extra_vars or {}), environment=settings.dbt_environment(),
        selection=["--select", selection, *(["--exclude", exclude] if exclude else []),
                   # as in a run (orchestration/dbt_invocation.py); tests/test_end_to_end.py runs them
                   *(["--exclude-resource-type", "unit_test"] if command == "build" else [])],
        on_event=lambda raw: lines.append(raw["info"]["msg"]))
    return DbtResult(invocation.success, "\n".join(lines))


def load_and_build(db_path: Path, landing: Path, partition_key: str, extra_vars: dict | None = None) -> DbtResult:
    with duckdb.connect(str(db_path)) as con:
        load_partition(con, landing, partition_key, TEST_KEY)
        ensure_drg_weights_table(con)
    return dbt_build(db_path, partition_key, extra_vars)


@pytest.fixture(scope="session")
def handmade_db(tmp_path_factory) -> Path:
    """The hand-made region of tests/handmade.py (2025-H1), loaded and built once for the session.

    Its unmatched share (6.3 %) is above the 2 % default gate: allowed here, the tests
    that need the gate to fail copy the database and build again.
    """
    from tests.handmade import write_region

    root = tmp_path_factory.mktemp("handmade")
    db_path = root / "kpp.duckdb"
    result = load_and_build(db_path, write_region(root / "landing" / "2025-H1"), "2025-H1", {"unmatched_max_share": 0.1})
    assert result.success, result.output[-3000:]
    return db_path


@dataclass(frozen=True)
class ExampleRun:
    root: Path
    console: str


@pytest.fixture(scope="session")
def example_run(tmp_path_factory, worker_id) -> ExampleRun:
    """`kpp run` of both periods of the public worked example (tests/fixtures/small), once per session.

    Under xdist the workers share it: the first builds it under a lock, the others wait and read
    it (the tests only read it, or copy it). The console (progress, dbt and Dagster output) is kept
    for the personal-data scan.
    """
    from orchestration.cli import main

    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    root, console_file = shared / "example", shared / "example-console.txt"
    with (shared / "example.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not console_file.is_file():
            if root.exists():
                pytest.fail("the example run failed on another worker: its error is that worker's first failure")
            shutil.copytree(FIXTURES / "small" / "landing", root / "landing")
            shutil.copy(FIXTURES / "small" / "drg_weights.csv", root / "drg_weights.csv")
            console = io.StringIO()
            with (pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(console),
                  contextlib.redirect_stderr(console)):
                mp.setenv("KPP_PSEUDONYM_KEY", EXAMPLE_KEY)
                mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
                code = main(["run", "2025-H1", "2025", "--data-root", str(root)])
            assert code == 0, console.getvalue()[-3000:]
            console_file.write_text(console.getvalue(), encoding="utf-8")
    return ExampleRun(root, console_file.read_text(encoding="utf-8"))


def toy_dbt_project(tmp_path: Path, materialized: str, *copied: str):
    """A one-model dbt project under tmp_path, its models `materialized`, with these files of the project
    (macros, tests) copied in: for the SQL of one of them. Returns (`dbt build <args>` on it, its folder, its DuckDB file)."""
    from dbt.cli.main import dbtRunner

    from kpp.settings import DBT_PROJECT_DIR

    project, warehouse = tmp_path / "project", tmp_path / "toy.duckdb"
    (project / "models").mkdir(parents=True)
    for path in copied:
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DBT_PROJECT_DIR / path, project / path)
    (project / "dbt_project.yml").write_text(
        f"name: toy\nversion: '1.0.0'\nconfig-version: 2\nprofile: toy\nmodels:\n  toy:\n    +materialized: {materialized}\n")
    (project / "profiles.yml").write_text(
        f"toy:\n  target: t\n  outputs:\n    t:\n      type: duckdb\n      path: '{warehouse}'\n      threads: 1\n")

    def build(*args: str):
        return dbtRunner().invoke(["build", "--project-dir", str(project), "--profiles-dir", str(project), "--quiet",
                                   "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "target"),
                                   *args])

    return build, project, warehouse


def query(db_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()
