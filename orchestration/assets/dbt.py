"""The dbt models of one KPP step as one block of Dagster assets.

One ``@dbt_assets`` per step lets a blocking gate sit between steps: a failed
check of step n stops step n+1 in the same run. Each model's materialisation
carries its column schema and column lineage (orchestration/lineage.py).
"""


import time
from pathlib import Path
from typing import Any, Callable, Mapping

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.dbt_invocation import dbt_build
from orchestration.dbt_manifest import ensure_manifest
from orchestration.lineage import StepLineage, read_column_schemas
from orchestration.partitions import period_for_key, period_partitions
from orchestration.progress import report
from orchestration.resources import KppWarehouse, dbt_project

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
    "uses": "uses",
}

SELECTIONS = {
    "landing": "resource_type:seed path:models/staging path:models/intermediate/landing",
    "step1_tkb": "path:models/intermediate/step1_tkb",
    "step2_allocation": "path:models/intermediate/step2_allocation",
    "step3_calculation": "path:models/intermediate/step3_calculation",
    "step4_matching": "path:models/intermediate/step4_matching",
    "results": "path:models/intermediate/results path:models/marts",
    # spec §7: across the published periods, not partitioned (orchestration/assets/uses.py)
    "uses": "price_index path:models/uses",
}
# Built by the uses, not by every period's landing step.
EXCLUDES = {"landing": "price_index"}
# dbt sources that stand for one whole Dagster asset (dbt_project/macros/uses.sql); the other
# sources are assets of their own (landing/<table>, uses_inputs/<table>)
SOURCE_ASSETS = {"published": AssetKey(["published"])}


# dbt tests that are Dagster asset checks: the spec's identities. The other tests (keys,
# not-null, accepted values) run in the same `dbt build` and fail the step, but are no
# checks of their own: their ~1 150 check events per run cost the demo run ≈ 9 s (docs/benchmarks.md).
GATE_TESTS = ("all_checks_passed", "sums_to")


def _is_gate_test(test: Mapping[str, Any]) -> bool:
    return (test.get("test_metadata") or {}).get("name") in GATE_TESTS


class KppDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source" and dbt_resource_props["source_name"] in SOURCE_ASSETS:
            return SOURCE_ASSETS[dbt_resource_props["source_name"]]
        return super().get_asset_key(dbt_resource_props)

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        if not _is_gate_test(manifest["nodes"][unique_id]):
            return None
        return super().get_asset_check_spec(asset_spec, manifest, unique_id, project)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "uses" if dbt_resource_props["name"] in EXCLUDES["landing"].split() else "landing"
        path = dbt_resource_props["original_file_path"].removeprefix("models/")
        folder = path.rsplit("/", 1)[0]
        return _GROUPS.get(folder, _GROUPS.get(folder.split("/", 1)[0]))


translator = KppDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def kpp_dbt_assets(step: str, run_vars: Callable[[KppWarehouse], dict[str, Any]] | None = None) -> AssetsDefinition:
    """One step's models: per period partition, or, with `run_vars`, unpartitioned with those dbt vars (the uses)."""
    partitioned = run_vars is None

    @dbt_assets(
        # parsed here, not by a set-up step, so a fresh clone's `dagster dev` and pytest load
        manifest=ensure_manifest(),
        project=dbt_project,
        select=SELECTIONS[step],
        exclude=EXCLUDES.get(step),
        name=f"{step}_models",
        partitions_def=period_partitions if partitioned else None,
        dagster_dbt_translator=translator,
        pool="duckdb",
    )
    def _models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: KppWarehouse):
        if partitioned:
            period = period_for_key(context.partition_key)
            report(context, f"{step}: dbt build for {period.key} ({period.kind}, {period.start} .. {period.end} exclusive)")
            # One target folder per period: its partial-parse state serves every run of the period.
            dbt_vars, target_path = period.dbt_vars, Path("target") / "periods" / period.key
        else:
            report(context, f"{step}: dbt build over the published periods")
            dbt_vars, target_path = run_vars(warehouse), Path("target") / step
        build = dbt_build(context, dbt, translator, dbt_vars, target_path=target_path)
        # in dbt's order: a model's materialisation before its tests
        events = [
            event
            for dbt_event in build.events
            if not _is_quiet_test(build.manifest, dbt_event)
            for event in dbt_event.to_default_asset_events(
                manifest=build.manifest, dagster_dbt_translator=translator, context=context,
                target_path=build.target_path, project=dbt_project)
        ]
        yield from _with_column_metadata(context, step, build, warehouse, events)
        failure = build.error()
        if failure is not None:  # after what dbt built is recorded
            raise failure
        report(context, f"{step}: done")

    return _models


def _is_quiet_test(manifest: Mapping[str, Any], dbt_event) -> bool:
    """A test result that is no asset check (dagster-dbt would log it as an observation and a warning)."""
    unique_id = dbt_event.raw_event["data"].get("node_info", {}).get("unique_id", "")
    return unique_id.startswith("test.") and not _is_gate_test(manifest["nodes"][unique_id])


def _with_column_metadata(context, step: str, build, warehouse: KppWarehouse, events: list) -> list:
    """The events, the models' and seeds' materialisations with dagster/column_schema and dagster/column_lineage."""
    if not events:
        return events
    started = time.perf_counter()
    try:
        with warehouse.connect(read_only=True) as con:
            schemas = read_column_schemas(con)
        manifest = build.manifest
        lineage = StepLineage(
            manifest, build.target_path, schemas,
            asset_key=lambda unique_id: translator.get_asset_spec(manifest, unique_id, dbt_project).key,
            log=context.log,
        )
        events = list(lineage.attach(events))
    except Exception as exc:  # lineage is documentation: never the reason a run fails
        context.log.warning(f"{step}: no column metadata: {type(exc).__name__}: {exc}"[:500])
        return events
    context.log.info(f"{step}: column schema and lineage of {lineage.traced} models in {time.perf_counter() - started:.2f} s")
    return events
