-- One row per rejected input row, with the file, line and reason.
select partition_key, 'contacts' as table_name, source_line, contact_id as record_id, reject_reason
from {{ ref_period('int_contacts_validated') }}
where reject_reason is not null
union all
select partition_key, 'service_events', source_line, event_id, reject_reason
from {{ ref_period('int_service_events_validated') }}
where reject_reason is not null
union all
select partition_key, 'specific_costs', source_line, specific_cost_id, reject_reason
from {{ ref_period('int_specific_costs_validated') }}
where reject_reason is not null
