"""Results (spec §3): outliers, retrospective DRG weights, cost per DRG point, and the marts behind the exports."""

from orchestration.assets.dbt import kpp_dbt_assets

results_models = kpp_dbt_assets("results")
