"""The period's export files (spec §4) under <data_root>/exports/<partition>/, from its published results."""


from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from kpp.deliverables import workbook_name
from kpp.exports import ExportOptions, write_exports
from kpp.progress import report
from kpp.steps import group_of
from orchestration.assets.published import published
from orchestration.partitions import period_partitions
from orchestration.resources import KppWarehouse


@asset(
    deps=[published],
    partitions_def=period_partitions,
    group_name=group_of("results"),
    description="Kostnadslista and the other exports of spec §4, with summary.json (input hashes, totals), the "
    "workbook kpp_<period>.xlsx, report.html and gates.html (docs/deliverables.md).",
    kinds={"csv", "excel", "html"},
    pool="duckdb",
)
def exports(context: AssetExecutionContext, warehouse: KppWarehouse) -> MaterializeResult:
    partition_key = context.partition_key
    target = warehouse.root.exports_dir(partition_key)
    report(context, f"exports: writing {target}")
    with warehouse.connect(read_only=True) as con:
        run_summary = write_exports(con, partition_key, target, ExportOptions.of(warehouse.settings))
    report(context, f"exports: wrote {len(run_summary['rows'])} CSV files, {workbook_name(partition_key)}, report.html "
                    f"and gates.html to {target}")
    return MaterializeResult(metadata={
        "path": MetadataValue.path(str(target)),
        "workbook": MetadataValue.path(str(target / workbook_name(partition_key))),
        "report": MetadataValue.path(str(target / "report.html")),
        "gate_report": MetadataValue.path(str(target / "gates.html")),
        "csv_dialect": run_summary["csv_dialect"],
        "production_cost": MetadataValue.float(run_summary["production_cost"]),
        "contacts_costed": MetadataValue.int(run_summary["contacts_costed"]),
        "cost_per_drg_point": MetadataValue.float(float(run_summary["cost_per_drg_point"] or 0)),
        "input_sha256": MetadataValue.json({i["file"]: i["sha256"] for i in run_summary["inputs"]}),
        "published_by_run": run_summary["published_by_run"],
    })
