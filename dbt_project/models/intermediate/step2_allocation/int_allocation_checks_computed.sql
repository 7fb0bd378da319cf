-- One row per step-2 check: overhead settings usable, every overhead key has a
-- receiver, and no production cost left behind (spec §2 step 2.4).
with overhead as (
    select cost_center, allocation_key, allocation_order
    from {{ ref('stg_landing__cost_centers') }}
    where role = 'overhead'
),

incomplete_settings as (
    select cost_center from overhead where allocation_key is null or allocation_order is null
),

keys_without_receivers as (
    select source_cost_center, any_value(allocation_key) as allocation_key
    from {{ ref_period('int_allocation_shares_computed') }}
    group by source_cost_center
    having coalesce(sum(key_value), 0) <= 0
    union all
    -- an overhead centre with no eligible receiver at all
    select o.cost_center, o.allocation_key
    from overhead as o
    where not exists (
        select 1 from {{ ref_period('int_allocation_shares_computed') }} as a where a.source_cost_center = o.cost_center
    )
),

totals as (
    select production_cost, accounted_cost from {{ ref_period('int_allocation_totals_summed') }}
),

checks as (
    select
        'overhead_settings_complete' as check_name,
        0 as expected,
        (select count(*) from incomplete_settings) as actual,
        'equal' as comparison,
        'error' as severity,
        (select 'overhead centres without allocation_key or allocation_order: '
            || string_agg(cost_center, ', ' order by cost_center) from incomplete_settings) as detail
    union all
    select
        'allocation_keys_have_receivers', 0, (select count(*) from keys_without_receivers), 'equal', 'error',
        (select 'overhead centres whose key has no positive value among their receivers: '
            || string_agg(source_cost_center || ' (key ' || coalesce(allocation_key, '?') || ')', ', ' order by source_cost_center)
            from keys_without_receivers)
    union all
    select
        'allocation_complete',
        (select production_cost from totals),
        (select accounted_cost from totals),
        'equal', 'error',
        'direct + indirect on care/service centres + parked = production cost'
)

{{ select_checks('step2_allocation', 'checks') }}
