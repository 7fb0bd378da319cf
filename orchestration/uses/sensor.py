"""In the UI: the uses are recomputed after every period's exports (what `kpp run` does itself)."""

from dagster import AssetKey, DefaultSensorStatus, EventLogEntry, RunRequest, SensorEvaluationContext, asset_sensor

from orchestration.jobs import kpp_uses_job


@asset_sensor(
    asset_key=AssetKey("exports"),
    job=kpp_uses_job,
    name="kpp_uses_after_exports",
    # Off until turned on in the UI: `kpp run` starts kpp_uses itself, so a daemon that also
    # did would compute the uses twice (docs/uses.md).
    default_status=DefaultSensorStatus.STOPPED,
    description="After a period's exports are written (so its results are published), runs kpp_uses: the uses "
    "across the published periods (spec §7) and exports/uses/.",
)
def kpp_uses_after_exports(context: SensorEvaluationContext, asset_event: EventLogEntry):
    yield RunRequest(run_key=str(asset_event.storage_id), tags={"kpp/trigger": "exports",
                                                                "kpp/published_partition": asset_event.dagster_event.partition or ""})
