"""The Dagster instance set-up of every KPP Dagster home: the repository's dagster.yaml and the DuckDB pool.

At most one run that opens the DuckDB file is in progress, so backfill runs of
several periods wait in the queue and compute one period after another.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from kpp.settings import REPO_ROOT

PROJECT_INSTANCE_CONFIG = REPO_ROOT / "dagster.yaml"
DUCKDB_POOL = "duckdb"


def event_log_storage(home: Path) -> dict:
    """The home's event log: Dagster's SQLite files where Dagster keeps them, with open connections
    (orchestration/event_log.py). Its folder is absolute, so it is written per home, not in dagster.yaml."""
    return {"module": "orchestration.event_log", "class": "KppSqliteEventLogStorage",
            "config": {"base_dir": str(home.resolve() / "history" / "runs")}}


def ensure_instance_config(home: Path) -> Path:
    """Add the project's settings to <home>/dagster.yaml; settings the home already has are kept,
    except the folder of this project's event log, which follows the home when it moved."""
    project = yaml.safe_load(PROJECT_INSTANCE_CONFIG.read_text(encoding="utf-8"))
    config_path = home / "dagster.yaml"
    config = (yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}) if config_path.exists() else {}
    wanted = config | {key: value for key, value in project.items() if key not in config}
    ours = event_log_storage(home)
    theirs = config.get("event_log_storage")
    is_ours = isinstance(theirs, dict) and theirs.get("module") == ours["module"]
    if "storage" in config:  # storage of its own: Dagster takes no event log beside `storage:`
        if is_ours:
            del wanted["event_log_storage"]
    elif theirs is None or is_ours:  # another event log of the home's own is kept
        wanted["event_log_storage"] = ours
    if wanted != config:
        written = config_path.with_name(config_path.name + ".tmp")
        written.write_text(yaml.safe_dump(wanted, sort_keys=False), encoding="utf-8")
        written.replace(config_path)  # a Dagster process reading the file never sees half of it
    return config_path


def prepare_instance(home: Path) -> None:
    """The settings, and the pool itself: with run granularity the queue enforces only pools that exist
    (what `dagster instance concurrency set duckdb 1` does by hand)."""
    from dagster import (
        DagsterInstance,  # the `kpp` commands that need no instance start faster without it
    )

    home.mkdir(parents=True, exist_ok=True)
    ensure_instance_config(home)
    with DagsterInstance.from_config(str(home)) as instance:
        if DUCKDB_POOL not in instance.event_log_storage.get_concurrency_keys():
            instance.event_log_storage.set_concurrency_slots(DUCKDB_POOL, 1)
