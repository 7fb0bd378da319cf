-- One row per overhead centre × receiver × cost type: the overhead allocated by
-- step-down (stegvis fördelning, spec §2 step 2.3). Source n distributes its own
-- cost plus all it received from sources 1..n-1; cost types are carried along.
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

-- balance of every overhead centre after each step; a centre's balance is
-- final once its own step has come, since later sources never give to it
balances (step, cost_center, cost_type, amount) as (
    select 0, s.cost_center, t.cost_type, cast(coalesce(p.amount, 0) as double)
    from sources as s
    cross join cost_types as t
    left join {{ ref_period('int_production_costs_split') }} as p
        on p.cost_center = s.cost_center and p.cost_type = t.cost_type
    union all
    select
        b.step + 1,
        b.cost_center,
        b.cost_type,
        b.amount + coalesce(sh.share, 0)
            * sum(case when b.cost_center = src.cost_center then b.amount end) over (partition by b.cost_type)
    from balances as b
    inner join sources as src on src.step = b.step + 1
    left join shares as sh
        on sh.source_cost_center = src.cost_center and sh.receiver_cost_center = b.cost_center
    where b.step < (select count(*) from sources)
),

totals as (
    select cost_center, cost_type, amount as distributed_cost
    from balances
    where step = (select count(*) from sources)
)

select
    {{ partition_key() }} as partition_key,
    a.source_cost_center,
    a.receiver_cost_center,
    a.receiver_role,
    a.allocation_key,
    a.key_value,
    a.key_total,
    a.share,
    t.cost_type,
    t.distributed_cost * a.share as amount
from {{ ref_period('int_allocation_shares_computed') }} as a
inner join totals as t on t.cost_center = a.source_cost_center
where a.share <> 0 and t.distributed_cost <> 0
