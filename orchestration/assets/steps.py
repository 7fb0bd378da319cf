"""One block of dbt assets per KPP period step of seeds/kpp_steps.csv (kpp/steps.py), in order."""

from dagster import AssetsDefinition

from kpp.steps import ALL_STEPS, Step
from orchestration.assets.dbt import KppDbtTranslator, kpp_dbt_assets


def step_assets(steps: tuple[Step, ...]) -> list[AssetsDefinition]:
    # groups by these steps' folders; the steps across periods keep theirs
    translator = KppDbtTranslator((*steps, *(step for step in ALL_STEPS if not step.is_partitioned)))
    return [kpp_dbt_assets(step, translator) for step in steps]
