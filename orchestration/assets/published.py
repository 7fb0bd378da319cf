"""The period's results of record: its marts published in one transaction once every gate has passed."""


from dagster import AssetExecutionContext, Failure, MetadataValue, asset

from orchestration.assets.results import results_models
from orchestration.exports import failed_gates
from orchestration.partitions import period_partitions
from orchestration.progress import report
from orchestration.publish import PUBLISHED, publish_period
from orchestration.resources import KppWarehouse


@asset(
    deps=list(results_models.keys),
    partitions_def=period_partitions,
    group_name="results",
    description=(
        f"The marts of the period copied into schema `{PUBLISHED}` in one transaction: the results a reader can "
        "trust while a later run of the period is under way or was killed."
    ),
    kinds={"duckdb"},
    pool="duckdb",
)
def published(context: AssetExecutionContext, warehouse: KppWarehouse):
    partition_key = context.partition_key
    report(context, f"published: copying the marts of {partition_key}")
    with warehouse.connect() as con:
        failed = failed_gates(con, partition_key)
        if failed:
            raise Failure(
                description="Reconciliation failed; the period's previous results stay published: "
                + "; ".join(f"{c} expected {e} actual {a} ({d})" for c, e, a, d in failed)
            )
        counts = publish_period(con, partition_key)
    report(context, f"published: {len(counts)} tables of {partition_key} replaced in one transaction")
    return {"rows": MetadataValue.json(counts), "schema": PUBLISHED}
