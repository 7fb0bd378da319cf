select
    partition_key,
    source_line,
    specific_cost_id,
    contact_id,
    patient_pseudonym,
    personnummer_flag,
    event_ts,
    cost_center,
    account,
    amount,
    item
from {{ source('landing', 'specific_costs') }}
where partition_key = {{ partition_key() }}
