-- TKB-klassificering: one row per cost centre with the ledger total and its split.
select
    partition_key,
    cost_center,
    sum(amount) as ledger_total,
    coalesce(sum(amount) filter (where classification = 'revenue'), 0) as revenue,
    coalesce(sum(amount) filter (where classification = 'eliminated_internal'), 0) as eliminated_internal,
    coalesce(sum(amount) filter (where classification = 'excluded'), 0) as excluded,
    coalesce(sum(amount) filter (where classification = 'production'), 0) as production_cost,
    coalesce(sum(amount) filter (where classification = 'production' and is_specific), 0) as parked_cost
from {{ ref_period('int_ledger_classified') }}
group by partition_key, cost_center
