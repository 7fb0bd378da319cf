-- One row per gate check of the uses (spec §7.4), read by the blocking
-- expectations_uses gate (expectations/uses.json):
--   price_index:<year>   the index of every published year and of the base year exists;
--   price:<partition>:<hospital>   every invoicing hospital's price per point resolves;
--   invoice_classes:<partition>:<hospital>:<buyer>   Σ kpp_cost of the drg, outlier and
--     exception lines = Σ total cost of the buyer's contacts (each contact in exactly one class).
with index_years as (
    select year from {{ ref('stg_published__periods') }}
    union
    select distinct base_year from {{ ref('int_price_index_selected') }}
    union
    select {{ var('price_base_year') if var('price_base_year') is not none else 'null' }}
),

index_checks as (
    select
        'price_index:' || y.year as check_name,
        'price_index' as check_kind,
        1.0 as expected,
        case when i.price_index > 0 then 1.0 else 0.0 end as actual,
        case when i.price_index is null then 'no index for year ' || y.year || ' in price_index.csv'
             when not i.price_index > 0 then 'index of year ' || y.year || ' is not positive' end as detail
    from index_years as y
    left join {{ ref('int_price_index_selected') }} as i using (year)
    where y.year is not null
),

price_checks as (
    select distinct
        'price:' || b.partition_key || ':' || b.hospital as check_name,
        'price' as check_kind,
        1.0 as expected,
        case when p.price_per_point is not null then 1.0 else 0.0 end as actual,
        case when p.price_per_point is null then 'no price per point for ' || b.hospital || ' in ' || b.partition_key
            || ': no reimbursement_prices.csv row, no price of the year before to uplift, no somatic cost per point' end as detail
    from {{ ref('int_reimbursement_buyers_listed') }} as b
    left join {{ ref('int_reimbursement_prices_resolved') }} as p using (partition_key, hospital)
),

contact_totals as (
    select partition_key, hospital, buyer_region, sum(total_cost) as total_cost, count(*) as n_contacts,
           count(*) filter (where invoice_class in ('drg', 'outlier', 'exception')) as n_classed
    from {{ ref('int_uses_contacts_classified') }}
    where is_buyer_contact
    group by partition_key, hospital, buyer_region
),

line_totals as (
    select partition_key, hospital, buyer_region,
           coalesce(sum(kpp_cost) filter (where line in ('drg', 'outlier', 'exception')), 0) as kpp_cost,
           coalesce(sum(contacts) filter (where line in ('drg', 'outlier', 'exception')), 0) as n_contacts
    from {{ ref('invoices') }}
    group by partition_key, hospital, buyer_region
),

class_checks as (
    select
        'invoice_classes:' || partition_key || ':' || hospital || ':' || buyer_region as check_name,
        'invoice_classes' as check_kind,
        coalesce(t.total_cost, 0) as expected,
        coalesce(l.kpp_cost, 0) as actual,
        case when coalesce(l.n_contacts, 0) <> coalesce(t.n_contacts, 0) or coalesce(t.n_classed, 0) <> coalesce(t.n_contacts, 0)
            then coalesce(l.n_contacts, 0) || ' contacts on the lines, ' || coalesce(t.n_contacts, 0) || ' buyer contacts, '
                || coalesce(t.n_classed, 0) || ' of them classed' end as detail
    from line_totals as l
    full join contact_totals as t using (partition_key, hospital, buyer_region)
)

select
    check_name,
    check_kind,
    expected,
    actual,
    actual - expected as difference,
    abs(actual - expected) <= {{ var('tolerance_sek') }} and detail is null as passed,
    detail
from (select * from index_checks union all select * from price_checks union all select * from class_checks)
