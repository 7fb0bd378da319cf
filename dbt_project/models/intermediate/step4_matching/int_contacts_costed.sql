-- One row per contact with at least one matched cost in the period (the cost
-- list population, even if the cost sums to 0). A contact reaching outside the
-- period carries only its in-period costs and is flagged spans_period_boundary.
with costs as (
    select
        matched_contact_id as contact_id,
        coalesce({{ exact_sum('cost', "source = 'service_event'") }}, 0) as event_cost,
        coalesce({{ exact_sum('cost', "source = 'specific_cost'") }}, 0) as specific_cost,
        count(*) filter (where source = 'service_event') as n_events,
        count(*) filter (where source = 'specific_cost') as n_specific_costs,
        -- vårddagar for the reimbursement follow-up (spec §7.3.5)
        coalesce(sum(quantity) filter (where source = 'service_event' and service_group = 'bed_day'), 0) as bed_days
    from {{ ref_period('int_cost_items_costed') }}
    where matched_contact_id is not null
    group by matched_contact_id
)

select
    c.partition_key,
    c.contact_id,
    c.patient_pseudonym,
    c.personnummer_flag,
    c.hospital,
    c.clinic,
    c.cost_center,
    c.care_type,
    c.care_field,
    c.start_ts,
    c.end_ts,
    c.drg,
    c.primary_diagnosis,
    c.age,
    c.sex,
    c.home_region,
    k.event_cost + k.specific_cost as total_cost,
    k.event_cost,
    k.specific_cost,
    k.n_events,
    k.n_specific_costs,
    k.bed_days,
    c.start_ts < {{ period_start() }} or c.end_ts is null or c.end_ts >= {{ period_end() }} as spans_period_boundary
from costs as k
inner join {{ ref_period('int_contacts_validated') }} as c
    on c.contact_id = k.contact_id and c.reject_reason is null
