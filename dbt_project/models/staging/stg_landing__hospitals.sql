-- Sjukhus of the delivery (optional file, spec §7.1): no rows when it was not delivered.
select
    partition_key,
    source_line,
    hospital,
    region,
    hospital_type
from {{ source('landing', 'hospitals') }}
where partition_key = {{ partition_key() }}
