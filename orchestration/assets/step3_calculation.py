"""Step 3, calculation (kalkylering): unit costs per service from pools and weighted volumes."""

from orchestration.assets.dbt import kpp_dbt_assets

step3_calculation_models = kpp_dbt_assets("step3_calculation")
