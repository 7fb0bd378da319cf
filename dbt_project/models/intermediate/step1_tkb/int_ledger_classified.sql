-- One row per cost centre × account × month of the period: the summed ledger
-- amount and its class (spec §2 step 1.3, first match wins).
with ledger as (
    select ledger_month, cost_center, account, sum(amount) as amount, count(*) as n_ledger_rows
    from {{ ref('stg_landing__ledger') }}
    where {{ in_period('ledger_month') }}
    group by all
)

select
    {{ partition_key() }} as partition_key,
    l.ledger_month,
    l.cost_center,
    l.account,
    l.amount,
    l.n_ledger_rows,
    cc.role,
    a.account_class,
    a.cost_type,
    coalesce(a.is_specific, false) as is_specific,
    case
        when cc.cost_center is null or a.account is null then 'unknown'
        when a.account_class = 'revenue' then 'revenue'
        when a.account_class = 'internal' then 'eliminated_internal'
        when a.exclusion_category is not null or cc.role = 'excluded' then 'excluded'
        else 'production'
    end as classification,
    case
        when a.account_class in ('revenue', 'internal') then null
        else coalesce(a.exclusion_category, case when cc.role = 'excluded' then coalesce(cc.exclusion_category, 'other_excluded') end)
    end as exclusion_category
from ledger as l
left join {{ ref('stg_landing__cost_centers') }} as cc on cc.cost_center = l.cost_center
left join {{ ref('stg_landing__accounts') }} as a on a.account = l.account
