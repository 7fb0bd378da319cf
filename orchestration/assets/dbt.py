"""The dbt models of one KPP step as one block of Dagster assets.

One ``@dbt_assets`` per step lets a blocking gate sit between steps: a failed
check of step n stops step n+1 in the same run. Each model's materialisation
carries its column schema and column lineage (orchestration/lineage.py).
"""


import json
import time
from functools import cache
from typing import Any, Callable, Mapping

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, Output
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from kpp import rebuild
from kpp.dbt_manifest import ensure_manifest
from kpp.progress import NodeProgress, report
from kpp.publish import quote_ident
from kpp.steps import ALL_STEPS, Step, dbt_selection, step_of_dbt_node
from orchestration.dbt_invocation import dbt_build
from orchestration.lineage import StepLineage, read_column_schemas
from orchestration.partitions import period_for_key, period_partitions
from orchestration.resources import KppWarehouse, dbt_project

# dbt sources that stand for one whole Dagster asset (dbt_project/macros/uses.sql); the other
# sources are assets of their own (landing/<table>, uses_inputs/<table>)
SOURCE_ASSETS = {"published": AssetKey(["published"])}

# dbt tests that are Dagster asset checks: the spec's identities. The other tests (keys,
# not-null, accepted values) run in the same `dbt build` and fail the step, but are no
# checks of their own: their ~1 150 check events per run cost the demo run ≈ 9 s (docs/benchmarks.md).
GATE_TESTS = rebuild.GATE_TESTS
# who answers for the models (shown as the asset's owner in the UI)
OWNER = "team:kpp"


def _is_gate_test(test: Mapping[str, Any]) -> bool:
    return (test.get("test_metadata") or {}).get("name") in GATE_TESTS


class KppDbtTranslator(DagsterDbtTranslator):
    def __init__(self, steps: tuple[Step, ...] = ALL_STEPS):
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))
        self.steps = steps

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source" and dbt_resource_props["source_name"] in SOURCE_ASSETS:
            return SOURCE_ASSETS[dbt_resource_props["source_name"]]
        return super().get_asset_key(dbt_resource_props)

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        if not _is_gate_test(manifest["nodes"][unique_id]):
            return None
        return super().get_asset_check_spec(asset_spec, manifest, unique_id, project)

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return [OWNER]

    def _step(self, dbt_resource_props: Mapping[str, Any]) -> Step | None:
        # the step whose folder holds the node, or that builds the seed (seeds/kpp_steps.csv)
        return step_of_dbt_node(dbt_resource_props["original_file_path"], dbt_resource_props["name"], self.steps)

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        step = self._step(dbt_resource_props)
        return {**super().get_tags(dbt_resource_props), "kpp/step": step.name if step else ""}

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        step = self._step(dbt_resource_props)
        return step.group if step else None


translator = KppDbtTranslator()


@cache
def _manifest() -> dict:
    return json.loads(ensure_manifest().read_text(encoding="utf-8"))


def model_keys(schema: str) -> list[AssetKey]:
    """The asset keys of the dbt models built into `schema` (dbt_project.yml's folder config)."""
    manifest = _manifest()
    return sorted(
        (translator.get_asset_spec(manifest, unique_id, dbt_project).key
         for unique_id, node in manifest["nodes"].items()
         if node["resource_type"] == "model" and node["config"].get("schema") == schema),
        key=lambda key: key.to_user_string(),
    )


def kpp_dbt_assets(step: Step, translator: KppDbtTranslator = translator,
                   run_vars: Callable[[KppWarehouse], dict[str, Any]] | None = None) -> AssetsDefinition:
    """One step's models: per period partition, or, for a step across the periods, with `run_vars` (the uses)."""
    select, exclude = dbt_selection(step, translator.steps)

    @dbt_assets(
        # parsed here, not by a set-up step, so a fresh clone's `dagster dev` and pytest load
        manifest=ensure_manifest(),
        project=dbt_project,
        select=select,
        exclude=exclude,
        name=f"{step.name}_models",
        partitions_def=period_partitions if step.is_partitioned else None,
        dagster_dbt_translator=translator,
        pool="duckdb",
    )
    def _models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: KppWarehouse):
        plan, skip = None, None
        if step.is_partitioned:
            period = period_for_key(context.partition_key)
            report(context, f"{step.name}: dbt build for {period.key} ({period.kind}, {period.start} .. {period.end} exclusive)")
            # One target folder per period of the data root (two data roots never share compiled SQL or logs)
            dbt_vars, target_path = period.dbt_vars, warehouse.root.dbt_target_dir(period.key)
            plan, skip = _rebuild_plan(context, warehouse)
        else:
            report(context, f"{step.name}: dbt build over the published periods")
            dbt_vars, target_path = run_vars(warehouse), warehouse.root.dbt_target_dir(step.name)
        with NodeProgress(context, step.name) as progress:
            build = dbt_build(context, dbt, translator, dbt_vars, target_path=target_path,
                              environment=warehouse.settings.dbt_environment(), progress=progress, skip=skip)
        # in dbt's order: a model's materialisation before its tests
        events = [
            event
            for dbt_event in build.events
            if not _is_quiet_test(build.manifest, dbt_event)
            for event in dbt_event.to_default_asset_events(
                manifest=build.manifest, dagster_dbt_translator=translator, context=context,
                target_path=build.target_path, project=dbt_project)
        ]
        events = _with_column_metadata(context, step.name, build, warehouse, events)
        if plan is not None and not plan.is_full:
            # Dagster takes a step's materialisations in dependency order: the kept ones among the built ones
            events = _in_dependency_order(context, build.manifest, [*_kept_outputs(context, step.name, plan, build), *events])
        yield from events
        failure = build.error()
        if failure is not None:  # after what dbt built is recorded
            raise failure
        report(context, f"{step.name}: done")

    return _models


