-- Kostnad per DRG-poäng per MDC: one row per hospital × clinic × care type × MDC.
select
    {{ partition_key() }} as partition_key,
    hospital,
    clinic,
    care_type,
    mdc,
    {{ exact_sum('total_cost') }} as inlier_cost,
    {{ exact_sum('drg_points') }} as drg_points,
    count(*) as n_contacts,
    {{ exact_sum('total_cost') }} / nullif({{ exact_sum('drg_points') }}, 0) as cost_per_point
from {{ ref_period('int_contacts_outliers_flagged') }}
where is_inlier and drg_points is not null
group by hospital, clinic, care_type, mdc
