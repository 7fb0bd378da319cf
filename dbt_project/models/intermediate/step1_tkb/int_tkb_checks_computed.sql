-- One row per step-1 check: every month present, every code known, and the
-- TKB identity per cost centre (avstämning mot TKB, spec §2 step 1.4).
with months as (
    select cast(range as date) as ledger_month
    from range({{ period_start() }}, {{ period_end() }}, interval 1 month)
),

ledger as (
    select * from {{ ref('stg_landing__ledger') }}
),

classified as (
    select * from {{ ref_period('int_ledger_classified') }}
),

missing_months as (
    select m.ledger_month
    from months as m
    where not exists (select 1 from ledger as l where l.ledger_month = m.ledger_month)
),

unknown_codes as (
    select
        case when role is null then 'cost_center ' || cost_center else 'account ' || account end as code,
        sum(amount) as amount
    from classified
    where role is null or account_class is null
    group by all
),

per_center as (
    select cost_center, ledger_total, classified_total from {{ ref_period('int_cost_center_totals_summed') }}
),

checks as (
    select
        'period_months_complete' as check_name,
        (select count(*) from months) as expected,
        (select count(*) from months) - (select count(*) from missing_months) as actual,
        'equal' as comparison,
        'error' as severity,
        (select 'missing months: ' || string_agg(strftime(ledger_month, '%Y-%m'), ', ' order by ledger_month) from missing_months) as detail
    union all
    select
        'ledger_codes_known', 0, (select count(*) from unknown_codes), 'equal', 'error',
        (select 'unknown codes (amount SEK): ' || string_agg(code || ' (' || round(amount, 2) || ')', ', ' order by code) from unknown_codes)
    union all
    select
        'ledger_rows_outside_period', 0,
        (select count(*) from ledger where not {{ in_period('ledger_month') }}),
        'info', 'info', 'ledger rows dated outside the period are ignored'
    union all
    select
        'tkb_reconciliation:' || cost_center, ledger_total, classified_total, 'equal', 'error',
        null
    from per_center
    union all
    select
        'tkb_reconciliation:total', sum(ledger_total), sum(classified_total), 'equal', 'error', null
    from per_center
)

{{ select_checks('step1_tkb', 'checks') }}
