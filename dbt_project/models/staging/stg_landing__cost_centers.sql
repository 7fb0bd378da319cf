select
    partition_key,
    source_line,
    cost_center,
    name as cost_center_name,
    hospital,
    clinic,
    role,
    exclusion as exclusion_category,
    allocation_key,
    allocation_order
from {{ source('landing', 'cost_centers') }}
where partition_key = {{ partition_key() }}
