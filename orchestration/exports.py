"""The export files of spec §4, written from the marts of one period.

Files are written to a scratch folder and swapped in with renames, so a
period's exports folder is always one complete run's output.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb


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
    columns = []
    for name, column_type in con.execute(f"select column_name, column_type from (describe {relation})").fetchall():
        if name in ("partition_key", "check_order"):
            continue
        quoted = f'"{name}"'
        if column_type in ("DOUBLE", "FLOAT") or column_type.startswith("DECIMAL"):
            columns.append(f"printf('%.6f', {quoted}) as {quoted}")
        elif column_type == "TIMESTAMP":
            columns.append(f"strftime({quoted}, '%Y-%m-%d %H:%M:%S') as {quoted}")
        else:
            columns.append(quoted)
    return ", ".join(columns)


def failed_gates(con: duckdb.DuckDBPyConnection, partition_key: str) -> list[tuple]:
    return con.execute(
        'select "check", expected, actual, detail from marts.reconciliation '
        "where partition_key = ? and not passed and severity = 'error' order by check_order",
        [partition_key],
    ).fetchall()


def summary(con: duckdb.DuckDBPyConnection, partition_key: str) -> dict:
    def one(sql: str):
        return con.execute(sql, [partition_key]).fetchone()[0]

    checks = dict(con.execute('select "check", actual from marts.reconciliation where partition_key = ?', [partition_key]).fetchall())
    production = one("select sum(production_cost) from marts.ledger_classification where partition_key = ?")
    return {
        "partition": partition_key,
        "production_cost": round(float(production or 0), 2),
        "contacts_costed": one("select count(*) from marts.cost_list where partition_key = ?"),
        "contacts_cost": round(float(one("select coalesce(sum(total_cost), 0) from marts.cost_list where partition_key = ?")), 2),
        "patients": one("select count(*) from marts.patient_costs where partition_key = ?"),
        "unmatched_share": checks.get("unmatched_share_max"),
        "unabsorbed_share": checks.get("unabsorbed_share_max"),
        "cost_per_drg_point": one(
            "select sum(inlier_cost) / nullif(sum(drg_points), 0) from marts.cost_per_drg_point where partition_key = ?"
        ),
        "rejected_rows": one("select count(*) from marts.rejects where partition_key = ?"),
        "checks_failed": [c[0] for c in failed_gates(con, partition_key)],
    }


def write_exports(con: duckdb.DuckDBPyConnection, partition_key: str, target: Path, inputs: list[dict]) -> dict:
    """Write every export of the period to `target`, replacing the folder in one rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.parent / f".{target.name}.writing"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    counts = {}
    for export in EXPORTS:
        relation = f"(select * from marts.{export.mart} where partition_key = '{partition_key}' order by {export.order_by})"
        con.execute(f"copy (select {_select_list(con, relation)} from {relation}) to '{scratch / export.file_name}' (header, delimiter ',')")
        counts[export.file_name] = con.execute(f"select count(*) from {relation}").fetchone()[0]
    run_summary = summary(con, partition_key) | {"inputs": inputs, "rows": counts}
    (scratch / "summary.json").write_text(json.dumps(run_summary, indent=2, default=str) + "\n", encoding="utf-8")
    previous = target.parent / f".{target.name}.previous"
    shutil.rmtree(previous, ignore_errors=True)
    if target.exists():
        target.rename(previous)
    scratch.rename(target)
    shutil.rmtree(previous, ignore_errors=True)
    failure_note(target).unlink(missing_ok=True)
    return run_summary


def failure_note(target: Path) -> Path:
    """Written beside a period's exports when its latest run failed, so the older exports are not taken for it."""
    return target.parent / f"{target.name}.FAILED.txt"
