-- One row per care or service centre: its cost pool (kostnadspool).
select cost_center, role, direct_cost, indirect_cost, parked_cost, pool
from intermediate.int_cost_pools_built
where partition_key = $partition_key
order by cost_center
