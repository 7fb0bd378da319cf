"""The period's results of record: its marts published in one transaction once every gate has passed."""


from dagster import (
    AssetExecutionContext,
    DagsterEventType,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from kpp.progress import report
from kpp.publish import PUBLISHED, failed_checks, publish_period
from kpp.steps import group_of
from orchestration.assets.dbt import model_keys
from orchestration.partitions import period_partitions
from orchestration.resources import KppWarehouse

MARTS = model_keys("marts")


@asset(
    deps=MARTS,
    partitions_def=period_partitions,
    group_name=group_of("results"),
    description=(
        f"The marts of the period copied into schema `{PUBLISHED}` in one transaction: the results a reader can "
        "trust while a later run of the period is under way or was killed."
    ),
    kinds={"duckdb"},
    pool="duckdb",
)
def published(context: AssetExecutionContext, warehouse: KppWarehouse) -> MaterializeResult:
    partition_key = context.partition_key
    # Only marts built in this run have been through this run's blocking gates.
    built = {entry.dagster_event.asset_key for entry in context.instance.all_logs(
        context.run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)}
    if missing := [key.to_user_string() for key in MARTS if key not in built]:
        raise Failure(description=f"Not published: {', '.join(missing)} not built in this run. Publish by running "
                                  f"the whole period (job kpp_period, or `kpp run {partition_key}`).")
    report(context, f"published: copying the marts of {partition_key}")
    with warehouse.connect() as con:
        if failed := failed_checks(con, partition_key):
            raise Failure(
                description="Reconciliation failed; the period's previous results stay published: "
                + "; ".join(f"{c} expected {e} actual {a} ({d})" for _, c, e, a, d in failed)
            )
        counts = publish_period(con, partition_key, context.run.run_id)
    report(context, f"published: {len(counts)} tables of {partition_key} replaced in one transaction")
    return MaterializeResult(metadata={"rows": MetadataValue.json(counts), "schema": PUBLISHED})
