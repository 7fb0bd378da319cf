-- One row per contact × service group × cost type: the contact's cost broken
-- down by vårdtjänstgrupp and kostnadsslag (`indirect` for allocated overhead;
-- specific costs under service group `specific_cost` with their account's cost type).
with service_quantities as (
    select matched_contact_id as contact_id, cost_center, code as service_code, sum(quantity) as quantity
    from {{ ref_period('int_cost_items_matched') }}
    where source = 'service_event' and matched_contact_id is not null
    group by all
),

event_parts as (
    select
        q.contact_id,
        u.service_group,
        pc.cost_type,
        sum(q.quantity * u.unit_cost * pc.share) as amount
    from service_quantities as q
    inner join {{ ref_period('int_unit_costs_calculated') }} as u using (cost_center, service_code)
    inner join {{ ref_period('int_pool_composition_computed') }} as pc using (cost_center)
    where u.unit_cost is not null and pc.share is not null
    group by all
),

specific_parts as (
    select c.matched_contact_id as contact_id, 'specific_cost' as service_group, a.cost_type, sum(c.cost) as amount
    from {{ ref_period('int_cost_items_costed') }} as c
    inner join {{ ref('stg_landing__accounts') }} as a on a.account = c.code
    where c.source = 'specific_cost' and c.matched_contact_id is not null
    group by all
)

select {{ partition_key() }} as partition_key, * from event_parts
union all
select {{ partition_key() }}, * from specific_parts
