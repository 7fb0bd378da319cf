select
    partition_key,
    source_line,
    event_id,
    contact_id,
    patient_pseudonym,
    personnummer_flag,
    event_ts,
    cost_center,
    service_code,
    quantity,
    ordering_cost_center
from {{ source('landing', 'service_events') }}
where partition_key = {{ partition_key() }}
