-- Utomlänsfaktura (spec §7.3.2-4): four lines per published partition ×
-- hospital × buyer region, always:
--   drg            price_Y × (s × base_points + (1 − s) × points_Y), s = subscription_share
--                  (abonnemang + rörlig DRG-ersättning; a temp KPP takes s × base_points ÷ 2);
--                  kpp_cost = Σ total cost of the `drg` contacts;
--   sardebitering  the scaled specific costs (dyra läkemedel, implantat) of the `drg`
--                  contacts; contacts = those with one;
--   outlier, exception  amount = kpp_cost = Σ total cost ("faktisk kostnad enl KPP").
{%- set s = var('subscription_share') %}
with buyers as (
    select * from {{ ref('int_reimbursement_buyers_listed') }}
),

classes as (
    select
        partition_key,
        hospital,
        buyer_region,
        invoice_class,
        count(*) as n_contacts,
        sum(total_cost) as total_cost,
        count(*) filter (where specific_cost > 0) as n_specific,
        sum(specific_cost) as specific_cost
    from {{ ref('int_uses_contacts_classified') }}
    where is_buyer_contact
    group by partition_key, hospital, buyer_region, invoice_class
),

lines as (
    select * from (values ('drg', 1), ('sardebitering', 2), ('outlier', 3), ('exception', 4)) as l (line, line_order)
),

priced as (
    select b.*, p.price_per_point
    from buyers as b
    left join {{ ref('int_reimbursement_prices_resolved') }} as p using (partition_key, hospital)
)

select
    b.year,
    b.is_preliminary,
    b.partition_key as partition,
    b.hospital,
    b.buyer_region,
    l.line,
    case l.line when 'sardebitering' then coalesce(c.n_specific, 0) else coalesce(c.n_contacts, 0) end as contacts,
    case when l.line = 'drg' then b.points_y end as drg_points,
    case when l.line = 'drg' then b.base_points end as base_points,
    case when l.line = 'drg' then b.price_per_point end as price_per_point,
    case l.line
        when 'drg' then b.price_per_point * (
            {{ s }} * b.base_points * case when b.is_preliminary then 0.5 else 1 end
            + (1 - {{ s }}) * b.points_y)
        when 'sardebitering' then coalesce(c.specific_cost, 0)
        else coalesce(c.total_cost, 0)
    end as amount,
    case when l.line <> 'sardebitering' then coalesce(c.total_cost, 0) end as kpp_cost,
    b.period_order,
    l.line_order,
    b.partition_key
from priced as b
cross join lines as l
left join classes as c
    on c.partition_key = b.partition_key
    and c.hospital = b.hospital
    and c.buyer_region = b.buyer_region
    and c.invoice_class = case l.line when 'sardebitering' then 'drg' else l.line end
