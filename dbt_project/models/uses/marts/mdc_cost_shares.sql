-- One row per published partition × MDC (spec §7.2.5): each MDC's share (a
-- fraction) of the cost of all evaluated somatic contacts (§3: not spanning the
-- boundary, a DRG, cost > 0; outliers included). A DRG missing from the year's
-- list forms the empty-MDC row. Rank 1 = largest cost, ties by mdc.
with by_mdc as (
    select partition_key, any_value(year) as year, any_value(is_preliminary) as is_preliminary,
           any_value(period_order) as period_order, mdc, count(*) as n_contacts, sum(total_cost) as cost
    from {{ ref('int_uses_contacts_classified') }}
    where is_evaluated and care_field = 'somatic'
    group by partition_key, mdc
)

select
    year,
    is_preliminary,
    partition_key as partition,
    mdc,
    row_number() over (partition by partition_key order by cost desc, mdc nulls last) as rank,
    n_contacts,
    cost,
    cost / sum(cost) over (partition by partition_key) as share,
    period_order
from by_mdc
