"""Step 2, direct/indirect split (fördelning): parking of specific costs and step-down overhead allocation into cost pools."""

from orchestration.assets.dbt import kpp_dbt_assets

step2_allocation_models = kpp_dbt_assets("step2_allocation")
