"""Where a run reads and writes: the data root and what lives under it."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

DATA_ROOT_ENV = "KPP_DATA_ROOT"
# Settings kept with a data root (docs/deliverables.md), e.g. [exports] dialect = "swedish"
SETTINGS_FILE = "kpp.toml"
REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


@dataclass(frozen=True)
class DataRoot:
    path: Path

    @classmethod
    def from_env(cls) -> "DataRoot":
        return cls(Path(os.environ.get(DATA_ROOT_ENV, "data")).resolve())

    @property
    def duckdb_path(self) -> Path:
        return self.path / "kpp.duckdb"

    def landing_dir(self, partition_key: str) -> Path:
        return self.path / "landing" / partition_key

    def exports_dir(self, partition_key: str) -> Path:
        return self.path / "exports" / partition_key

    def gx_docs_dir(self, partition_key: str) -> Path:
        """The Data Docs site and gate records of a period (or of the uses): every run adds its validations."""
        return self.path / "gx_docs" / partition_key

    def dbt_target_dir(self, partition_key: str) -> Path:
        """dbt's target folder of a period (or of the uses): compiled SQL, run SQL and dbt.log."""
        return self.path / "dbt_target" / partition_key

    @property
    def duckdb_temp_dir(self) -> Path:
        return self.path / "duckdb_tmp"

    def drg_weight_override(self, partition_key: str) -> Path | None:
        """A drg_weights.csv in the landing folder, else in the data root, replaces the seed's list."""
        for candidate in (self.landing_dir(partition_key) / "drg_weights.csv", self.path / "drg_weights.csv"):
            if candidate.is_file():
                return candidate
        return None

    def settings(self, section: str) -> dict:
        """One section of the data root's kpp.toml ({} without the file or the section)."""
        path = self.path / SETTINGS_FILE
        if not path.is_file():
            return {}
        try:
            return tomllib.loads(path.read_text(encoding="utf-8")).get(section, {})
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path}: {exc}") from None

    def export_environment(self) -> None:
        """dbt (dbt_project/profiles.yml) and the warehouse resource find the data root in the environment."""
        os.environ[DATA_ROOT_ENV] = str(self.path)
