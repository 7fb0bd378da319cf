select
    partition_key,
    source_line,
    cost_center,
    service_code,
    name as service_name,
    service_group,
    unit,
    weight
from {{ source('landing', 'service_catalog') }}
where partition_key = {{ partition_key() }}
