"""Resources shared by the assets: the dbt project and the DuckDB file under the data root."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb
from dagster import ConfigurableResource, EnvVar
from dagster_dbt import DbtCliResource, DbtProject

from kpp.settings import DATA_ROOT_ENV, DBT_PROJECT_DIR, DataRoot

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class KppWarehouse(ConfigurableResource):
    """The DuckDB file of the data root. One writer at a time: open, work, close."""

    data_root: str

    @property
    def root(self) -> DataRoot:
        return DataRoot(Path(self.data_root))

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        self.root.path.mkdir(parents=True, exist_ok=True)
        # the same memory limit and spill folder as dbt (dbt_project/profiles.yml)
        temp_dir = Path(os.environ.get("KPP_DUCKDB_TEMP_DIR") or self.root.duckdb_temp_dir)
        temp_dir.mkdir(parents=True, exist_ok=True)
        config = {
            "memory_limit": os.environ.get("KPP_DUCKDB_MEMORY_LIMIT", "6GB"),
            "temp_directory": str(temp_dir),
        }
        con = duckdb.connect(str(self.root.duckdb_path), read_only=read_only, config=config)
        try:
            yield con
        finally:
            con.close()


def build_resources() -> dict:
    # Resolved per run, so one process can run periods of several data roots (tests, `kpp run`).
    DataRoot.from_env().export_environment()
    # dbt runs in-process (orchestration/dbt_invocation.py); the resource holds the project and
    # profiles folders, and must name an executable that exists: the venv's, on PATH or not.
    dbt_executable = str(Path(sys.executable).with_name("dbt"))
    return {
        "dbt": DbtCliResource(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable),
        "warehouse": KppWarehouse(data_root=EnvVar(DATA_ROOT_ENV)),
    }
