"""dagster-dbt reads dbt's manifest when the code location loads: make sure it exists and is current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"


def _newest_source_mtime() -> float:
    paths = [*DBT_PROJECT_DIR.glob("models/**/*"), *DBT_PROJECT_DIR.glob("macros/**/*"),
             *DBT_PROJECT_DIR.glob("tests/**/*"), *(REPO_ROOT / "seeds").glob("*"),
             DBT_PROJECT_DIR / "dbt_project.yml"]
    return max((p.stat().st_mtime for p in paths if p.is_file()), default=0.0)


def ensure_manifest() -> Path:
    if not MANIFEST.is_file() or MANIFEST.stat().st_mtime < _newest_source_mtime():
        dbt = Path(sys.executable).with_name("dbt")
        result = subprocess.run(
            [str(dbt), "parse", "--quiet", "--profiles-dir", str(DBT_PROJECT_DIR)],
            cwd=DBT_PROJECT_DIR, capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"dbt parse failed:\n{result.stdout}\n{result.stderr}")
    return MANIFEST
