"""The export files of spec §4, written from one period's published results.

A run's files are written to their own folder under `exports/.builds/`, and
`exports/<partition>` is a symbolic link swapped to it with one atomic rename:
whenever a run stops, the link names one complete run's output. The previous
build stays until the next swap, for a reader that opened it before.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.publish import PUBLISHED, columns


@dataclass(frozen=True)
class Export:
    mart: str
    order_by: str
    is_contract: bool = True  # part of spec §4; the others are audit extras

    @property
    def file_name(self) -> str:
        return f"{self.mart}.csv"


EXPORTS = (
    Export("cost_list", "contact_id"),
    Export("cost_list_breakdown", "contact_id, service_group, cost_type"),
    Export("unit_costs", "cost_center, service_code"),
    Export("cost_pools", "cost_center"),
    Export("unmatched", "source, id"),
    Export("drg_weights", "drg, care_type"),
    Export("cost_per_drg_point", "hospital, clinic, care_type"),
    Export("reconciliation", "check_order"),
    Export("cost_per_drg_point_by_mdc", "hospital, clinic, care_type, mdc", is_contract=False),
    Export("patient_costs", "patient_pseudonym", is_contract=False),
    Export("rejects", "file, line", is_contract=False),
    Export("ledger_classification", "cost_center", is_contract=False),
    Export("overhead_allocation", "source, receiver, cost_type", is_contract=False),
    Export("specific_cost_scaling", "cost_center, account", is_contract=False),
)


def _select_list(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """Amounts with 6 decimals, timestamps ISO, no partition or ordering helper columns."""
    parts = []
    for name, column_type in con.execute(f"select column_name, column_type from (describe {relation})").fetchall():
        if name in ("partition_key", "check_order"):
            continue
        quoted = f'"{name}"'
        if column_type in ("DOUBLE", "FLOAT") or column_type.startswith("DECIMAL"):
            parts.append(f"printf('%.6f', {quoted}) as {quoted}")
        elif column_type == "TIMESTAMP":
            parts.append(f"strftime({quoted}, '%Y-%m-%d %H:%M:%S') as {quoted}")
        else:
            parts.append(quoted)
    return ", ".join(parts)


def summary(con: duckdb.DuckDBPyConnection, partition_key: str) -> dict:
    """The headline figures of the period's published results."""
    def one(sql: str):
        return con.execute(sql, [partition_key]).fetchone()[0]

    checks = dict(con.execute(f'select "check", actual from {PUBLISHED}.reconciliation where partition_key = ?',
                              [partition_key]).fetchall())
    production = one(f"select sum(production_cost) from {PUBLISHED}.ledger_classification where partition_key = ?")
    return {
        "partition": partition_key,
        "production_cost": round(float(production or 0), 2),
        "contacts_costed": one(f"select count(*) from {PUBLISHED}.cost_list where partition_key = ?"),
        "contacts_cost": round(float(one(f"select coalesce(sum(total_cost), 0) from {PUBLISHED}.cost_list where partition_key = ?")), 2),
        "patients": one(f"select count(*) from {PUBLISHED}.patient_costs where partition_key = ?"),
        "unmatched_share": checks.get("unmatched_share_max"),
        "unabsorbed_share": checks.get("unabsorbed_share_max"),
        "cost_per_drg_point": one(
            f"select sum(inlier_cost) / nullif(sum(drg_points), 0) from {PUBLISHED}.cost_per_drg_point where partition_key = ?"
        ),
        "rejected_rows": one(f"select count(*) from {PUBLISHED}.rejects where partition_key = ?"),
        "published_by_run": one(f"select run_id from {PUBLISHED}.publications where partition_key = ?"),
        "inputs": [
            dict(zip(("file", "sha256", "rows"), row))
            for row in con.execute(
                f"select file_name, sha256, rows_read from {PUBLISHED}.input_files where partition_key = ? order by table_name",
                [partition_key],
            ).fetchall()
        ],
    }


def write_exports(con: duckdb.DuckDBPyConnection, partition_key: str, target: Path) -> dict:
    """Write every export of the period's published results and point `target` at them."""
    builds = target.parent / ".builds"
    build = builds / f"{partition_key}.{time.strftime('%Y%m%dT%H%M%S')}.{os.getpid()}"
    build.mkdir(parents=True)
    counts = {}
    for export in EXPORTS:
        # the marts' column order: a column a newer version added sits last in the published table
        in_order = ", ".join(f'"{name}"' for name in columns(con, "marts", export.mart))
        relation = (f"(select {in_order} from {PUBLISHED}.{export.mart} where partition_key = '{partition_key}' "
                    f"order by {export.order_by})")
        con.execute(f"copy (select {_select_list(con, relation)} from {relation}) to '{build / export.file_name}' (header, delimiter ',')")
        counts[export.file_name] = con.execute(f"select count(*) from {relation}").fetchone()[0]
    run_summary = summary(con, partition_key) | {"rows": counts}
    (build / "summary.json").write_text(json.dumps(run_summary, indent=2, default=str) + "\n", encoding="utf-8")
    _point(target, build)
    failure_note(target).unlink(missing_ok=True)
    return run_summary


def _point(target: Path, build: Path) -> None:
    """Swap the link `target` to `build` in one rename; keep the previous build for readers still in it."""
    if target.is_dir() and not target.is_symlink():  # a plain folder from an earlier version
        shutil.rmtree(target)
    previous = target.resolve() if target.is_symlink() else None
    link = target.parent / f".{target.name}.{os.getpid()}.link"
    link.unlink(missing_ok=True)
    link.symlink_to(build.relative_to(target.parent), target_is_directory=True)
    os.replace(link, target)
    for old in build.parent.glob(f"{target.name}.*"):
        if old.resolve() not in (build.resolve(), previous):
            shutil.rmtree(old, ignore_errors=True)


def failure_note(target: Path) -> Path:
    """Written beside a period's exports when its latest run failed, so the older exports are not taken for it."""
    return target.parent / f"{target.name}.FAILED.txt"
