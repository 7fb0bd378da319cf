-- One row per overhead centre × receiving centre: the receiver's share of the
-- overhead centre's key (fördelningsnyckel). Receivers are all care and service
-- centres and the overhead centres with a strictly higher allocation_order; the
-- key values of the source itself and of earlier centres are ignored.
with sources as (
    select cost_center as source_cost_center, allocation_key, allocation_order
    from {{ ref('stg_landing__cost_centers') }}
    where role = 'overhead'
),

receivers as (
    select cost_center as receiver_cost_center, role, allocation_order
    from {{ ref('stg_landing__cost_centers') }}
    where role in ('care', 'service', 'overhead')
),

key_values as (
    -- duplicate key rows are summed (spec §2 step 2.3)
    select allocation_key, cost_center, {{ exact_sum('key_value') }} as key_value
    from {{ ref('stg_landing__allocation_keys') }}
    group by all
),

eligible as (
    select
        s.source_cost_center,
        s.allocation_key,
        s.allocation_order as source_order,
        r.receiver_cost_center,
        r.role as receiver_role,
        coalesce(k.key_value, 0) as key_value
    from sources as s
    inner join receivers as r
        on r.role in ('care', 'service')
        or (r.role = 'overhead' and r.allocation_order > s.allocation_order)
    left join key_values as k
        on k.allocation_key = s.allocation_key and k.cost_center = r.receiver_cost_center
)

select
    {{ partition_key() }} as partition_key,
    *,
    cast(sum(cast(key_value as decimal(38, 12))) over (partition by source_cost_center) as double) as key_total,
    key_value / nullif(cast(sum(cast(key_value as decimal(38, 12))) over (partition by source_cost_center) as double), 0) as share
from eligible
