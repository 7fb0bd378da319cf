select
    partition_key,
    source_line,
    key as allocation_key,
    cost_center,
    value as key_value
from {{ source('landing', 'allocation_keys') }}
where partition_key = {{ partition_key() }}
