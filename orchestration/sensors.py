"""The sensors: late data re-runs a period; published exports recompute the uses.

Late data: re-run a period when the files of its landing folder change.

The sensor hashes the contract files (spec §1) of every period's landing folder
and compares them with what the period's last load recorded (the sha256 of
each file on the ``landing/input_files`` materialisation) or, once it has seen
the folder, with its cursor. A changed, added or removed file requests a run
of that period whose tags name the changed files. A file is re-hashed only when
its size or modification time changed, so large Parquet deliveries are not read
on every tick.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from dagster import (
    AssetKey,
    AssetRecordsFilter,
    DefaultSensorStatus,
    EventLogEntry,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    asset_sensor,
    sensor,
)

from kpp.landing.contract import TABLES
from orchestration.jobs import kpp_period_job, kpp_uses_job
from orchestration.partitions import period_partitions
from orchestration.resources import KppWarehouse

INPUT_FILES_ASSET = AssetKey(["landing", "input_files"])
CHANGED_FILES_TAG = "kpp/changed_files"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def scan_landing(folder: Path, seen: dict[str, list]) -> dict[str, list]:
    """{file name: [size, mtime_ns, sha256]} of the contract files in `folder`, reusing `seen` hashes of unchanged files."""
    files = {}
    for table in TABLES:
        for path in (folder / f"{table}.csv", folder / f"{table}.parquet"):
            if path.is_file():
                stat = path.stat()
                previous = seen.get(path.name)
                same = previous is not None and previous[:2] == [stat.st_size, stat.st_mtime_ns]
                files[path.name] = [stat.st_size, stat.st_mtime_ns, previous[2] if same else _sha256(path)]
    return files


def _loaded_hashes(context: SensorEvaluationContext, partition_key: str) -> dict[str, str] | None:
    """The file hashes of the period's last load, from the instance; None if it was never loaded."""
    records = context.instance.fetch_materializations(
        AssetRecordsFilter(asset_key=INPUT_FILES_ASSET, asset_partitions=[partition_key]), limit=1
    ).records
    if not records:
        return None
    metadata = records[0].asset_materialization.metadata
    return metadata["input_sha256"].value if "input_sha256" in metadata else None


@sensor(
    name="kpp_landing_sensor",
    job=kpp_period_job,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Late data: when a period's landing files change (by SHA-256), requests a re-run of that period; "
    f"the run's tag {CHANGED_FILES_TAG} names the changed files.",
)
def kpp_landing_sensor(context: SensorEvaluationContext, warehouse: KppWarehouse):
    cursor: dict[str, dict[str, list]] = json.loads(context.cursor) if context.cursor else {}
    requests = []
    for partition_key in period_partitions.get_partition_keys():
        folder = warehouse.root.landing_dir(partition_key)
        if not folder.is_dir():
            continue
        files = scan_landing(folder, cursor.get(partition_key, {}))
        current = {name: entry[2] for name, entry in files.items()}
        if partition_key in cursor:
            previous = {name: entry[2] for name, entry in cursor[partition_key].items()}
        else:
            previous = _loaded_hashes(context, partition_key)
        cursor[partition_key] = files
        # an emptied folder is no delivery to compute
        if previous == current or not current:
            continue
        changed = sorted(n for n in current.keys() | (previous or {}).keys() if current.get(n) != (previous or {}).get(n))
        context.log.info(f"{partition_key}: changed landing files {', '.join(changed)}")
        requests.append(
            # no run key: the cursor already requests each change once, and a delivery put back
            # to earlier content must run again
            RunRequest(
                partition_key=partition_key,
                tags={CHANGED_FILES_TAG: ",".join(changed), "kpp/trigger": "landing_sensor"},
            )
        )
    if not requests:
        return SensorResult(skip_reason=SkipReason("No landing folder changed."), cursor=json.dumps(cursor))
    return SensorResult(run_requests=requests, cursor=json.dumps(cursor))



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
