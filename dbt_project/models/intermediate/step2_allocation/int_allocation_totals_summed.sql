-- One row per period: production cost against what the allocation accounts for
-- (direct + indirect on care/service centres + parked, spec §2 step 2.4), and
-- the allocated overhead's share of production cost. The check
-- allocation_complete and the step-2 gate (indirect_share) read these sums.
with production as (
    select coalesce(sum(amount), 0) as production_cost
    from {{ ref_period('int_ledger_classified') }}
    where classification = 'production'
),

pools as (
    select
        coalesce(sum(direct_cost), 0) as direct_cost,
        coalesce(sum(indirect_cost), 0) as indirect_cost,
        coalesce({{ exact_sum('direct_cost + indirect_cost') }}, 0) as pooled_cost
    from {{ ref_period('int_cost_pools_built') }}
),

parked as (
    select coalesce(sum(parked_cost), 0) as parked_cost
    from {{ ref_period('int_costs_parked') }}
)

select
    {{ partition_key() }} as partition_key,
    p.production_cost,
    pools.direct_cost,
    pools.indirect_cost,
    k.parked_cost,
    pools.pooled_cost + k.parked_cost as accounted_cost,
    pools.indirect_cost / nullif(p.production_cost, 0) as indirect_share
from production as p, pools, parked as k
