-- One row per cost centre × cost type: the non-parked production cost. On care
-- and service centres it is direct cost; on overhead centres it is the centre's
-- own cost that the step-down distributes (spec §2 step 2.2-2.3).
select
    partition_key,
    cost_center,
    any_value(role) as role,
    cost_type,
    sum(amount) as amount
from {{ ref_period('int_ledger_classified') }}
where classification = 'production' and not is_specific
group by partition_key, cost_center, cost_type
