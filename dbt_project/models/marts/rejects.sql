-- Rejected input rows: one row per rejected row with file, line and reason.
select
    partition_key,
    table_name || '.csv' as file,
    source_line as line,
    record_id as id,
    reject_reason as reason
from {{ ref_period('int_rejects_collected') }}
