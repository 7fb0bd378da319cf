-- The period's calculation (one row): Σ unit cost · volume + unabsorbed = Σ
-- pools (spec §2 step 3), and the unabsorbed share against the limit the run
-- used (dbt var unabsorbed_max_share, recorded in the step's checks model).
with pools as (
    select
        coalesce(sum(pool), 0) as pool,
        coalesce(sum(absorbed_cost), 0) as absorbed_cost,
        coalesce(sum(unabsorbed_cost), 0) as unabsorbed_cost
    from intermediate.int_cost_pools_absorbed
    where partition_key = $partition_key
),

production as (
    select sum(amount) as production_cost
    from intermediate.int_ledger_classified
    where partition_key = $partition_key and classification = 'production'
),

limits as (
    select expected as unabsorbed_max_share
    from intermediate.int_calculation_checks_computed
    where partition_key = $partition_key and check_name = 'unabsorbed_share_max'
)

select
    p.pool,
    p.absorbed_cost,
    p.unabsorbed_cost,
    abs(p.pool - p.absorbed_cost - p.unabsorbed_cost) as difference_abs,
    coalesce(p.unabsorbed_cost / nullif(cast(pr.production_cost as double), 0), 0) as unabsorbed_share,
    l.unabsorbed_max_share
from pools as p, production as pr, limits as l
