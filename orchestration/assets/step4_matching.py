"""Step 4, matching (matchning): events and specific costs to contacts and patients."""

from orchestration.assets.dbt import kpp_dbt_assets

step4_matching_models = kpp_dbt_assets("step4_matching")
