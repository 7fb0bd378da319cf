-- One row per overhead centre (step-down, spec §2 step 2.3): what it owned and
-- received, what it gave on, and the key total among its receivers.
with centers as (
    select cost_center, allocation_key, allocation_order
    from landing.cost_centers
    where partition_key = $partition_key and role = 'overhead'
),

own as (
    select cost_center, sum(amount) as own_cost
    from intermediate.int_production_costs_split
    where partition_key = $partition_key
    group by cost_center
),

received as (
    select receiver_cost_center as cost_center, sum(amount) as received_cost
    from intermediate.int_overhead_stepped_down
    where partition_key = $partition_key
    group by receiver_cost_center
),

given as (
    select source_cost_center as cost_center, sum(amount) as distributed_cost
    from intermediate.int_overhead_stepped_down
    where partition_key = $partition_key
    group by source_cost_center
),

keys as (
    select source_cost_center as cost_center, sum(key_value) as key_total
    from intermediate.int_allocation_shares_computed
    where partition_key = $partition_key
    group by source_cost_center
)

select
    c.cost_center,
    c.allocation_key,
    c.allocation_order,
    coalesce(k.key_total, 0) as key_total,
    cast(coalesce(o.own_cost, 0) as double) as own_cost,
    coalesce(r.received_cost, 0) as received_cost,
    coalesce(g.distributed_cost, 0) as distributed_cost,
    abs(cast(coalesce(o.own_cost, 0) as double) + coalesce(r.received_cost, 0) - coalesce(g.distributed_cost, 0)) as remaining_abs
from centers as c
left join own as o using (cost_center)
left join received as r using (cost_center)
left join given as g using (cost_center)
left join keys as k using (cost_center)
order by c.allocation_order, c.cost_center
