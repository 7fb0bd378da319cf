-- Overheadfördelning: one row per overhead centre × receiver × cost type.
select
    partition_key,
    source_cost_center as source,
    receiver_cost_center as receiver,
    allocation_key,
    key_value,
    key_total,
    cost_type,
    amount
from {{ ref_period('int_overhead_stepped_down') }}
