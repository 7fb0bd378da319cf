-- One row per overhead centre (step-down, spec §2 step 2.3): what it owned and
-- received, what it gave on, and what is left on it (nothing, to the öre, when
-- the step-down gave everything on; the step-2 gate checks it per centre).
with centers as (
    select cost_center, allocation_key, allocation_order
    from {{ ref('stg_landing__cost_centers') }}
    where role = 'overhead'
),

own as (
    select cost_center, sum(amount) as own_cost
    from {{ ref_period('int_production_costs_split') }}
    group by cost_center
),

received as (
    select receiver_cost_center as cost_center, sum(amount) as received_cost
    from {{ ref_period('int_overhead_stepped_down') }}
    group by receiver_cost_center
),

given as (
    select source_cost_center as cost_center, sum(amount) as distributed_cost
    from {{ ref_period('int_overhead_stepped_down') }}
    group by source_cost_center
)

select
    {{ partition_key() }} as partition_key,
    c.cost_center,
    c.allocation_key,
    c.allocation_order,
    cast(coalesce(o.own_cost, 0) as double) as own_cost,
    coalesce(r.received_cost, 0) as received_cost,
    coalesce(g.distributed_cost, 0) as distributed_cost,
    abs(cast(coalesce(o.own_cost, 0) as double) + coalesce(r.received_cost, 0) - coalesce(g.distributed_cost, 0)) as remaining_abs
from centers as c
left join own as o using (cost_center)
left join received as r using (cost_center)
left join given as g using (cost_center)
