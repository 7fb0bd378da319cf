-- Retrospektiva DRG-vikter: one row per DRG × care type with an evaluated contact.
-- retro_weight = mean inlier cost of the row / mean inlier cost of all somatic
-- inpatient inliers. Means as exact sums ÷ counts: identical inputs, identical weights on any thread count.
with base as (
    select {{ exact_sum('total_cost') }} / nullif(count(*), 0) as mean_cost
    from {{ ref_period('int_contacts_outliers_flagged') }}
    where is_inlier and care_type = 'inpatient' and care_field = 'somatic'
)

select
    {{ partition_key() }} as partition_key,
    c.drg,
    c.care_type,
    count(*) as n_contacts,
    count(*) filter (where c.is_inlier) as n_inliers,
    count(*) filter (where c.is_outlier) as n_outliers,
    any_value(c.outlier_threshold) as outlier_threshold,
    {{ exact_sum('c.total_cost', 'c.is_inlier') }} / nullif(count(*) filter (where c.is_inlier), 0) as mean_inlier_cost,
    {{ exact_sum('c.total_cost', 'c.is_inlier') }} / nullif(count(*) filter (where c.is_inlier), 0)
        / nullif(any_value(b.mean_cost), 0) as retro_weight,
    any_value(c.drg_points) as national_weight
from {{ ref_period('int_contacts_outliers_flagged') }} as c
cross join base as b
where c.is_evaluated
group by c.drg, c.care_type
