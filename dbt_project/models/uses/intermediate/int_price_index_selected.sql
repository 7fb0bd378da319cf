-- One row per index year: the data root's price_index.csv when it has rows,
-- else the repository's illustrative seed (spec §7.1). is_base_year marks the
-- fixed-price base: var price_base_year, else the earliest year of the index.
with delivered as (
    select year, price_index, 'data_root' as index_source from {{ ref('stg_uses_inputs__price_index') }}
),

seeded as (
    select year, price_index, 'seed' as index_source from {{ ref('stg_national__price_index') }}
    where not exists (select 1 from delivered)
),

selected as (
    select * from delivered union all select * from seeded
)

select
    year,
    price_index,
    index_source,
    year = coalesce({{ var('price_base_year') if var('price_base_year') is not none else 'null' }}, min(year) over ()) as is_base_year,
    coalesce({{ var('price_base_year') if var('price_base_year') is not none else 'null' }}, min(year) over ()) as base_year
from selected
