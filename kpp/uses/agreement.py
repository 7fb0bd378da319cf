"""The agreement parameters of the uses (spec §7.1): one documented file per region.

`agreement.yml` in the repository holds the defaults; `<data root>/agreement.yml`
replaces the keys it sets; the run's file (setting `agreement`: `--agreement`, $KPP_AGREEMENT
or the run's config) replaces them for one run. The result is passed to dbt as vars (dbt_project.yml).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kpp.settings import REPO_ROOT

AGREEMENT_FILE = "agreement.yml"
DEFAULTS_PATH = REPO_ROOT / AGREEMENT_FILE


def _share(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a number from 0 to 1, not {value!r}")
    return float(value)


def _texts(name: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise ValueError(f"{name} must be a list of codes, e.g. [F98P], not {value!r}")
    return [str(v).strip() for v in value]


def _year(name: str, value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a year or empty, not {value!r}")
    return value


def _region(name: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a region name in quotes, not {value!r}")
    return value.strip()


_KEYS = {
    "subscription_share": _share,
    "uplift_retro_weight": _share,
    "exception_drgs": _texts,
    "exception_clinics": _texts,
    "price_base_year": _year,
    "own_region": _region,
}


def _read(path: Path) -> dict[str, Any]:
    body = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(body, dict):
        raise ValueError(f"{path}: expected keys {', '.join(_KEYS)}")
    if unknown := sorted(set(body) - set(_KEYS)):
        raise ValueError(f"{path}: unknown key(s) {', '.join(unknown)}; known: {', '.join(_KEYS)} (docs/uses.md)")
    return body


def agreement_files(data_root: Path, run_file: Path | None = None) -> list[Path]:
    """The files laid over each other, defaults first, the run's last."""
    files = [DEFAULTS_PATH]
    if (data_root / AGREEMENT_FILE).is_file():
        files.append(data_root / AGREEMENT_FILE)
    if run_file is not None:
        if not run_file.is_file():
            raise ValueError(f"the run's agreement file {run_file}: no such file")
        files.append(run_file)
    return files


def load_agreement(data_root: Path, run_file: Path | None = None) -> dict[str, Any]:
    """The agreement of a data root and a run: every key, checked."""
    merged: dict[str, Any] = {}
    files = agreement_files(data_root, run_file)
    for path in files:
        merged |= _read(path)
    agreement = {}
    for name, check in _KEYS.items():
        try:
            agreement[name] = check(name, merged.get(name))
        except ValueError as exc:
            raise ValueError(f"agreement ({', '.join(map(str, files))}): {exc}") from None
    return agreement
