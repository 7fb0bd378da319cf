-- Jämförelsetrappan (spec §7.2.6, seed 002): one row per published partition ×
-- hospital, and one for all hospitals (hospital empty), over the evaluated
-- somatic inpatient contacts: mean cost, mean inlier cost (all inliers) and
-- inlier cost per point (inliers with a weight), each with its ratio to the
-- all-hospitals value (pooled over the contacts, not a mean of hospitals).
with contacts as (
    select * from {{ ref('int_uses_contacts_classified') }}
    where is_evaluated and care_field = 'somatic' and care_type = 'inpatient'
),

rungs as (
    select
        partition_key,
        any_value(year) as year,
        any_value(is_preliminary) as is_preliminary,
        any_value(period_order) as period_order,
        hospital,
        case when grouping(hospital) = 0 then any_value(hospital_type) end as hospital_type,
        grouping(hospital) = 1 as is_all,
        count(*) as n_contacts,
        avg(total_cost) as mean_cost,
        count(*) filter (where is_inlier) as n_inliers,
        avg(total_cost) filter (where is_inlier) as mean_inlier_cost,
        sum(drg_points) filter (where is_inlier and drg_points is not null) as drg_points,
        sum(total_cost) filter (where is_inlier and drg_points is not null)
            / nullif(sum(drg_points) filter (where is_inlier and drg_points is not null), 0) as cost_per_point
    from contacts
    group by grouping sets ((partition_key, hospital), (partition_key))
)

select
    r.year,
    r.is_preliminary,
    r.partition_key as partition,
    r.hospital,
    r.hospital_type,
    r.n_contacts,
    r.mean_cost,
    r.n_inliers,
    r.mean_inlier_cost,
    r.drg_points,
    r.cost_per_point,
    r.mean_cost / a.mean_cost as mean_cost_ratio,
    r.mean_inlier_cost / a.mean_inlier_cost as mean_inlier_cost_ratio,
    r.cost_per_point / a.cost_per_point as cost_per_point_ratio,
    r.period_order
from rungs as r
inner join rungs as a on a.partition_key = r.partition_key and a.is_all
