-- One row per care/service centre: its pool, the weighted volume that absorbs
-- it, and the part left unabsorbed (ej absorberad kostnad) when a centre with a
-- pool has no weighted volume.
with weighted as (
    select cost_center, {{ exact_sum('weighted_volume') }} as weighted_volume, {{ exact_sum('coalesce(unit_cost, 0) * volume') }} as absorbed_cost
    from {{ ref_period('int_unit_costs_calculated') }}
    group by cost_center
)

select
    p.partition_key,
    p.cost_center,
    p.role,
    p.direct_cost,
    p.indirect_cost,
    p.parked_cost,
    p.pool,
    coalesce(w.weighted_volume, 0) as weighted_volume,
    coalesce(w.absorbed_cost, 0) as absorbed_cost,
    case when coalesce(w.weighted_volume, 0) > 0 then 0 else p.pool end as unabsorbed_cost
from {{ ref_period('int_cost_pools_built') }} as p
left join weighted as w using (cost_center)
