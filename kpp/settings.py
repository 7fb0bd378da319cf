"""The settings of KPP, read once: the data root and what lives under it, and a run's options.

`Settings.load` reads them, checked, from (first wins) the caller's overrides (`kpp run`'s options, a
Dagster run's config), the environment, the data root's kpp.toml, the defaults; docs/orchestration.md
("Settings") lists them. Every environment variable KPP reads is named here, once.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

DATA_ROOT_ENV = "KPP_DATA_ROOT"
FIRST_YEAR_ENV, LAST_YEAR_ENV = "KPP_FIRST_YEAR", "KPP_LAST_YEAR"
CSV_DIALECT_ENV = "KPP_CSV_DIALECT"
EXPORT_DIALECT_ENV, EXPORT_PARQUET_ENV = "KPP_EXPORT_DIALECT", "KPP_EXPORT_PARQUET"
AGREEMENT_ENV = "KPP_AGREEMENT"
REGION_ENV = "KPP_REGION"
KEEP_RUNS_ENV = "KPP_KEEP_RUNS"
FULL_REBUILD_ENV = "KPP_FULL_REBUILD"
DUCKDB_MEMORY_LIMIT_ENV, DUCKDB_TEMP_DIR_ENV = "KPP_DUCKDB_MEMORY_LIMIT", "KPP_DUCKDB_TEMP_DIR"
# What dbt_project/profiles.yml reads (Settings.dbt_environment)
DBT_PROFILE_ENV = (DATA_ROOT_ENV, DUCKDB_MEMORY_LIMIT_ENV, DUCKDB_TEMP_DIR_ENV)
# Only for the built-in demo: `kpp demo` sets it for its own runs (on landing folders the generator wrote).
DEMO_ENV = "KPP_DEMO"
# The secret is no setting: kpp/landing/pseudonym.py reads it where it is used and keeps it nowhere else.
KEY_ENV, KEY_FILE_ENV = "KPP_PSEUDONYM_KEY", "KPP_PSEUDONYM_KEY_FILE"

# Settings kept with a data root (docs/deliverables.md), e.g. [exports] dialect = "swedish"
SETTINGS_FILE = "kpp.toml"
REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"

CSV_DIALECTS = ("auto", "standard", "swedish")  # of the landing files (spec §1)
EXPORT_DIALECTS = ("contract", "swedish")  # of the export CSVs (docs/deliverables.md)
DEFAULT_KEEP_RUNS = 20
DEFAULT_MEMORY_LIMIT = "5GB"  # DuckDB's buffer pool; the process is ≈ 0.9 GiB more (docs/benchmarks.md, memory safety)


class SettingsError(ValueError):
    """A setting that cannot be used; the message names where it came from and what to give (exit 2)."""


@dataclass(frozen=True)
class DataRoot:
    path: Path

    @classmethod
    def resolve(cls, data_root: str | Path | None = None, environ: Mapping[str, str] | None = None) -> "DataRoot":
        """The data root named, else $KPP_DATA_ROOT, else ./data (not created: a typo must not make one)."""
        environ = os.environ if environ is None else environ
        return cls(Path(data_root or environ.get(DATA_ROOT_ENV, "data")).resolve())

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


def period_years(environ: Mapping[str, str] | None = None) -> tuple[int, int]:
    """The partition range: KPP_FIRST_YEAR..KPP_LAST_YEAR, by default the last two years and this one.

    Read from the environment only: it is fixed when the code location loads (orchestration/partitions.py).
    """
    environ = os.environ if environ is None else environ
    this_year = date.today().year
    first = _year(FIRST_YEAR_ENV, environ.get(FIRST_YEAR_ENV) or this_year - 2)
    last = _year(LAST_YEAR_ENV, environ.get(LAST_YEAR_ENV) or this_year)
    if first > last:
        raise SettingsError(f"{FIRST_YEAR_ENV}={first} is after {LAST_YEAR_ENV}={last}: give the first year, then the last.")
    return first, last


@dataclass(frozen=True)
class Settings:
    data_root: DataRoot
    first_year: int
    last_year: int
    csv_dialect: str = "auto"  # of the landing files: auto = detected per file from its header
    export_dialect: str = "contract"
    parquet: bool = False  # each export also as Parquet
    agreement: Path | None = None  # the run's agreement file, over <data root>/agreement.yml (docs/uses.md)
    demo: bool = False  # the demo key may pseudonymise generated landing folders
    region: str = ""  # the block of expectations/thresholds.yml laid over the suites' defaults
    keep_runs: int = DEFAULT_KEEP_RUNS  # runs kept per period (docs/data-protection.md)
    # rebuild everything whatever the period's state says (e.g. after a hand `dbt build --full-refresh`)
    full_rebuild: bool = False
    duckdb_memory_limit: str = DEFAULT_MEMORY_LIMIT
    duckdb_temp_dir: Path | None = None  # DuckDB's spill folder; None: <data root>/duckdb_tmp

    @classmethod
    def load(cls, data_root: str | Path | None = None, environ: Mapping[str, str] | None = None,
             **overrides: Any) -> "Settings":
        """Each setting from `overrides` (None = not given), else the environment, else kpp.toml, else its default."""
        environ = os.environ if environ is None else environ
        unknown = set(overrides) - {f for f in cls.__dataclass_fields__ if f not in ("data_root", "first_year", "last_year")}
        if unknown:
            raise TypeError(f"no such setting: {', '.join(sorted(unknown))}")
        root = DataRoot.resolve(data_root, environ)
        exports = _toml_section(root, "exports", ("dialect", "parquet"))
        toml = f"{root.path / SETTINGS_FILE} [exports]"

        def pick(name: str, env: str | None, toml_key: str | None = None) -> tuple[Any, str] | None:
            """The value and where it came from, the first source that has one."""
            if overrides.get(name) is not None:
                return overrides[name], f"the run's {name}"
            if env and environ.get(env):
                return environ[env], env
            if toml_key and toml_key in exports:
                return exports[toml_key], f"{toml} {toml_key}"
            return None

        first, last = period_years(environ)
        values: dict[str, Any] = {}
        if got := pick("csv_dialect", CSV_DIALECT_ENV):
            values["csv_dialect"] = _choice(*got, CSV_DIALECTS, "CSV dialect")
        if got := pick("export_dialect", EXPORT_DIALECT_ENV, "dialect"):
            values["export_dialect"] = _choice(*got, EXPORT_DIALECTS, "export dialect")
        if got := pick("parquet", EXPORT_PARQUET_ENV, "parquet"):
            values["parquet"] = _flag(*got)
        if got := pick("demo", DEMO_ENV):
            values["demo"] = _flag(*got)
        if got := pick("agreement", AGREEMENT_ENV):
            values["agreement"] = Path(got[0]).resolve()
        if got := pick("region", REGION_ENV):
            values["region"] = str(got[0])
        if got := pick("full_rebuild", FULL_REBUILD_ENV):
            values["full_rebuild"] = _flag(*got)
        if got := pick("keep_runs", KEEP_RUNS_ENV):
            values["keep_runs"] = _keep_runs(*got)
        if got := pick("duckdb_memory_limit", DUCKDB_MEMORY_LIMIT_ENV):
            values["duckdb_memory_limit"] = str(got[0])
        if got := pick("duckdb_temp_dir", DUCKDB_TEMP_DIR_ENV):
            values["duckdb_temp_dir"] = Path(got[0])
        return cls(root, first, last, **values)

    @property
    def spill_dir(self) -> Path:
        return self.duckdb_temp_dir or self.data_root.duckdb_temp_dir

    def dbt_environment(self) -> dict[str, str]:
        """What dbt_project/profiles.yml reads: set for each dbt invocation (kpp/dbt_runner.py)."""
        return dict(zip(DBT_PROFILE_ENV, (str(self.data_root.path), self.duckdb_memory_limit, str(self.spill_dir))))

    @property
    def duckdb_config(self) -> dict[str, str]:
        """The same memory limit and spill folder as dbt's (dbt_project/profiles.yml)."""
        return {"memory_limit": self.duckdb_memory_limit, "temp_directory": str(self.spill_dir)}


