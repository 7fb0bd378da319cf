-- One row per step-4 check, among them the central identity (spec §2 step 4.5):
--   Σ contact costs + unmatched + unabsorbed + unmatched parked = production cost
-- Sums of calculated (DOUBLE) costs use fsum (compensated summation): a plain parallel
-- sum over 50 M region-size rows drifts by tenths of a krona at 5.7e10 SEK, more than
-- the öre tolerance, and depends on the thread schedule.
with production as (
    select sum(amount) as production_cost
    from {{ ref_period('int_ledger_classified') }}
    where classification = 'production'
),

items as (
    select
        coalesce({{ exact_sum('cost', "source = 'service_event' and matched_contact_id is null") }}, 0) as unmatched_event_cost,
        coalesce({{ exact_sum('cost', "source = 'specific_cost' and matched_contact_id is not null") }}, 0) as matched_specific_cost,
        count(*) filter (where source = 'service_event' and matched_contact_id is null) as n_unmatched_events
    from {{ ref_period('int_cost_items_costed') }}
),

factors as (
    select
        p.parked_cost,
        p.residual_cost,
        (select string_agg(case when is_flagged then cost_center || '/' || account || ' (' || round(scale_factor, 4) || ')' end, ', '
            order by cost_center, account) from {{ ref_period('int_specific_cost_factors_computed') }}) as flagged
    from {{ ref_period('int_parked_costs_summed') }} as p
),

totals as (
    select
        (select coalesce({{ exact_sum('total_cost') }}, 0) from {{ ref_period('int_contacts_costed') }}) as contacts_cost,
        (select coalesce({{ exact_sum('amount') }}, 0) from {{ ref_period('int_contact_costs_broken_down') }}) as breakdown_cost,
        (select coalesce({{ exact_sum('unabsorbed_cost') }}, 0) from {{ ref_period('int_cost_pools_absorbed') }}) as unabsorbed_cost
),

checks as (
    select
        'specific_cost_scaling' as check_name,
        coalesce(f.parked_cost, 0) as expected,
        i.matched_specific_cost + coalesce(f.residual_cost, 0) as actual,
        'equal' as comparison,
        'error' as severity,
        'scaled matched specific costs + unmatched parked residual = parked cost' as detail
    from items as i, factors as f
    union all
    select
        'central_reconciliation',
        coalesce(p.production_cost, 0),
        t.contacts_cost + i.unmatched_event_cost + t.unabsorbed_cost + coalesce(f.residual_cost, 0),
        'equal', 'error',
        'contacts ' || round(t.contacts_cost, 2) || ' + unmatched events ' || round(i.unmatched_event_cost, 2)
            || ' + unabsorbed ' || round(t.unabsorbed_cost, 2) || ' + unmatched parked ' || round(coalesce(f.residual_cost, 0), 2)
    from production as p, totals as t, items as i, factors as f
    union all
    select
        'unmatched_share_max',
        {{ var('unmatched_max_share') }},
        coalesce(i.unmatched_event_cost / nullif(p.production_cost, 0), 0),
        'at_most', 'error',
        i.n_unmatched_events || ' unmatched events costing ' || round(i.unmatched_event_cost, 2) || ' SEK'
    from production as p, items as i
    union all
    select 'breakdown_equals_total', t.contacts_cost, t.breakdown_cost, 'equal', 'error',
        'Σ cost_list_breakdown = Σ cost_list.total_cost'
    from totals as t
    union all
    select
        'items_outside_period', 0,
        (select count(*) from {{ ref_period('int_service_events_validated') }} where reject_reason is null and not is_in_period)
        + (select count(*) from {{ ref_period('int_specific_costs_validated') }} where reject_reason is null and not is_in_period),
        'info', 'info',
        'accepted events and specific costs dated outside the period are ignored (not costed, not matched)'
    union all
    select
        'specific_cost_factors_in_range', 0,
        (select count(*) from {{ ref_period('int_specific_cost_factors_computed') }} where is_flagged),
        'equal', 'warn',
        'scale factors outside [{{ var("scale_factor_min") }}, {{ var("scale_factor_max") }}]: ' || coalesce(f.flagged, 'none')
    from factors as f
)

{{ select_checks('step4_matching', 'checks') }}
