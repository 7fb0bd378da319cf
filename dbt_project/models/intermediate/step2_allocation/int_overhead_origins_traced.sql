-- One row per care/service centre × kostnadsslag × overhead centre that booked the
-- cost: the receiver's indirect cost (overheadkostnad) by where it was booked, for the
-- cost trace down to the ledger. The step-down of int_overhead_stepped_down, run
-- forward once more with the origin carried along: source n distributes its own
-- cost (origin n) and what it received from sources 1..n-1 (their origins) by the
-- same shares, so Σ over origins = the receiver's stepped-down overhead.
with recursive

sources as (
    select
        cost_center,
        row_number() over (order by allocation_order, cost_center) as step
    from {{ ref('stg_landing__cost_centers') }}
    where role = 'overhead'
),

cost_types as (
    select distinct cost_type from {{ ref_period('int_production_costs_split') }} where role = 'overhead'
),

shares as (
    select source_cost_center, receiver_cost_center, share
    from {{ ref_period('int_allocation_shares_computed') }}
),

-- balance of every overhead centre by origin after each step (as the step-down's
-- balances, one more dimension): a centre starts with its own cost as its origin
balances (step, cost_center, cost_type, origin_cost_center, amount) as (
    select
        0,
        s.cost_center,
        t.cost_type,
        o.cost_center,
        case when o.cost_center = s.cost_center then cast(coalesce(p.amount, 0) as double) else 0 end
    from sources as s
    cross join cost_types as t
    cross join sources as o
    left join {{ ref_period('int_production_costs_split') }} as p
        on p.cost_center = s.cost_center and p.cost_type = t.cost_type
    union all
    select
        b.step + 1,
        b.cost_center,
        b.cost_type,
        b.origin_cost_center,
        b.amount + coalesce(sh.share, 0)
            * sum(case when b.cost_center = src.cost_center then b.amount end)
                over (partition by b.cost_type, b.origin_cost_center)
    from balances as b
    inner join sources as src on src.step = b.step + 1
    left join shares as sh
        on sh.source_cost_center = src.cost_center and sh.receiver_cost_center = b.cost_center
    where b.step < (select count(*) from sources)
),

distributed as (
    select cost_center, cost_type, origin_cost_center, amount
    from balances
    where step = (select count(*) from sources) and amount <> 0
)

select
    {{ partition_key() }} as partition_key,
    a.receiver_cost_center,
    d.cost_type,
    d.origin_cost_center,
    sum(d.amount * a.share) as amount
from {{ ref_period('int_allocation_shares_computed') }} as a
inner join distributed as d on d.cost_center = a.source_cost_center
where a.share <> 0 and a.receiver_role in ('care', 'service')
group by a.receiver_cost_center, d.cost_type, d.origin_cost_center
