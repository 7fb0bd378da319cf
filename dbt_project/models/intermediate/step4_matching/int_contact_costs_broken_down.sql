-- One row per contact × service group × cost type: the contact's cost broken
-- down by vårdtjänstgrupp and kostnadsslag (`indirect` for allocated overhead;
-- specific costs under service group `specific_cost` with their account's cost type).
with event_costs as (
    -- the contact's event cost per producing centre and service group first, so the
    -- pool composition multiplies few rows (each centre has ~8 cost types)
    select matched_contact_id as contact_id, cost_center, service_group, {{ exact_sum('cost') }} as cost
    from {{ ref_period('int_cost_items_costed') }}
    where source = 'service_event' and matched_contact_id is not null and unit_cost is not null
    group by all
),

event_parts as (
    select
        e.contact_id,
        e.service_group,
        pc.cost_type,
        {{ exact_sum('e.cost * pc.share') }} as amount
    from event_costs as e
    inner join {{ ref_period('int_pool_composition_computed') }} as pc using (cost_center)
    where pc.share is not null
    group by all
),

specific_parts as (
    select c.matched_contact_id as contact_id, 'specific_cost' as service_group, a.cost_type, {{ exact_sum('c.cost') }} as amount
    from {{ ref_period('int_cost_items_costed') }} as c
    inner join {{ ref('stg_landing__accounts') }} as a on a.account = c.code
    where c.source = 'specific_cost' and c.matched_contact_id is not null
    group by all
)

select {{ partition_key() }} as partition_key, * from event_parts
union all
select {{ partition_key() }}, * from specific_parts
