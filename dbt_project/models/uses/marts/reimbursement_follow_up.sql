-- Uppföljning (spec §7.3.5, as seed 000 reports it): per published partition ×
-- hospital × buyer region (empty = unknown home region: reported, not invoiced)
--   summary      rank 0: contacts, inpatient contacts and kpp_cost (all classes, as
--                the public worked example has them); drg_points and the mean DRG
--                weight per inpatient contact over the classes drg + outlier; the
--                outliers' share of the inpatient contacts and of their cost (all
--                classes); share = the top ten DRGs' share of the points; the
--                invoiced amount (Σ of the four invoice lines);
--   top_drg      ranks 1-10 over drg + outlier contacts: points desc, then drg;
--   top_outlier  ranks 1-5 over outlier contacts: kpp_cost desc, then contact_id,
--                with bed days (vårddagar).
with contacts as (
    select * from {{ ref('int_uses_contacts_classified') }} where is_reimbursement_contact
),

groups as (
    select partition_key, hospital, buyer_region from {{ ref('int_reimbursement_buyers_listed') }}
    union
    select distinct partition_key, hospital, buyer_region from contacts where buyer_region is null
),

priced as (
    select partition_key, hospital, buyer_region, sum(amount) as invoiced_amount
    from {{ ref('invoices') }}
    group by partition_key, hospital, buyer_region
),

-- drg + outlier: the DRG-priced part and its cost outliers
charged as (
    select * from contacts where invoice_class in ('drg', 'outlier')
),

by_drg as (
    select
        partition_key, hospital, buyer_region, drg,
        count(*) as n_contacts,
        sum(drg_points) as drg_points,
        -- a tie in points must not depend on the order of a floating-point sum
        row_number() over (partition by partition_key, hospital, buyer_region order by round(sum(drg_points), 9) desc, drg) as rank
    from charged
    group by partition_key, hospital, buyer_region, drg
),

all_classes as (
    select
        partition_key, hospital, buyer_region,
        count(*) as n_contacts,
        count(*) filter (where care_type = 'inpatient') as n_inpatient,
        sum(total_cost) as kpp_cost,
        sum(total_cost) filter (where care_type = 'inpatient') as inpatient_cost,
        count(*) filter (where care_type = 'inpatient' and invoice_class = 'outlier') as n_inpatient_outliers,
        sum(total_cost) filter (where care_type = 'inpatient' and invoice_class = 'outlier') as inpatient_outlier_cost
    from contacts
    group by partition_key, hospital, buyer_region
),

totals as (
    select g.partition_key, g.hospital, g.buyer_region, a.* exclude (partition_key, hospital, buyer_region)
    from groups as g
    left join all_classes as a
        on a.partition_key = g.partition_key and a.hospital = g.hospital and a.buyer_region is not distinct from g.buyer_region
),

charged_totals as (
    select
        partition_key, hospital, buyer_region,
        sum(drg_points) as drg_points,
        count(*) filter (where care_type = 'inpatient') as n_inpatient_charged,
        sum(drg_points) filter (where care_type = 'inpatient') as inpatient_points
    from charged
    group by partition_key, hospital, buyer_region
),

top_points as (
    select partition_key, hospital, buyer_region, sum(drg_points) as top_points
    from by_drg where rank <= 10
    group by partition_key, hospital, buyer_region
),

summary as (
    select
        t.partition_key, t.hospital, t.buyer_region,
        'summary' as section, 0 as rank,
        cast(null as varchar) as drg, cast(null as varchar) as contact_id, cast(null as varchar) as clinic,
        coalesce(t.n_contacts, 0) as contacts,
        coalesce(t.n_inpatient, 0) as inpatient_contacts,
        coalesce(ct.drg_points, 0) as drg_points,
        ct.inpatient_points / nullif(ct.n_inpatient_charged, 0) as mean_drg_weight_inpatient,
        coalesce(t.kpp_cost, 0) as kpp_cost,
        t.n_inpatient_outliers / nullif(t.n_inpatient, 0) as outlier_share_contacts,
        coalesce(t.inpatient_outlier_cost, 0) / nullif(t.inpatient_cost, 0) as outlier_share_cost,
        tp.top_points / nullif(ct.drg_points, 0) as share,
        cast(null as double) as bed_days,
        case when t.buyer_region is not null then coalesce(p.invoiced_amount, 0) end as invoiced_amount
    from totals as t
    left join charged_totals as ct
        on ct.partition_key = t.partition_key and ct.hospital = t.hospital and ct.buyer_region is not distinct from t.buyer_region
    left join top_points as tp
        on tp.partition_key = t.partition_key and tp.hospital = t.hospital and tp.buyer_region is not distinct from t.buyer_region
    left join priced as p
        on p.partition_key = t.partition_key and p.hospital = t.hospital and p.buyer_region = t.buyer_region
),

top_drg as (
    select
        d.partition_key, d.hospital, d.buyer_region,
        'top_drg' as section, d.rank,
        d.drg, null as contact_id, null as clinic,
        d.n_contacts as contacts,
        null as inpatient_contacts,
        d.drg_points,
        null as mean_drg_weight_inpatient,
        null as kpp_cost,
        null as outlier_share_contacts,
        null as outlier_share_cost,
        d.drg_points / nullif(ct.drg_points, 0) as share,
        null as bed_days,
        null as invoiced_amount
    from by_drg as d
    inner join charged_totals as ct
        on ct.partition_key = d.partition_key and ct.hospital = d.hospital and ct.buyer_region is not distinct from d.buyer_region
    where d.rank <= 10
),

top_outlier as (
    select
        partition_key, hospital, buyer_region,
        'top_outlier' as section,
        row_number() over (partition by partition_key, hospital, buyer_region order by total_cost desc, contact_id) as rank,
        drg, contact_id, clinic,
        null as contacts, null as inpatient_contacts, null as drg_points, null as mean_drg_weight_inpatient,
        total_cost as kpp_cost,
        null as outlier_share_contacts, null as outlier_share_cost, null as share,
        bed_days,
        null as invoiced_amount
    from contacts
    where invoice_class = 'outlier'
    qualify rank <= 5
),

sections as (
    select * from summary
    union all by name
    select * from top_drg
    union all by name
    select * from top_outlier
)

select
    p.year,
    p.is_preliminary,
    s.partition_key as partition,
    s.hospital,
    s.buyer_region,
    s.section,
    s.rank,
    s.drg,
    s.contact_id,
    s.clinic,
    s.contacts,
    s.inpatient_contacts,
    s.drg_points,
    s.mean_drg_weight_inpatient,
    s.kpp_cost,
    s.outlier_share_contacts,
    s.outlier_share_cost,
    s.share,
    s.bed_days,
    s.invoiced_amount,
    p.period_order,
    case s.section when 'summary' then 1 when 'top_drg' then 2 else 3 end as section_order,
    s.partition_key
from sections as s
inner join {{ ref('stg_published__periods') }} as p using (partition_key)
