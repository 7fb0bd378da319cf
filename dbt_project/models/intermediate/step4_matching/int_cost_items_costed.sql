-- One row per accepted in-period service event or specific cost: its cost.
-- Events cost quantity · unit cost; matched specific costs their scaled amount;
-- unmatched specific costs keep their registered amount for the report (their
-- cost is the parked residual, not counted twice).
-- A view over every period: 1:1 with int_cost_items_matched, its readers filter one
-- period, and the two joined tables are small. Storing it would write every event once more.
{{ config(materialized='view') }}

select
    m.partition_key,
    m.source,
    m.item_id,
    m.matched_contact_id,
    m.match_rule,
    m.unmatched_reason,
    m.event_ts,
    m.cost_center,
    m.code,
    m.quantity,
    m.registered_amount,
    coalesce(u.service_group, 'specific_cost') as service_group,
    u.unit_cost,
    f.scale_factor,
    case
        when m.source = 'service_event' then m.quantity * coalesce(u.unit_cost, 0)
        when m.matched_contact_id is not null then cast(m.registered_amount as double) * f.scale_factor
        else cast(m.registered_amount as double)
    end as cost,
    m.source = 'service_event' or m.matched_contact_id is not null as is_in_reconciliation
from {{ ref('int_cost_items_matched') }} as m
left join {{ ref('int_unit_costs_calculated') }} as u
    on m.source = 'service_event' and u.partition_key = m.partition_key
    and u.cost_center = m.cost_center and u.service_code = m.code
left join {{ ref('int_specific_cost_factors_computed') }} as f
    on m.source = 'specific_cost' and f.partition_key = m.partition_key
    and f.cost_center = m.cost_center and f.account = m.code
