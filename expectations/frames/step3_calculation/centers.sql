-- One row per care/service centre: its pool and the part no weighted volume absorbed.
select cost_center, pool, weighted_volume, absorbed_cost, unabsorbed_cost
from intermediate.int_cost_pools_absorbed
where partition_key = $partition_key
order by cost_center
