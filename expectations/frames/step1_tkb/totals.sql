-- The period's ledger split (one row): ledger total = revenue + eliminated +
-- excluded + production cost (spec §2 step 1.4).
with ledger as (
    select sum(amount) as ledger_total
    from landing.ledger
    where partition_key = $partition_key and month >= $period_start and month < $period_end
),

split as (
    select
        coalesce(sum(amount) filter (where classification = 'revenue'), 0) as revenue,
        coalesce(sum(amount) filter (where classification = 'eliminated_internal'), 0) as eliminated_internal,
        coalesce(sum(amount) filter (where classification = 'excluded'), 0) as excluded,
        coalesce(sum(amount) filter (where classification = 'production'), 0) as production_cost
    from intermediate.int_ledger_classified
    where partition_key = $partition_key
)

select
    coalesce(l.ledger_total, 0) as ledger_total,
    s.*,
    abs(coalesce(l.ledger_total, 0) - s.revenue - s.eliminated_internal - s.excluded - s.production_cost) as difference_abs
from ledger as l, split as s
