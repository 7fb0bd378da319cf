-- One row per published partition: its year and whether it is a temp KPP
-- (is_preliminary), in the order Y−1, Y-H1, Y (period_order).
select
    partition_key,
    cast(left(partition_key, 4) as integer) as year,
    partition_key like '%-H1' as is_preliminary,
    cast(left(partition_key, 4) as integer) * 2 + case when partition_key like '%-H1' then 0 else 1 end as period_order
from {{ source('published', 'publications') }}
where regexp_full_match(partition_key, '[0-9]{4}(-H1)?')
