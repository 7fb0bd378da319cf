-- Avstämning: one row per check of every step, in the steps' order (seed kpp_steps).
with checks as (
    select * from {{ ref_period('int_landing_checks_computed') }}
    union all by name
    select * from {{ ref_period('int_tkb_checks_computed') }}
    union all by name
    select * from {{ ref_period('int_allocation_checks_computed') }}
    union all by name
    select * from {{ ref_period('int_calculation_checks_computed') }}
    union all by name
    select * from {{ ref_period('int_matching_checks_computed') }}
),

ordered as (
    select
        checks.*,
        -- a relationships test would run with the seed, before this model exists
        coalesce(steps.step_order, error('reconciliation: step ' || checks.step || ' is not in seed kpp_steps')) as step_order
    from checks
    left join {{ ref('kpp_steps') }} as steps using (step)
)

select
    partition_key,
    check_name as "check",
    expected,
    actual,
    difference,
    passed,
    step,
    severity,
    detail,
    row_number() over (order by step_order, check_name like '%:total', check_name) as check_order
from ordered
