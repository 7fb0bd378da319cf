"""Resources shared by the assets: the dbt project, and the run's data root with its DuckDB file and options."""


import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import duckdb
from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource, DbtProject
from pydantic import Field, PrivateAttr

from kpp.settings import (
    CSV_DIALECTS,
    DBT_PROJECT_DIR,
    EXPORT_DIALECTS,
    DataRoot,
    Settings,
)

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

_UNSET = "Empty: the setting's ($KPP_…, <data root>/kpp.toml, the default; docs/orchestration.md, \"Settings\")."


class KppWarehouse(ConfigurableResource):
    """The run's data root with its DuckDB file, and the run's options: in the UI's launchpad under
    `resources: warehouse: config:`, and from `kpp run`'s options the same way. An option left empty is
    the setting's (kpp/settings.py). One writer at a time: open, work, close."""

    data_root: Optional[str] = Field(default=None, description="The folder holding landing/. " + _UNSET)
    csv_dialect: Optional[str] = Field(default=None, description=f"Of the landing files: {', '.join(CSV_DIALECTS)}. " + _UNSET)
    export_dialect: Optional[str] = Field(default=None, description=f"Of the export CSVs: {', '.join(EXPORT_DIALECTS)}. " + _UNSET)
    parquet: Optional[bool] = Field(default=None, description="Each export also as Parquet. " + _UNSET)
    agreement: Optional[str] = Field(default=None, description="An agreement file over <data root>/agreement.yml "
                                     "(docs/uses.md). " + _UNSET)
    demo: Optional[bool] = Field(default=None, description="The built-in demo key, on generated landing folders only "
                                 "(`kpp demo`). " + _UNSET)
    full_rebuild: Optional[bool] = Field(default=None, description="Rebuild every model, reusing nothing of the period's last build (docs/orchestration.md). " + _UNSET)
    _settings: Optional[Settings] = PrivateAttr(default=None)

    @property
    def settings(self) -> Settings:
        """The run's settings, read once per resource (so once per run: a job runs in one process)."""
        if self._settings is None:
            self._settings = Settings.load(self.data_root, csv_dialect=self.csv_dialect, export_dialect=self.export_dialect,
                                           parquet=self.parquet, agreement=self.agreement, demo=self.demo,
                                           full_rebuild=self.full_rebuild)
        return self._settings

    @property
    def root(self) -> DataRoot:
        return self.settings.data_root

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        self.root.path.mkdir(parents=True, exist_ok=True)
        self.settings.spill_dir.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.root.duckdb_path), read_only=read_only, config=self.settings.duckdb_config)
        try:
            yield con
        finally:
            con.close()


def build_resources() -> dict:
    # dbt runs in-process (orchestration/dbt_invocation.py); the resource holds the project and
    # profiles folders, and must name an executable that exists: the venv's, on PATH or not.
    dbt_executable = str(Path(sys.executable).with_name("dbt"))
    return {
        "dbt": DbtCliResource(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable),
        # every option empty: read when a run starts, not when the code location loads
        "warehouse": KppWarehouse(),
    }
