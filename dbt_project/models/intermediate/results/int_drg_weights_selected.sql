-- One row per DRG: the national weight list of the period's year (viktlista).
-- A drg_weights.csv delivered with the run replaces the seed's synthetic list.
-- A list with the same DRG twice for the year is ambiguous: the test on drg fails.
with delivered as (
    select drg, drg_year, national_weight, mdc, drg_description, national_outlier_threshold, 'delivered' as weight_source
    from {{ ref('stg_landing__drg_weights') }}
    where drg_year = {{ var('drg_year') }}
),

seeded as (
    select drg, drg_year, national_weight, mdc, drg_description, national_outlier_threshold, 'seed' as weight_source
    from {{ ref('stg_national__drg_weights') }}
    where drg_year = {{ var('drg_year') }} and not exists (select 1 from delivered)
)

select {{ partition_key() }} as partition_key, *
from (select * from delivered union all select * from seeded)
