-- One row per hospital × clinic × care type with a costed contact: contacts, cost,
-- outliers (ytterfall) and their cost, beside the kostnad per DRG-poäng of the
-- clinic's inliers (the workbook's sheet "Kostnad per klinik").
with contacts as (
    select
        hospital,
        clinic,
        care_type,
        count(*) as n_contacts,
        {{ exact_sum('total_cost') }} as total_cost,
        count(*) filter (where is_outlier) as n_outliers,
        coalesce({{ exact_sum('total_cost', 'is_outlier') }}, 0) as outlier_cost
    from {{ ref_period('int_contacts_outliers_flagged') }}
    group by hospital, clinic, care_type
)

select
    {{ partition_key() }} as partition_key,
    c.*,
    p.inlier_cost,
    p.drg_points,
    p.cost_per_point
from contacts as c
left join {{ ref_period('cost_per_drg_point') }} as p
    on p.hospital is not distinct from c.hospital
    and p.clinic is not distinct from c.clinic
    and p.care_type = c.care_type
