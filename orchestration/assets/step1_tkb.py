"""Step 1, TKB extraction (avgränsning): ledger classified into revenue, eliminated internal, excluded and production cost."""

from orchestration.assets.dbt import kpp_dbt_assets

step1_tkb_models = kpp_dbt_assets("step1_tkb")
