-- One row per published partition × contact of the kostnadslista, with what
-- the uses need (spec §7): the period, the hospital's type and region, the
-- evaluated flag of §3, the buyer region and the invoice class.
--   buyer_region: home_region when not empty and not the hospital's region.
--   is_reimbursement_contact: a buyer contact or one with an unknown home
--     region at a hospital with a region (reported in the follow-up).
--   invoice_class, first match wins (spec §7.3.1): exception (spans the
--     boundary, psychiatric, exception DRG or clinic, no weight for its DRG),
--     outlier (above the national limit where the DRG has one, else §3's
--     is_outlier), drg.
with contacts as (
    select
        c.*,
        p.year,
        p.is_preliminary,
        p.period_order,
        coalesce(h.hospital_type, 'unknown') as hospital_type,
        h.region as hospital_region,
        not c.spans_period_boundary and c.drg is not null and c.total_cost > 0 as is_evaluated
    from {{ ref('stg_published__cost_list') }} as c
    inner join {{ ref('stg_published__periods') }} as p using (partition_key)
    left join {{ ref('stg_published__hospitals') }} as h using (partition_key, hospital)
),

flagged as (
    select
        *,
        hospital_region is not null and home_region is not null and home_region <> hospital_region as is_buyer_contact,
        hospital_region is not null and (home_region is null or home_region <> hospital_region) as is_reimbursement_contact
    from contacts
)

select
    *,
    case when is_buyer_contact then home_region end as buyer_region,
    case
        when not is_reimbursement_contact then null
        when spans_period_boundary
            or care_field = 'psychiatric'
            or list_contains({{ text_list(var('exception_drgs')) }}, drg)
            or list_contains({{ text_list(var('exception_clinics')) }}, clinic)
            or drg_points is null
            then 'exception'
        when national_outlier_threshold is not null then
            case when total_cost > national_outlier_threshold then 'outlier' else 'drg' end
        when is_outlier then 'outlier'
        else 'drg'
    end as invoice_class
from flagged
