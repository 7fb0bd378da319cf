-- The allocation keys (fördelningsnycklar) as delivered, row by row.
select source_line, key as allocation_key, cost_center, value
from landing.allocation_keys
where partition_key = $partition_key
order by source_line
