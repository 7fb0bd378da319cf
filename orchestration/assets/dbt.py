"""The dbt models of one KPP step as one block of Dagster assets.

One ``@dbt_assets`` per step lets a blocking gate sit between steps: a failed
check of step n stops step n+1 in the same run.
"""


import json
from pathlib import Path
from typing import Any, Mapping

from dagster import AssetExecutionContext, AssetsDefinition
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.dbt_manifest import ensure_manifest
from orchestration.partitions import period_for_key, period_partitions
from orchestration.progress import report
from orchestration.resources import dbt_project

# model folder -> asset group (the UI's lineage groups)
_GROUPS = {
    "staging": "landing",
    "intermediate/landing": "landing",
    "intermediate/step1_tkb": "step1_tkb",
    "intermediate/step2_allocation": "step2_allocation",
    "intermediate/step3_calculation": "step3_calculation",
    "intermediate/step4_matching": "step4_matching",
    "intermediate/results": "results",
    "marts": "results",
}

SELECTIONS = {
    "landing": "resource_type:seed path:models/staging path:models/intermediate/landing",
    "step1_tkb": "path:models/intermediate/step1_tkb",
    "step2_allocation": "path:models/intermediate/step2_allocation",
    "step3_calculation": "path:models/intermediate/step3_calculation",
    "step4_matching": "path:models/intermediate/step4_matching",
    "results": "path:models/intermediate/results path:models/marts",
}


class KppDbtTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "landing"
        path = dbt_resource_props["original_file_path"].removeprefix("models/")
        folder = path.rsplit("/", 1)[0]
        return _GROUPS.get(folder, _GROUPS.get(folder.split("/", 1)[0]))


translator = KppDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def kpp_dbt_assets(step: str) -> AssetsDefinition:
    @dbt_assets(
        # parsed here, not by a set-up step, so a fresh clone's `dagster dev` and pytest load
        manifest=ensure_manifest(),
        project=dbt_project,
        select=SELECTIONS[step],
        name=f"{step}_models",
        partitions_def=period_partitions,
        dagster_dbt_translator=translator,
        pool="duckdb",
    )
    def _models(context: AssetExecutionContext, dbt: DbtCliResource):
        period = period_for_key(context.partition_key)
        report(context, f"{step}: dbt build for {period.key} ({period.kind}, {period.start} .. {period.end} exclusive)")
        invocation = dbt.cli(
            ["build", "--vars", json.dumps(period.dbt_vars)],
            context=context,
            # One target folder per period: the steps of a run share dbt's partial-parse
            # state instead of re-parsing the project for every step.
            target_path=Path("target") / "periods" / period.key,
        )
        yield from invocation.stream()
        report(context, f"{step}: done")

    return _models
