-- One row per care/service centre × service in the catalog: volume and unit cost
-- (styckkostnad, spec §2 step 3):
--   unit_cost(c, s) = pool_c · weight(c, s) / Σ_s' volume(c, s') · weight(c, s')
-- Volume counts every accepted in-period event, matched or not.
with volumes as (
    select cost_center, service_code, {{ exact_sum('quantity') }} as volume
    from {{ ref_period('int_service_events_validated') }}
    where reject_reason is null and is_in_period
    group by all
),

services as (
    select
        s.cost_center,
        s.service_code,
        s.service_name,
        s.service_group,
        s.unit,
        s.weight,
        coalesce(v.volume, 0) as volume,
        coalesce(v.volume, 0) * s.weight as weighted_volume
    from {{ ref('stg_landing__service_catalog') }} as s
    left join volumes as v using (cost_center, service_code)
)

select
    {{ partition_key() }} as partition_key,
    s.*,
    coalesce(p.pool, 0) as pool,
    cast(sum(cast(s.weighted_volume as decimal(38, 12))) over (partition by s.cost_center) as double) as center_weighted_volume,
    case
        when cast(sum(cast(s.weighted_volume as decimal(38, 12))) over (partition by s.cost_center) as double) > 0
            then coalesce(p.pool, 0) * s.weight / cast(sum(cast(s.weighted_volume as decimal(38, 12))) over (partition by s.cost_center) as double)
    end as unit_cost
from services as s
left join {{ ref_period('int_cost_pools_built') }} as p using (cost_center)
