-- One row per care/service centre × cost type (kostnadsslag, with `indirect` for
-- allocated overhead): the pool's composition, which unit costs carry to contacts.
with parts as (
    select cost_center, cost_type, cast(amount as double) as amount
    from {{ ref_period('int_production_costs_split') }}
    where role in ('care', 'service')
    union all
    select receiver_cost_center, 'indirect', {{ exact_sum('amount') }}
    from {{ ref_period('int_overhead_stepped_down') }}
    where receiver_role in ('care', 'service')
    group by receiver_cost_center
)

select
    {{ partition_key() }} as partition_key,
    p.cost_center,
    p.cost_type,
    p.amount,
    p.amount / nullif(pools.pool, 0) as share
from parts as p
inner join {{ ref_period('int_cost_pools_built') }} as pools using (cost_center)
