-- One row per published partition × hospital: the price per DRG point
-- (spec §7.3.3), resolved in this order:
--   file      the reimbursement_prices.csv row (year, hospital), else (year, every hospital);
--   uplift    price of the year before (resolved by these same rules) × uplift_Y, with
--             uplift_Y = w · cpp_{Y−1} ÷ cpp_{Y−2} + (1 − w) · index_Y ÷ index_{Y−1}
--             (cpp: the hospital's somatic `hospital` row of productivity, current
--             prices, full years only; with one term missing the other alone);
--   self_cost the hospital's own somatic cost per point of the partition (självkostnad).
-- No rounding. A temp KPP (Y-H1) takes price_Y; only its självkostnad is its own.
-- The chain runs over years: a year's own price (for the year after) is that of its
-- full-year partition, or of its temp KPP while the full year is not published.
{%- set w = var('uplift_retro_weight') %}
with recursive partitions as (
    select p.partition_key, p.year, p.is_preliminary, p.period_order, h.hospital
    from {{ ref('stg_published__periods') }} as p
    inner join {{ ref('stg_published__hospitals') }} as h using (partition_key)
),

self_cost as (
    select partition_key, hospital, cost_per_point_current as somatic_cost_per_point
    from {{ ref('int_productivity_groups_aggregated') }}
    where scope = 'somatic' and grouping = 'hospital'
),

full_year_cpp as (
    select s.hospital, p.year, s.somatic_cost_per_point
    from self_cost as s
    inner join {{ ref('stg_published__periods') }} as p using (partition_key)
    where not p.is_preliminary
),

price_index as (
    select year, price_index from {{ ref('int_price_index_selected') }}
),

file_prices as (
    select year, hospital, price_per_point from {{ ref('stg_uses_inputs__reimbursement_prices') }}
),

hospitals as (
    select distinct hospital from partitions
),

years as (
    select range as year
    from range(
        (select least(min(year), (select min(year) from file_prices)) from partitions),
        (select max(year) + 1 from partitions)
    )
),

-- per hospital and year: what the rules need, except the price of the year before
terms as (
    select
        h.hospital,
        y.year,
        coalesce(
            (select f.price_per_point from file_prices as f where f.year = y.year and f.hospital = h.hospital),
            (select f.price_per_point from file_prices as f where f.year = y.year and f.hospital is null)
        ) as file_price,
        c1.somatic_cost_per_point / c2.somatic_cost_per_point as retro_term,
        i0.price_index / i1.price_index as index_term,
        -- the year's own självkostnad for the chain: full year, else its temp KPP
        (select s.somatic_cost_per_point
         from partitions as p inner join self_cost as s using (partition_key, hospital)
         where p.hospital = h.hospital and p.year = y.year
         order by p.period_order desc limit 1) as year_self_cost
    from hospitals as h
    cross join years as y
    left join full_year_cpp as c1 on c1.hospital = h.hospital and c1.year = y.year - 1
    left join full_year_cpp as c2 on c2.hospital = h.hospital and c2.year = y.year - 2
    left join price_index as i0 on i0.year = y.year
    left join price_index as i1 on i1.year = y.year - 1
),

uplifts as (
    select
        *,
        case
            when retro_term is not null and index_term is not null
                then {{ w }} * retro_term + (1 - {{ w }}) * index_term
            else coalesce(retro_term, index_term)
        end as uplift
    from terms
),

chain as (
    select hospital, year, coalesce(file_price, year_self_cost) as year_price
    from uplifts
    where year = (select min(year) from years)
    union all
    select u.hospital, u.year, coalesce(u.file_price, c.year_price * u.uplift, u.year_self_cost)
    from chain as c
    inner join uplifts as u on u.hospital = c.hospital and u.year = c.year + 1
),

resolved as (
    select
        p.partition_key,
        p.year,
        p.is_preliminary,
        p.period_order,
        p.hospital,
        u.file_price,
        prev.year_price * u.uplift as uplifted_price,
        u.uplift,
        u.retro_term,
        u.index_term,
        s.somatic_cost_per_point
    from partitions as p
    left join uplifts as u on u.hospital = p.hospital and u.year = p.year
    left join chain as prev on prev.hospital = p.hospital and prev.year = p.year - 1
    left join self_cost as s on s.partition_key = p.partition_key and s.hospital = p.hospital
)

select
    partition_key,
    year,
    is_preliminary,
    period_order,
    hospital,
    coalesce(file_price, uplifted_price, somatic_cost_per_point) as price_per_point,
    case
        when file_price is not null then 'file'
        when uplifted_price is not null then 'uplift'
        when somatic_cost_per_point is not null then 'self_cost'
    end as price_source,
    case when file_price is null and uplifted_price is not null then uplift end as uplift,
    case when file_price is null and uplifted_price is not null then retro_term end as retro_term,
    case when file_price is null and uplifted_price is not null then index_term end as index_term,
    somatic_cost_per_point
from resolved
