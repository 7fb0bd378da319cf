-- One row per cost centre in the period's ledger: its ledger total, the part
-- classified (revenue, eliminated, excluded or production cost; not unknown
-- codes) and its production cost. The TKB checks (tkb_reconciliation, spec §2
-- step 1.4) and the step-1 gate (no negative production cost) read these sums.
with ledger as (
    select cost_center, sum(amount) as ledger_total
    from {{ ref('stg_landing__ledger') }}
    where {{ in_period('ledger_month') }}
    group by cost_center
),

classified as (
    select
        cost_center,
        sum(amount) filter (where classification <> 'unknown') as classified_total,
        sum(amount) filter (where classification = 'production') as production_cost
    from {{ ref_period('int_ledger_classified') }}
    group by cost_center
)

select
    {{ partition_key() }} as partition_key,
    l.cost_center,
    l.ledger_total,
    coalesce(c.classified_total, 0) as classified_total,
    coalesce(c.production_cost, 0) as production_cost
from ledger as l
left join classified as c using (cost_center)
