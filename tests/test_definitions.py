"""The code location the UI and `kpp run` load: assets by step group, partitions, and the gates between steps."""

from collections import Counter

from dagster import AssetKey

from orchestration.definitions import defs
from orchestration.partitions import period_partitions

STEP_GROUPS = {"landing", "step1_tkb", "step2_allocation", "step3_calculation", "step4_matching", "results"}
USES_GROUP = "uses"  # spec §7: across the published periods, not partitioned


def test_every_asset_sits_in_a_step_group_and_is_partitioned_by_period():
    graph = defs.resolve_asset_graph()
    groups = Counter(graph.get(key).group_name for key in graph.get_all_asset_keys())
    assert set(groups) == STEP_GROUPS | {USES_GROUP}
    assert groups["step2_allocation"] >= 7 and groups["step4_matching"] >= 6
    by_group = [(graph.get(key).group_name, graph.get(key).partitions_def) for key in graph.materializable_asset_keys]
    assert all(p == period_partitions for g, p in by_group if g != USES_GROUP)
    assert all(p is None for g, p in by_group if g == USES_GROUP)


def test_the_uses_job_runs_the_uses_group_from_published_to_its_exports_behind_a_blocking_gate():
    graph = defs.resolve_asset_graph()
    job = defs.resolve_job_def("kpp_uses")
    assert job.partitions_def is None
    assert {"uses_inputs", "uses_models", "uses_exports"} <= {n.name for n in job.graph.node_defs}
    assert AssetKey("published") in graph.get(AssetKey(["uses", "stg_published__cost_list"])).parent_keys
    assert AssetKey(["uses", "int_uses_checks_computed"]) in graph.get(AssetKey("uses_exports")).parent_keys
    specs = {spec.name: spec for checks in defs.asset_checks for spec in checks.check_specs}
    assert specs["expectations_uses"].blocking
    assert specs["expectations_uses"].asset_key == AssetKey(["uses", "int_uses_checks_computed"])


def test_each_step_has_a_blocking_gate_on_its_checks_model():
    specs = {(spec.asset_key, spec.name): spec for assets in defs.assets for spec in assets.check_specs}
    for model in ("int_landing_checks_computed", "int_tkb_checks_computed", "int_allocation_checks_computed",
                  "int_calculation_checks_computed", "int_matching_checks_computed"):
        spec = specs[(AssetKey(["intermediate", model]), f"all_checks_passed_{model}_")]
        assert spec.blocking, model


def test_steps_chain_landing_to_exports():
    graph = defs.resolve_asset_graph()
    upstream = graph.get(AssetKey(["intermediate", "int_ledger_classified"])).parent_keys
    assert AssetKey(["staging", "stg_landing__ledger"]) in upstream
    assert AssetKey(["landing", "ledger"]) in graph.get(AssetKey(["staging", "stg_landing__ledger"])).parent_keys
    assert AssetKey(["marts", "cost_list"]) in graph.get(AssetKey("published")).parent_keys
    assert graph.get(AssetKey("exports")).parent_keys == {AssetKey("published")}


def test_the_period_job_covers_every_asset():
    job = defs.resolve_job_def("kpp_period")
    assert job.partitions_def == period_partitions
    assert {"landing", "step1_tkb_models", "step4_matching_models", "exports"} <= {n.name for n in job.graph.node_defs}
