-- Kostnadspooler: one row per care/service centre.
select
    partition_key,
    cost_center,
    direct_cost,
    indirect_cost,
    parked_cost,
    pool,
    weighted_volume,
    unabsorbed_cost as unabsorbed
from {{ ref_period('int_cost_pools_absorbed') }}
