"""dagster-dbt reads dbt's manifest when the code location loads: make sure it exists and is current.

Its parse state (`partial_parse.msgpack`) is also where each run's process starts its own parse
(kpp/dbt_runner.py): parsed in the same environment, with no vars, dbt finds nothing
changed and skips parsing. No config of the project depends on a var or on the data root
(dbt_project/macros/where_subquery.sql), so one parse serves every period and data root.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

from kpp.settings import DBT_PROFILE_ENV, DBT_PROJECT_DIR, REPO_ROOT

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
# dbt's saved parse state beside it: a copy of the project parses again only what changed (tests/test_marts.py)
PARSE_STATE = MANIFEST.with_name("partial_parse.msgpack")


def parse_environment() -> dict[str, str | None]:
    """The environment dbt parses in, whoever parses: the profile's variables unset (their defaults).
    dbt's saved parse state is only reused by a parse whose profile renders the same."""
    return dict.fromkeys(DBT_PROFILE_ENV)


def newest_source_mtime() -> float:
    paths = [*DBT_PROJECT_DIR.glob("models/**/*"), *DBT_PROJECT_DIR.glob("macros/**/*"),
             *DBT_PROJECT_DIR.glob("tests/**/*"), *(REPO_ROOT / "seeds").glob("*"),
             DBT_PROJECT_DIR / "dbt_project.yml"]
    return max((p.stat().st_mtime for p in paths if p.is_file()), default=0.0)


def _is_current() -> bool:
    return (MANIFEST.is_file() and PARSE_STATE.is_file()
            and min(MANIFEST.stat().st_mtime, PARSE_STATE.stat().st_mtime) >= newest_source_mtime())


def ensure_manifest() -> Path:
    """Parse the project when a source is newer than the manifest.

    Several processes load the code location at once (the `dagster dev` code server,
    its run workers): one parses under a file lock into a scratch target folder and
    swaps the manifest in with one rename, so none reads a half-written file.
    """
    if _is_current():
        return MANIFEST
    MANIFEST.parent.mkdir(parents=True, exist_ok=True)
    with (MANIFEST.parent / ".parse.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _is_current():  # else another process parsed while this one waited
            scratch = MANIFEST.parent / f".parse-{os.getpid()}"
            dbt = Path(sys.executable).with_name("dbt")
            result = subprocess.run(
                [str(dbt), "parse", "--quiet", "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(scratch)],
                cwd=DBT_PROJECT_DIR, capture_output=True, text=True,
                env={name: value for name, value in os.environ.items() if name not in parse_environment()},
            )
            try:
                if result.returncode != 0:
                    raise RuntimeError(f"dbt parse failed:\n{result.stdout}\n{result.stderr}")
                os.replace(scratch / PARSE_STATE.name, PARSE_STATE)
                os.replace(scratch / "manifest.json", MANIFEST)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
    return MANIFEST
