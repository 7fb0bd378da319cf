-- One row per care/service centre × service: volume and unit cost (styckkostnad).
select cost_center, service_code, service_group, unit, weight, volume, unit_cost
from intermediate.int_unit_costs_calculated
where partition_key = $partition_key
order by cost_center, service_code
