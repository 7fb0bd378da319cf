-- One row per delivered specific-cost row; reject_reason is null for accepted rows.
-- A row is a duplicate when an earlier line has the same specific_cost_id; only ids
-- that occur more than once are looked up (no window over the whole delivery).
with repeated_ids as (
    {{ repeated_ids(ref('stg_landing__specific_costs'), 'specific_cost_id') }}
),

specific_costs as (
    select
        sc.*,
        case when r.first_line is not null and sc.source_line > r.first_line then 2 else 1 end as occurrence,
        coalesce(a.is_specific, false) as is_specific_account,
        a.cost_type
    from {{ ref('stg_landing__specific_costs') }} as sc
    left join repeated_ids as r on r.specific_cost_id is not distinct from sc.specific_cost_id
    left join {{ ref('stg_landing__accounts') }} as a on a.account = sc.account
)

select
    * exclude (occurrence, is_specific_account),
    {{ in_period('event_ts') }} as is_in_period,
    case
        when occurrence > 1 then 'duplicate_specific_cost_id'
        when amount <= 0 then 'non_positive_amount'
        when amount > {{ var('max_specific_amount') }} then 'implausible_amount'
        when not is_specific_account then 'account_not_specific'
    end as reject_reason
from specific_costs
