"""The jobs: one KPP period end to end, and the uses across the published periods."""

from dagster import AssetSelection, define_asset_job

from orchestration.assets.uses import USES_GROUP
from orchestration.failure_note import failure_note_hook

_uses = AssetSelection.groups(USES_GROUP)

kpp_period_job = define_asset_job(
    "kpp_period",
    # Dagster runs partitioned and unpartitioned assets in separate jobs: the uses are kpp_uses.
    selection=AssetSelection.all() - _uses,
    hooks={failure_note_hook},
    description="Landing → TKB → allocation → calculation → matching → results → published → exports for one period.",
)

kpp_uses_job = define_asset_job(
    "kpp_uses",
    selection=_uses,
    hooks={failure_note_hook},
    description="The uses across the published periods (spec §7): productivity and reimbursement between regions, "
    "gated by expectations_uses, written to exports/uses/. Started after every successful publish.",
)
