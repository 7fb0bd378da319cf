-- Kostnadsspårning (cost trace, spec §3): one row per vårdkontakt × cost item ×
-- kostnadsslag of the pool the item draws on. A service event's cost (quantity ·
-- styckkostnad, the contact's events of one service taken together) is split by
-- the composition of its cost centre's pool (direct cost types, `indirect` for
-- allocated overhead); a särkostnad (scaled amount, per cost centre × account)
-- is traced to its parked ledger cost. Σ amount per contact = cost_list.total_cost.
--
-- A view over the period-keyed intermediate tables: nothing is stored, so the
-- trace of every period stays available at region scale, and `kpp explain` reads
-- one contact. Indirect cost is split further by overhead source in
-- cost_trace_overhead, and every amount down to ledger rows in cost_trace_ledger.
{{ config(materialized='view', meta={'is_published': false}) }}

-- not materialized: each branch below aggregates only its own source's items (the filter is pushed down)
with items as not materialized (
    select
        partition_key,
        matched_contact_id as contact_id,
        source,
        cost_center,
        code,
        any_value(service_group) as service_group,
        count(*) as n_items,
        sum(quantity) as quantity,
        any_value(unit_cost) as unit_cost,
        any_value(scale_factor) as scale_factor,
        sum(cast(registered_amount as double)) as registered_amount,
        sum(cost) as item_cost
    from {{ ref('int_cost_items_costed') }}
    where matched_contact_id is not null
    group by partition_key, matched_contact_id, source, cost_center, code
),

event_rows as (
    select
        i.*,
        pc.cost_type,
        pools.pool as traced_cost,
        pc.amount as cost_type_cost,
        pc.share,
        -- a pool of 0 gives unit cost 0: nothing to split
        coalesce(i.item_cost * pc.share, 0) as amount
    from items as i
    inner join {{ ref('int_cost_pools_built') }} as pools using (partition_key, cost_center)
    left join {{ ref('int_pool_composition_computed') }} as pc using (partition_key, cost_center)
    where i.source = 'service_event'
),

specific_rows as (
    select
        i.*,
        parked.cost_type,
        cast(parked.parked_cost as double) as traced_cost,
        cast(parked.parked_cost as double) as cost_type_cost,
        1.0 as share,
        i.item_cost as amount
    from items as i
    left join {{ ref('int_costs_parked') }} as parked
        on parked.partition_key = i.partition_key and parked.cost_center = i.cost_center and parked.account = i.code
    where i.source = 'specific_cost'
)

select * from event_rows
union all by name
select * from specific_rows
