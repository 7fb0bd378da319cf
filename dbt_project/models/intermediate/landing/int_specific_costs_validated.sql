-- One row per delivered specific-cost row; reject_reason is null for accepted rows.
with specific_costs as (
    select
        sc.*,
        row_number() over (partition by sc.specific_cost_id order by sc.source_line) as occurrence,
        coalesce(a.is_specific, false) as is_specific_account,
        a.cost_type
    from {{ ref('stg_landing__specific_costs') }} as sc
    left join {{ ref('stg_landing__accounts') }} as a on a.account = sc.account
)

select
    * exclude (occurrence, is_specific_account),
    {{ in_period('event_ts') }} as is_in_period,
    case
        when occurrence > 1 then 'duplicate_specific_cost_id'
        when amount <= 0 then 'non_positive_amount'
        when not is_specific_account then 'account_not_specific'
    end as reject_reason
from specific_costs
