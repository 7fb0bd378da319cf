-- Vårdtjänster: one row per cost centre × service of the delivery, with the service's name.
select
    partition_key,
    cost_center,
    service_code,
    service_name,
    service_group,
    unit
from {{ ref('stg_landing__service_catalog') }}
where cost_center is not null and service_code is not null
-- a repeated code is rejected by the landing gate; the first row names it here
qualify row_number() over (partition by cost_center, service_code order by source_line) = 1
