"""The job that computes one KPP period end to end."""

from dagster import AssetSelection, define_asset_job

kpp_period_job = define_asset_job(
    "kpp_period",
    selection=AssetSelection.all(),
    description="Landing → TKB → allocation → calculation → matching → results → published → exports for one period.",
)
