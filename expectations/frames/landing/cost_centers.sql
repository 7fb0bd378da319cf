-- The cost centre register (kostnadsställen) as delivered.
select source_line, cost_center, role, exclusion, allocation_key, allocation_order
from landing.cost_centers
where partition_key = $partition_key
order by source_line
