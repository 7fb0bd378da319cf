-- One row per cost centre × specific account: the recalculation (omräkning) of
-- specific costs. Matched registered amounts are scaled by
--   factor = parked ledger cost / Σ matched registered amounts
-- (0 when nothing is parked); parked cost with no match stays as a residual.
with parked as (
    select cost_center, account, parked_cost from {{ ref_period('int_costs_parked') }}
),

registered as (
    select
        cost_center,
        code as account,
        count(*) as n_rows_in_period,
        count(matched_contact_id) as n_matched,
        coalesce(sum(registered_amount) filter (where matched_contact_id is not null), 0) as matched_registered
    from {{ ref_period('int_cost_items_matched') }}
    where source = 'specific_cost'
    group by all
),

pairs as (
    select
        cost_center,
        account,
        cast(coalesce(p.parked_cost, 0) as double) as parked_cost,
        cast(coalesce(r.matched_registered, 0) as double) as matched_registered,
        coalesce(r.n_rows_in_period, 0) as n_rows_in_period,
        coalesce(r.n_matched, 0) as n_matched
    from parked as p
    full outer join registered as r using (cost_center, account)
)

select
    {{ partition_key() }} as partition_key,
    *,
    case when n_matched > 0 then parked_cost / matched_registered end as scale_factor,
    case when n_matched = 0 then parked_cost else 0 end as residual_cost,
    coalesce(
        n_matched > 0 and not (parked_cost / matched_registered between {{ var('scale_factor_min') }} and {{ var('scale_factor_max') }}),
        false
    ) as is_flagged
from pairs
