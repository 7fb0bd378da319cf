-- The data root's price index (LPIK excl. drugs), typed; the loader has checked every value.
select cast(year as integer) as year, cast(index as double) as price_index, source_line
from {{ source('uses_inputs', 'price_index') }}
