-- The period's matching (one row): the central identity (spec §2 step 4.5)
--   Σ contact costs + unmatched + unabsorbed + unmatched parked = production cost,
-- the breakdown against the totals, the specific-cost recalculation, and the
-- unmatched share against the limit the run used (dbt var unmatched_max_share).
-- Calculated costs are DOUBLE: fsum (compensated summation) keeps sums over a
-- region's 50 M items exact to well below the öre, whatever the thread order.
with production as (
    select cast(coalesce(sum(amount), 0) as double) as production_cost
    from intermediate.int_ledger_classified
    where partition_key = $partition_key and classification = 'production'
),

items as (
    select
        coalesce(fsum(cost) filter (where source = 'service_event' and matched_contact_id is null), 0) as unmatched_event_cost,
        coalesce(fsum(cost) filter (where source = 'specific_cost' and matched_contact_id is not null), 0) as matched_specific_cost
    from intermediate.int_cost_items_costed
    where partition_key = $partition_key
),

factors as (
    select coalesce(sum(parked_cost), 0) as parked_cost, coalesce(sum(residual_cost), 0) as unmatched_parked_cost
    from intermediate.int_specific_cost_factors_computed
    where partition_key = $partition_key
),

contacts as (
    select coalesce(fsum(total_cost), 0) as contacts_cost
    from intermediate.int_contacts_costed
    where partition_key = $partition_key
),

breakdown as (
    select coalesce(fsum(amount), 0) as breakdown_cost
    from intermediate.int_contact_costs_broken_down
    where partition_key = $partition_key
),

unabsorbed as (
    select coalesce(sum(unabsorbed_cost), 0) as unabsorbed_cost
    from intermediate.int_cost_pools_absorbed
    where partition_key = $partition_key
),

limits as (
    select expected as unmatched_max_share
    from intermediate.int_matching_checks_computed
    where partition_key = $partition_key and check_name = 'unmatched_share_max'
)

select
    p.production_cost,
    c.contacts_cost,
    i.unmatched_event_cost,
    u.unabsorbed_cost,
    f.unmatched_parked_cost,
    abs(p.production_cost - c.contacts_cost - i.unmatched_event_cost - u.unabsorbed_cost - f.unmatched_parked_cost)
        as central_difference_abs,
    abs(c.contacts_cost - b.breakdown_cost) as breakdown_difference_abs,
    abs(f.parked_cost - i.matched_specific_cost - f.unmatched_parked_cost) as specific_difference_abs,
    coalesce(i.unmatched_event_cost / nullif(p.production_cost, 0), 0) as unmatched_share,
    l.unmatched_max_share,
    coalesce(f.unmatched_parked_cost / nullif(f.parked_cost, 0), 0) as unmatched_parked_share
from production as p, items as i, factors as f, contacts as c, breakdown as b, unabsorbed as u, limits as l
