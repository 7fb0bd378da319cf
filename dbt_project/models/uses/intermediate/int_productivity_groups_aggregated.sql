-- One row per published partition × scope × grouping × key with Σ points > 0
-- (spec §7.2.1-3): the §3 inliers whose DRG has a national weight for the
-- partition's year, in current prices (löpande priser).
--   scopes: somatic; psychiatric, split into psychiatric_child (age < 18, BUP)
--     and psychiatric_adult (age ≥ 18; unknown age only in psychiatric).
--   groupings: all, hospital_type, hospital, hospital_type_mdc, care_type.
{%- set groupings = {
    'all': [],
    'hospital_type': ['hospital_type'],
    'hospital': ['hospital'],
    'hospital_type_mdc': ['hospital_type', 'mdc'],
    'care_type': ['care_type'],
} %}
{%- set keys = ['hospital_type', 'hospital', 'mdc', 'care_type'] %}
with scoped as (
    select c.*, s.scope, s.scope_order
    from {{ ref('int_uses_contacts_classified') }} as c
    inner join (values ('somatic', 1), ('psychiatric', 2), ('psychiatric_child', 3), ('psychiatric_adult', 4)) as s (scope, scope_order)
        on (s.scope = 'somatic' and c.care_field = 'somatic')
        or (s.scope = 'psychiatric' and c.care_field = 'psychiatric')
        or (s.scope = 'psychiatric_child' and c.care_field = 'psychiatric' and c.age < 18)
        or (s.scope = 'psychiatric_adult' and c.care_field = 'psychiatric' and c.age >= 18)
    where c.is_inlier and c.drg_points is not null
),

grouped as (
    {%- for grouping, columns in groupings.items() %}
    select
        partition_key,
        any_value(year) as year,
        any_value(is_preliminary) as is_preliminary,
        any_value(period_order) as period_order,
        scope,
        any_value(scope_order) as scope_order,
        '{{ grouping }}' as grouping,
        {{ loop.index }} as grouping_order,
        {%- for key in keys %}
        {{ key if key in columns else 'cast(null as varchar)' }} as {{ key }},
        {%- endfor %}
        count(*) as n_inliers,
        sum(total_cost) as inlier_cost,
        sum(drg_points) as drg_points
    from scoped
    group by partition_key, scope{% for c in columns %}, {{ c }}{% endfor %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select *, inlier_cost / drg_points as cost_per_point_current
from grouped
where drg_points > 0