def _toml_section(root: DataRoot, section: str, keys: tuple[str, ...]) -> dict[str, Any]:
    """One section of the data root's kpp.toml ({} without the file or the section), its keys checked."""
    path = root.path / SETTINGS_FILE
    if not path.is_file():
        return {}
    try:
        body = tomllib.loads(path.read_text(encoding="utf-8")).get(section, {})
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: {exc}") from None
    if unknown := sorted(set(body) - set(keys)):
        raise SettingsError(f"{path} [{section}]: unknown key(s) {', '.join(unknown)}; known: {', '.join(keys)} "
                            "(docs/deliverables.md)")
    return body


def _year(source: str, value: Any) -> int:
    text = str(value)
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise SettingsError(f"{source}={text!r}: give a year of four digits, e.g. 2024.")
    return int(text)


def _choice(value: Any, source: str, choices: tuple[str, ...], what: str) -> str:
    if value not in choices:
        raise SettingsError(f"{what} {value!r} ({source}): use one of {', '.join(choices)}")
    return value


def _flag(value: Any, source: str) -> bool:
    """A boolean: true/false in kpp.toml and run config, 1/0 in the environment."""
    if isinstance(value, bool):
        return value
    if value in ("1", "0"):
        return value == "1"
    raise SettingsError(f"{source}={value!r}: give 1 or 0 (true or false in kpp.toml).")


def _keep_runs(value: Any, source: str) -> int:
    text = str(value)
    if isinstance(value, bool) or not text.isascii() or not text.isdigit() or int(text) < 1:
        raise SettingsError(f"{source}={text!r}: give the number of runs to keep per period (1 or more).")
    return int(text)
