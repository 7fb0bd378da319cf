-- Kostnad per DRG-poäng (spec §7.2): one row per published partition × scope ×
-- grouping × key. Fixed prices (fasta priser) = current × index(base year) ÷ index(Y).
-- change_pct: against the latest published full year before Y (for Y-H1: Y−1),
-- same scope, grouping and keys; empty when that year has no such row.
-- series_*: on full-year rows, RKA's series from the group's first published full
-- year F (empty while Y = F): (cpp_Y ÷ cpp_F − 1) × 100 and that ÷ (Y − F).
with groups as (
    select
        g.*,
        g.cost_per_point_current * b.price_index / i.price_index as cost_per_point_fixed
    from {{ ref('int_productivity_groups_aggregated') }} as g
    left join {{ ref('int_price_index_selected') }} as i on i.year = g.year
    left join {{ ref('int_price_index_selected') }} as b on b.is_base_year
),

previous_full_year as (
    select p.partition_key, max(f.year) as previous_year
    from {{ ref('stg_published__periods') }} as p
    inner join {{ ref('stg_published__periods') }} as f on not f.is_preliminary and f.year < p.year
    group by p.partition_key
),

full_years as (
    select * from groups where not is_preliminary
),

first_full_year as (
    select *
    from full_years
    qualify row_number() over (partition by scope, grouping, hospital_type, hospital, mdc, care_type order by year) = 1
),

compared as (
    select
        g.*,
        (g.cost_per_point_current / prev.cost_per_point_current - 1) * 100 as change_pct,
        (g.cost_per_point_fixed / prev.cost_per_point_fixed - 1) * 100 as change_pct_fixed,
        case when not g.is_preliminary and f.year < g.year then f.year end as series_from_year,
        case when not g.is_preliminary and f.year < g.year then f.cost_per_point_current end as series_cpp_current,
        case when not g.is_preliminary and f.year < g.year then f.cost_per_point_fixed end as series_cpp_fixed
    from groups as g
    left join previous_full_year as py on py.partition_key = g.partition_key
    left join full_years as prev
        on prev.year = py.previous_year
        and prev.scope = g.scope
        and prev.grouping = g.grouping
        and prev.hospital_type is not distinct from g.hospital_type
        and prev.hospital is not distinct from g.hospital
        and prev.mdc is not distinct from g.mdc
        and prev.care_type is not distinct from g.care_type
    left join first_full_year as f
        on f.scope = g.scope
        and f.grouping = g.grouping
        and f.hospital_type is not distinct from g.hospital_type
        and f.hospital is not distinct from g.hospital
        and f.mdc is not distinct from g.mdc
        and f.care_type is not distinct from g.care_type
)

select
    year,
    is_preliminary,
    partition_key as partition,
    scope,
    grouping,
    hospital_type,
    hospital,
    mdc,
    care_type,
    n_inliers,
    inlier_cost,
    drg_points,
    cost_per_point_current,
    cost_per_point_fixed,
    change_pct,
    change_pct_fixed,
    series_from_year,
    (cost_per_point_current / series_cpp_current - 1) * 100 as series_change_pct,
    (cost_per_point_current / series_cpp_current - 1) * 100 / (year - series_from_year) as series_change_pct_per_year,
    (cost_per_point_fixed / series_cpp_fixed - 1) * 100 as series_change_pct_fixed,
    (cost_per_point_fixed / series_cpp_fixed - 1) * 100 / (year - series_from_year) as series_change_pct_fixed_per_year,
    period_order,
    scope_order,
    grouping_order
from compared
