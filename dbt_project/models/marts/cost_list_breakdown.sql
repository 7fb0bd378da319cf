-- One row per contact × service group × cost type.
select partition_key, contact_id, service_group, cost_type, amount
from {{ ref_period('int_contact_costs_broken_down') }}
