"""The code location the UI and `kpp run` load, derived from the step registry (seeds/kpp_steps.csv)."""

from collections import Counter
from dataclasses import replace

from dagster import AssetCheckKey, AssetKey, Definitions

from kpp.steps import ALL_STEPS, STEPS, USES, step_of_dbt_node
from orchestration.checks.gates import gated_asset
from orchestration.definitions import build_definitions, defs
from orchestration.partitions import period_partitions
from orchestration.status import assets_for_hint

STEP_NAMES = [step.name for step in STEPS]


def test_the_registry_lists_the_four_kpp_steps_between_landing_and_results_then_the_uses():
    assert STEP_NAMES == ["landing", "step1_tkb", "step2_allocation", "step3_calculation", "step4_matching", "results"]
    assert ALL_STEPS == (*STEPS, USES) and not USES.is_partitioned
    assert step_of_dbt_node("models/marts/cost_list.sql").name == "results"
    assert step_of_dbt_node("models/staging/stg_landing__ledger.sql").name == "landing"
    assert step_of_dbt_node("models/uses/marts/invoices.sql").name == "uses"
    # the first step builds every seed no other step names
    assert step_of_dbt_node("../seeds/kpp_steps.csv", "kpp_steps").name == "landing"
    assert step_of_dbt_node("../seeds/price_index.csv", "price_index").name == "uses"


def test_every_asset_sits_in_a_step_group_and_is_partitioned_by_period():
    Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    groups = Counter(graph.get(key).group_name for key in graph.get_all_asset_keys())
    # named so the UI's alphabetical list of groups reads in run order
    assert sorted(groups) == [step.group for step in ALL_STEPS]
    assert groups["step2_allocation"] >= 7 and groups["step4_matching"] >= 6
    assert graph.get(AssetKey(["marts", "cost_trace"])).group_name == "step5_results"
    by_group = [(graph.get(key).group_name, graph.get(key).partitions_def) for key in graph.materializable_asset_keys]
    assert all(p == period_partitions for g, p in by_group if g != USES.group)
    # the uses span the published periods (spec §7)
    assert all(p is None for g, p in by_group if g == USES.group)


def test_the_checks_are_exactly_the_blocking_gates():
    graph = defs.resolve_asset_graph()
    # each step's identities model, the trace sum, one expectation suite per step and the uses'
    names = sorted(k.name.split("_")[0] for k in graph.asset_check_keys)
    assert names == ["all"] * 5 + ["expectations"] * len(ALL_STEPS) + ["sums"]
    assert all(graph.get_check_spec(k).blocking for k in graph.asset_check_keys)
    for model in ("int_landing_checks_computed", "int_tkb_checks_computed", "int_allocation_checks_computed",
                  "int_calculation_checks_computed", "int_matching_checks_computed"):
        assert AssetCheckKey(AssetKey(["intermediate", model]), f"all_checks_passed_{model}_") in graph.asset_check_keys


def test_each_steps_gate_holds_back_the_next_step():
    graph = defs.resolve_asset_graph()
    job_checks = defs.resolve_job_def("kpp_period").asset_layer.asset_graph.asset_check_keys
    for step, after in zip(STEPS, [*STEPS[1:], None]):
        key = AssetCheckKey(gated_asset(step), f"expectations_{step.suite}")
        assert key in job_checks, step.name
        readers = graph.get(gated_asset(step)).child_keys
        if after is None:
            assert AssetKey("published") in readers
        else:
            assert after.group in {graph.get(k).group_name for k in readers}, step.name


def test_the_uses_job_runs_the_uses_group_from_published_to_its_exports_behind_a_blocking_gate():
    graph = defs.resolve_asset_graph()
    job = defs.resolve_job_def("kpp_uses")
    assert job.partitions_def is None
    assert {"uses_inputs", "uses_models", "uses_exports"} <= {n.name for n in job.graph.node_defs}
    assert AssetKey("published") in graph.get(AssetKey(["uses", "stg_published__cost_list"])).parent_keys
    assert gated_asset(USES) in graph.get(AssetKey("uses_exports")).parent_keys
    gate = AssetCheckKey(gated_asset(USES), f"expectations_{USES.suite}")
    assert gate in job.asset_layer.asset_graph.asset_check_keys and graph.get_check_spec(gate).blocking


def test_steps_chain_landing_to_exports():
    graph = defs.resolve_asset_graph()
    upstream = graph.get(AssetKey(["intermediate", "int_ledger_classified"])).parent_keys
    assert AssetKey(["staging", "stg_landing__ledger"]) in upstream
    assert AssetKey(["landing", "ledger"]) in graph.get(AssetKey(["staging", "stg_landing__ledger"])).parent_keys
    assert AssetKey(["marts", "cost_list"]) in graph.get(AssetKey("published")).parent_keys
    assert graph.get(AssetKey("exports")).parent_keys == {AssetKey("published")}
    job = defs.resolve_job_def("kpp_period")
    assert job.partitions_def == period_partitions
    ops = {n.name for n in job.graph.node_defs if not n.name.endswith(tuple(f"expectations_{s}" for s in STEP_NAMES))}
    assert ops == {"landing", *(f"{name}_models" for name in STEP_NAMES), "published", "exports"}


def test_a_step_added_to_the_registry_appears_as_group_gate_and_status_evidence():
    # the marts split off `results` into a step of their own: one registry row, nothing else
    results = STEPS[-1]
    steps = (*STEPS[:-1],
             replace(results, dbt_paths=("models/intermediate/results",),
                     gated_model=("intermediate", "int_contacts_outliers_flagged")),
             replace(results, name="marts", group="step6_marts", order=len(STEPS), label_sv="Marts",
                     dbt_paths=("models/marts",)))
    graph = build_definitions(steps).resolve_asset_graph()
    assert graph.get(AssetKey(["marts", "cost_list"])).group_name == "step6_marts"
    assert graph.get(AssetKey(["intermediate", "int_drg_weights_selected"])).group_name == "step5_results"
    gate = AssetCheckKey(AssetKey(["marts", "cost_list"]), "expectations_marts")
    assert gate in graph.asset_check_keys and graph.get_check_spec(gate).blocking
    assert AssetKey(["marts", "cost_list"]) in assets_for_hint(graph, "step6_marts")
    assert "step6_marts" in {graph.get(k).group_name for k in graph.get(AssetKey(["intermediate", "int_contacts_outliers_flagged"])).child_keys}


def test_the_library_and_the_generator_import_no_dagster():
    """kpp/ and kpp_synthetic/ are usable without the orchestrator (README, Project layout)."""
    import pkgutil
    import subprocess
    import sys

    import kpp
    import kpp_synthetic

    modules = [m.name for pkg in (kpp, kpp_synthetic)
               for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")]
    code = ("import importlib, sys\n"
            f"for m in {modules!r}: importlib.import_module(m)\n"
            "print(sorted({n.split('.')[0] for n in sys.modules if n.split('.')[0] in ('dagster', 'dagster_dbt', 'orchestration')}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert len(modules) > 20
    assert out.strip() == "[]"


def test_the_parse_ahead_of_a_run_leaves_the_first_step_a_manifest_and_opens_no_database(tmp_path, monkeypatch):
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    from kpp import dbt_runner

    monkeypatch.setattr(dbt_runner, "_parsed", None)
    dbt_runner.parse_ahead(tmp_path / "target")  # the landing asset's background thread calls it so
    assert "model.kpp.cost_list" in dbt_runner._parsed[1].nodes
    # the landing's load holds the warehouse meanwhile: the parse must not open it
    assert DuckDBConnectionManager._ENV is None
