-- One row per contact in the cost list with its outlier status (ytterfall) and
-- DRG points. Evaluated contacts: not spanning the period boundary, with a DRG
-- and a cost > 0. Per (care_type, drg) group of at least outlier_min_group_size
-- evaluated contacts, the threshold is the continuous 95th (inpatient) or 97th
-- (outpatient) percentile; a contact above it (strictly) is an outlier. The
-- other evaluated contacts are inliers (innerfall).
with contacts as (
    select
        *,
        not spans_period_boundary and drg is not null and total_cost > 0 as is_evaluated
    from {{ ref_period('int_contacts_costed') }}
),

groups as (
    select
        care_type,
        drg,
        count(*) as n_evaluated,
        case
            when count(*) >= {{ var('outlier_min_group_size') }} then
                case care_type
                    when 'inpatient' then quantile_cont(total_cost, {{ var('outlier_percentile_inpatient') }})
                    else quantile_cont(total_cost, {{ var('outlier_percentile_outpatient') }})
                end
        end as outlier_threshold
    from contacts
    where is_evaluated
    group by care_type, drg
)

select
    c.*,
    g.outlier_threshold,
    coalesce(c.is_evaluated and c.total_cost > g.outlier_threshold, false) as is_outlier,
    coalesce(c.is_evaluated and not (c.total_cost > g.outlier_threshold), c.is_evaluated) as is_inlier,
    w.national_weight as drg_points,
    w.mdc,
    w.national_outlier_threshold
from contacts as c
left join groups as g on c.is_evaluated and g.care_type = c.care_type and g.drg = c.drg
left join {{ ref_period('int_drg_weights_selected') }} as w on w.drg = c.drg
