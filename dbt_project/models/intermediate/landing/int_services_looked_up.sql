-- One row per line of the service catalog (vårdtjänster) as delivered, with the
-- role of its producing centre and whether its service group is a national one
-- (seed service_groups).
select
    s.partition_key,
    s.source_line,
    s.cost_center,
    s.service_code,
    s.service_group,
    s.weight,
    coalesce(cc.role, 'unknown') as producer_role,
    s.service_group in (select service_group from {{ ref('service_groups') }}) as is_known_service_group
from {{ ref('stg_landing__service_catalog') }} as s
left join {{ ref('stg_landing__cost_centers') }} as cc using (cost_center)