def dbt_manifest() -> dict:
    """manifest.json as the definitions read it (parsed once per process)."""
    return _manifest()


def _rebuild_plan(context, warehouse: KppWarehouse):
    """This run's plan for the period (its landing step decided it) and, for a re-run, what to keep."""
    with warehouse.connect(read_only=True) as con:
        plan = rebuild.plan_of(con, context.partition_key, context.run.run_id)
        existing = rebuild.existing_tables(con)
    if plan.is_full:
        return plan, None
    manifest = _manifest()
    tainted = rebuild.tainted_nodes(manifest, plan.changed)
    return plan, lambda selected: rebuild.nodes_to_skip(manifest, selected, tainted, existing)


def _kept_outputs(context, step: str, plan: rebuild.Plan, build):
    """The kept models as materialisations of this run (what they hold is the published build's), and the decision."""
    manifest = build.manifest
    kept = sorted(uid for uid in build.skipped if uid.startswith("model."))
    tests = len([uid for uid in build.skipped if not uid.startswith("model.")])
    if not kept and not tests:
        report(context, f"{step}: every model reads {', '.join(plan.changed)}: rebuilt")
        return
    for uid in kept:
        inputs = ", ".join(rebuild.landing_inputs(manifest, uid)) or "no landing table"
        name = manifest["nodes"][uid]["name"]
        report(context, f"{step}: reused {name} of run {plan.base_run_id}: its inputs ({inputs}) unchanged")
        key = translator.get_asset_spec(manifest, uid, dbt_project).key
        if key in context.selected_asset_keys:
            yield Output(value=None, output_name=context.assets_def.get_output_name_for_asset_key(key), metadata={
                "kpp/rebuild": f"reused from run {plan.base_run_id}: its inputs ({inputs}) are unchanged; "
                               f"changed: {', '.join(plan.changed) or 'nothing'}",
                "kpp/reused_from_run": plan.base_run_id,
            })
    report(context, f"{step}: {len(kept)} model(s) reused, {tests} test(s) and unit test(s) of unchanged nodes not run "
                    f"(changed: {', '.join(plan.changed) or 'nothing'})")


def _in_dependency_order(context, manifest: Mapping[str, Any], events: list) -> list:
    """The events sorted (stably) by their asset's place in the dbt graph: a model after the models it reads."""
    rank: dict[AssetKey, int] = {}
    for uid in rebuild.topological_order(manifest):
        if uid.startswith(("model.", "seed.")):
            rank[translator.get_asset_spec(manifest, uid, dbt_project).key] = len(rank)

    def key_of(event) -> AssetKey | None:
        if isinstance(event, Output):
            return context.assets_def.keys_by_output_name.get(event.output_name)
        return getattr(event, "asset_key", None)

    return sorted(events, key=lambda event: rank.get(key_of(event), -1))


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
                count_rows=lambda relation: _period_rows(con, relation, schemas, context.partition_key),
            )
            events = list(lineage.attach(events))
    except Exception as exc:  # lineage is documentation: never the reason a run fails
        context.log.warning(f"{step}: no column metadata: {type(exc).__name__}: {exc}"[:500])
        return events
    context.log.info(f"{step}: column schema and lineage of {lineage.traced} models in {time.perf_counter() - started:.2f} s")
    return events


def _period_rows(con, relation, schemas, partition_key: str) -> int | None:
    """The rows of the run's period in a model (a seed: all its rows)."""
    _, schema, table = relation
    where = " where partition_key = ?" if any(c == "partition_key" for c, _ in schemas.get(relation, ())) else ""
    return con.execute(f"select count(*) from {quote_ident(schema)}.{quote_ident(table)}{where}",
                       [partition_key] if where else []).fetchone()[0]
