-- Kostnadsspårning, overhead level (spec §3): one row per vårdkontakt × receiving
-- kostnadsställe × overhead centre that gave to it. The contact's indirect cost at a
-- care or service centre (cost_trace, kostnadsslag `indirect`) split over the
-- step-down flows into that centre. A view, as cost_trace: `kpp explain` reads one
-- contact. Σ amount per contact = its indirect cost in cost_trace.
{{ config(materialized='view', meta={'is_published': false}) }}

with contact_indirect as (
    select partition_key, contact_id, cost_center, sum(amount) as indirect
    from {{ ref('cost_trace') }}
    where cost_type = 'indirect'
    group by partition_key, contact_id, cost_center
),

inflows as (
    select
        partition_key,
        receiver_cost_center as cost_center,
        source_cost_center as source,
        any_value(allocation_key) as allocation_key,
        sum(amount) as flow
    from {{ ref('int_overhead_stepped_down') }}
    where receiver_role in ('care', 'service')
    group by partition_key, receiver_cost_center, source_cost_center
),

shares as (
    select *, sum(flow) over (partition by partition_key, cost_center) as inflow
    from inflows
)

select
    c.partition_key,
    c.contact_id,
    c.cost_center,
    s.source,
    s.allocation_key,
    s.flow,
    s.flow / s.inflow as share,
    c.indirect * s.flow / s.inflow as amount
from contact_indirect as c
inner join shares as s using (partition_key, cost_center)
