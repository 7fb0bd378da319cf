-- One row per step-3 check: Σ unit cost · volume + unabsorbed = Σ pools, and the
-- unabsorbed share of production cost below its threshold.
with pools as (
    select
        {{ exact_sum('pool') }} as pool,
        {{ exact_sum('absorbed_cost') }} as absorbed_cost,
        {{ exact_sum('unabsorbed_cost') }} as unabsorbed_cost,
        string_agg(case when unabsorbed_cost <> 0 then cost_center || ' (' || round(unabsorbed_cost, 2) || ')' end, ', '
            order by cost_center) as unabsorbed_centers
    from {{ ref_period('int_cost_pools_absorbed') }}
),

production as (
    select sum(amount) as production_cost
    from {{ ref_period('int_ledger_classified') }}
    where classification = 'production'
),

checks as (
    select
        'unit_cost_absorption' as check_name,
        coalesce(pool, 0) as expected,
        coalesce(absorbed_cost + unabsorbed_cost, 0) as actual,
        'equal' as comparison,
        'error' as severity,
        'Σ unit_cost · volume + unabsorbed = Σ pools' as detail
    from pools
    union all
    select
        'unabsorbed_share_max',
        {{ var('unabsorbed_max_share') }},
        coalesce(unabsorbed_cost / nullif((select production_cost from production), 0), 0),
        'at_most', 'error',
        'centres with a pool but no weighted volume (SEK): ' || coalesce(unabsorbed_centers, 'none')
    from pools
)

{{ select_checks('step3_calculation', 'checks') }}
