-- The service catalog (vårdtjänster) with the role of each producing centre.
select
    s.source_line,
    s.cost_center,
    s.service_code,
    s.service_group,
    s.weight,
    coalesce(cc.role, 'unknown') as producer_role,
    s.service_group in (select service_group from national.service_groups) as is_known_service_group
from landing.service_catalog as s
left join landing.cost_centers as cc
    on cc.partition_key = s.partition_key and cc.cost_center = s.cost_center
where s.partition_key = $partition_key
order by s.source_line
