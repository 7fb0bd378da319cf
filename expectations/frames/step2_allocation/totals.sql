-- The period's allocation (one row): direct + indirect + parked = production
-- cost (spec §2 step 2.4), and the allocated overhead's share.
with production as (
    select coalesce(sum(amount), 0) as production_cost
    from intermediate.int_ledger_classified
    where partition_key = $partition_key and classification = 'production'
),

pools as (
    select coalesce(sum(direct_cost), 0) as direct_cost, coalesce(sum(indirect_cost), 0) as indirect_cost
    from intermediate.int_cost_pools_built
    where partition_key = $partition_key
),

parked as (
    select coalesce(sum(parked_cost), 0) as parked_cost
    from intermediate.int_costs_parked
    where partition_key = $partition_key
)

select
    cast(p.production_cost as double) as production_cost,
    pools.direct_cost,
    pools.indirect_cost,
    cast(k.parked_cost as double) as parked_cost,
    abs(p.production_cost - pools.direct_cost - pools.indirect_cost - k.parked_cost) as difference_abs,
    pools.indirect_cost / nullif(p.production_cost, 0) as indirect_share
from production as p, pools, parked as k
