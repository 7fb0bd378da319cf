-- One row per cost centre × specific account: production cost parked for
-- matching as specific costs (särkostnader, spec §2 step 2.1). Parked cost on an
-- overhead centre stays parked: it is not stepped down.
select
    partition_key,
    cost_center,
    account,
    any_value(role) as role,
    any_value(cost_type) as cost_type,
    sum(amount) as parked_cost
from {{ ref_period('int_ledger_classified') }}
where classification = 'production' and is_specific
group by partition_key, cost_center, account
