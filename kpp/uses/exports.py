"""The five files of spec §7.4 (and the uses' reconciliation), written to `exports/uses/`.

The same build folder and link swap as a period's exports (kpp/exports.py):
`exports/uses` names one complete build whenever a run stops.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from kpp.exports import ExportOptions, copy_csv, new_build, publish_build
from kpp.marts import USES_EXPORTS as READS
from kpp.publish import columns
from kpp.uses.deliverables import write_uses_report, write_uses_workbook

USES_SCHEMA = "uses"  # the uses' dbt folder builds into it (dbt_project.yml): the asset keys' prefix
# mart -> row order: the partitions as Y−1, Y-H1, Y (period_order), then the file's keys
USES_EXPORTS = {
    "productivity": "period_order, scope_order, grouping_order, hospital_type, hospital, mdc, care_type",
    "mdc_cost_shares": "period_order, rank",
    "comparison_ladder": "period_order, hospital nulls last",
    "invoices": "period_order, hospital, buyer_region, line_order",
    "reimbursement_follow_up": "period_order, hospital, buyer_region nulls first, section_order, rank",
}
RECONCILIATION_MART = "uses_reconciliation"  # exported as reconciliation.csv


def _exported_types(con: duckdb.DuckDBPyConnection, model: str) -> dict[str, str]:
    """The model's columns and types without its ordering and join helpers (`*_order`, `partition_key`)."""
    relation = READS.relation(model)
    return {name: kind for name, kind in columns(con, relation.schema, relation.table).items()
            if not name.endswith("_order") and name != "partition_key"}


def uses_summary(con: duckdb.DuckDBPyConnection) -> dict:
    """Headline figures: the published periods, the invoiced total per buyer region, the cost per point trend."""
    periods = [row[0] for row in con.execute(
        f"select distinct partition, period_order from {READS.relation('productivity')} order by period_order").fetchall()]
    invoiced = {}
    for partition, buyer, amount in con.execute(
        f"select partition, buyer_region, sum(amount) from {READS.relation('invoices')} "
        "group by partition, period_order, buyer_region order by period_order, buyer_region"
    ).fetchall():
        invoiced.setdefault(partition, {})[buyer] = round(float(amount), 2)
    trend = {partition: (round(float(current), 2), None if fixed is None else round(float(fixed), 2))
             for partition, current, fixed in con.execute(
        f"select partition, cost_per_point_current, cost_per_point_fixed from {READS.relation('productivity')} "
        "where scope = 'somatic' and grouping = 'all' order by period_order").fetchall()}
    return {
        "published": periods,
        "invoiced_per_buyer_region": invoiced,
        "somatic_cost_per_point": {p: {"current": c, "fixed": f} for p, (c, f) in trend.items()},
    }


def write_uses_exports(con: duckdb.DuckDBPyConnection, target: Path, options: ExportOptions = ExportOptions()) -> dict:
    """Write the uses files from schema `uses` into a new build and point `target` at it (same writer as a period's)."""
    build = new_build(target, target.name)
    counts = {}
    files = {**{mart: (mart, order) for mart, order in USES_EXPORTS.items()},
             "reconciliation": (RECONCILIATION_MART, "check_kind, check_name")}
    exported = {}
    for file_name, (model, order) in files.items():
        types = _exported_types(con, model)
        exported[file_name] = (model, order, types)
        # ordered by helper columns the file leaves out
        sql = f"select * from {READS.relation(model)} order by {order}"
        counts[f"{file_name}.csv"] = copy_csv(con, sql, [], types, build / f"{file_name}.csv", options)
    summary = uses_summary(con) | {"rows": counts, "csv_dialect": options.dialect}
    (build / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_uses_workbook(con, build, exported)
    write_uses_report(con, build, summary)
    publish_build(target, build)
    return summary
