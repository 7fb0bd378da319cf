-- One row per care/service centre × kostnadsslag × overhead centre that booked the
-- cost: the receiver's indirect cost (overheadkostnad) by where it was booked, for the
-- cost trace down to the ledger. The step-down of int_overhead_stepped_down carried
-- forward with each cost's origin: an overhead centre passes on its own cost and what it
-- received from earlier centres in the same shares, whatever the kostnadsslag, so the
-- part of origin O's own cost that centre S distributes is carry(O, S) =
-- Σ over step-down paths O → … → S of the product of the shares, i.e. (I − A)⁻¹ for A
-- the shares among overhead centres. A gives only to strictly later centres (Aⁿ = 0), so
-- (I − A)⁻¹ = (I + A)(I + A²)(I + A⁴)…: log₂(n) rounds of two products, not n steps over
-- n × n balances (319 overhead centres at region scale).
with recursive

sources as (
    select cost_center from {{ ref('stg_landing__cost_centers') }} where role = 'overhead'
),

shares as (
    select source_cost_center, receiver_cost_center, receiver_role, share
    from {{ ref_period('int_allocation_shares_computed') }}
    where share <> 0
),

-- round r: `carry` = I + A + … + A^(2^r − 1), `power` = A^(2^r)
doubling (round, kind, from_cc, to_cc, value) as (
    select 0, 'carry', cost_center, cost_center, cast(1 as double) from sources
    union all
    select 0, 'power', source_cost_center, receiver_cost_center, share from shares where receiver_role = 'overhead'
    union all
    select any_value(round) + 1, kind, from_cc, to_cc, sum(value)
    from (
        select round, kind, from_cc, to_cc, value from doubling where kind = 'carry'
        union all
        select m.round, 'carry', m.from_cc, p.to_cc, m.value * p.value
        from doubling as m
        inner join doubling as p on p.from_cc = m.to_cc
        where m.kind = 'carry' and p.kind = 'power'
        union all
        select p.round, 'power', p.from_cc, q.to_cc, p.value * q.value
        from doubling as p
        inner join doubling as q on q.from_cc = p.to_cc
        where p.kind = 'power' and q.kind = 'power'
    ) as terms
    where round < (select ceil(log2(greatest(count(*), 2))) from sources)
    group by kind, from_cc, to_cc
),

carry as (
    select from_cc as origin_cost_center, to_cc as cost_center, value as carried
    from doubling
    where kind = 'carry' and round = (select max(round) from doubling)
),

-- the part of each origin's own cost that ends in each care or service centre
reach as (
    select c.origin_cost_center, s.receiver_cost_center, sum(c.carried * s.share) as reached
    from carry as c
    inner join shares as s on s.source_cost_center = c.cost_center
    where s.receiver_role in ('care', 'service')
    group by c.origin_cost_center, s.receiver_cost_center
)

select
    {{ partition_key() }} as partition_key,
    r.receiver_cost_center,
    p.cost_type,
    r.origin_cost_center,
    cast(p.amount as double) * r.reached as amount
from reach as r
inner join {{ ref_period('int_production_costs_split') }} as p on p.cost_center = r.origin_cost_center
where p.role = 'overhead' and p.amount <> 0
