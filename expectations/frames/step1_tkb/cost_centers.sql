-- One row per cost centre in the period's ledger: ledger total against the
-- classified total (avstämning mot TKB, spec §2 step 1.4) and the codes that
-- are in no register.
with ledger as (
    select cost_center, sum(amount) as ledger_total
    from landing.ledger
    where partition_key = $partition_key and month >= $period_start and month < $period_end
    group by cost_center
),

classified as (
    select
        cost_center,
        coalesce(sum(amount) filter (where classification <> 'unknown'), 0) as classified_total,
        coalesce(sum(amount) filter (where classification = 'production'), 0) as production_cost,
        count(*) filter (where classification = 'unknown') as unknown_code_rows,
        coalesce(string_agg(distinct case
            when role is null then 'cost_center ' || cost_center
            when account_class is null then 'account ' || account
        end, ', '), '') as unknown_codes
    from intermediate.int_ledger_classified
    where partition_key = $partition_key
    group by cost_center
)

select
    l.cost_center,
    l.ledger_total,
    c.classified_total,
    abs(l.ledger_total - c.classified_total) as difference_abs,
    c.production_cost,
    c.unknown_code_rows,
    c.unknown_codes
from ledger as l
inner join classified as c using (cost_center)
order by l.cost_center
