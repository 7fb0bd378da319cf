-- One row per care or service centre: its cost pool (kostnadspool) = direct +
-- indirect cost; parked cost is shown beside the pool, not in it.
with centers as (
    select cost_center, role
    from {{ ref('stg_landing__cost_centers') }}
    where role in ('care', 'service')
),

direct as (
    select cost_center, sum(amount) as direct_cost
    from {{ ref_period('int_production_costs_split') }}
    group by cost_center
),

indirect as (
    select receiver_cost_center as cost_center, {{ exact_sum('amount') }} as indirect_cost
    from {{ ref_period('int_overhead_stepped_down') }}
    group by receiver_cost_center
),

parked as (
    select cost_center, sum(parked_cost) as parked_cost
    from {{ ref_period('int_costs_parked') }}
    group by cost_center
)

select
    {{ partition_key() }} as partition_key,
    c.cost_center,
    c.role,
    cast(coalesce(d.direct_cost, 0) as double) as direct_cost,
    coalesce(i.indirect_cost, 0) as indirect_cost,
    cast(coalesce(p.parked_cost, 0) as double) as parked_cost,
    cast(coalesce(d.direct_cost, 0) as double) + coalesce(i.indirect_cost, 0) as pool
from centers as c
left join direct as d using (cost_center)
left join indirect as i using (cost_center)
left join parked as p using (cost_center)
