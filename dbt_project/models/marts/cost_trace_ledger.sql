-- Kostnadsspårning, ledger level (spec §3): one row per vårdkontakt × ledger row
-- (huvudbok, month × kostnadsställe × konto) behind its cost, with the contact's part.
-- Attribution is proportional, as the method is: a pool's kostnadsslag is the sum of
-- its centre's ledger rows of that type, a särkostnad the centre's parked rows of its
-- konto, and indirect cost the overhead centres' own rows that the step-down carried
-- into the pool (int_overhead_origins_traced). A view, as cost_trace: `kpp explain
-- --ledger` reads one contact. Σ amount per contact = cost_list.total_cost.
{{ config(materialized='view', meta={'is_published': false}) }}

with origins as (
    select *, sum(amount) over (partition by partition_key, receiver_cost_center) as indirect
    from {{ ref('int_overhead_origins_traced') }}
),

parts as (
    -- direct kostnadsslag of the pool, and särkostnader: booked on the centre itself
    select
        partition_key,
        contact_id,
        cost_center,
        source = 'specific_cost' as is_specific,
        case when source = 'specific_cost' then code end as account,
        case when source <> 'specific_cost' then cost_type end as cost_type,
        amount
    from {{ ref('cost_trace') }}
    where source = 'specific_cost' or cost_type is distinct from 'indirect'
    union all
    -- overhead: booked on the overhead centres it came from
    select
        t.partition_key,
        t.contact_id,
        o.origin_cost_center,
        false,
        null,
        o.cost_type,
        t.amount * o.amount / o.indirect
    from {{ ref('cost_trace') }} as t
    inner join origins as o on o.partition_key = t.partition_key and o.receiver_cost_center = t.cost_center
    where t.source = 'service_event' and t.cost_type = 'indirect' and o.indirect <> 0
),

contact_parts as (
    select partition_key, contact_id, cost_center, is_specific, account, cost_type, sum(amount) as amount
    from parts
    group by all
    having sum(amount) <> 0
),

ledger as (
    select
        partition_key,
        ledger_month,
        cost_center,
        account,
        cost_type,
        coalesce(is_specific, false) as is_specific,
        cast(amount as double) as amount,
        sum(cast(amount as double)) over (
            partition by partition_key, cost_center, coalesce(is_specific, false),
                case when is_specific then account end, case when is_specific then null else cost_type end
        ) as key_total
    from {{ ref('int_ledger_classified') }}
    where classification = 'production'
)

select
    p.partition_key,
    p.contact_id,
    l.ledger_month,
    l.cost_center,
    l.account,
    l.cost_type,
    l.is_specific,
    l.amount as ledger_amount,
    p.amount * l.amount / l.key_total as amount
from contact_parts as p
inner join ledger as l
    on l.partition_key = p.partition_key
    and l.cost_center = p.cost_center
    and l.is_specific = p.is_specific
    and (case when p.is_specific then l.account = p.account else l.cost_type is not distinct from p.cost_type end)
where l.key_total <> 0
