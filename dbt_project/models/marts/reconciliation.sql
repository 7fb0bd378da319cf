-- Avstämning: one row per check of every step, in pipeline order.
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
    row_number() over (
        order by
            list_position(['landing', 'step1_tkb', 'step2_allocation', 'step3_calculation', 'step4_matching'], step),
            check_name like '%:total',
            check_name
    ) as check_order
from checks
