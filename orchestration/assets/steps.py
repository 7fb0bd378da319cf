"""One block of dbt assets per KPP step of seeds/kpp_steps.csv (orchestration/steps.py), in order."""

from dagster import AssetsDefinition

from orchestration.assets.dbt import KppDbtTranslator, kpp_dbt_assets
from orchestration.steps import Step


def step_assets(steps: tuple[Step, ...]) -> list[AssetsDefinition]:
    translator = KppDbtTranslator(steps)  # groups by these steps' folders
    return [kpp_dbt_assets(step, translator) for step in steps]
