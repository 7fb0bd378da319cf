-- One row per month of the period: its ledger rows and amount (a month with
-- no rows at all fails, spec §2 step 1.1).
with months as (
    select cast(range as date) as month
    from range(cast($period_start as timestamp), cast($period_end as timestamp), interval 1 month)
)

select strftime(m.month, '%Y-%m') as month, count(l.amount) as ledger_rows, coalesce(sum(l.amount), 0) as amount
from months as m
left join landing.ledger as l on l.partition_key = $partition_key and l.month = m.month
group by m.month
order by m.month
