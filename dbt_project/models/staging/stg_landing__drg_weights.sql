select
    partition_key,
    drg,
    cast(year as integer) as drg_year,
    cast(weight as double) as national_weight,
    mdc,
    description as drg_description,
    -- kostnadsytterfallsgräns (spec §7.1), SEK; empty = none
    cast(nullif(trim(outlier_threshold), '') as double) as national_outlier_threshold
from {{ source('landing', 'drg_weights') }}
where partition_key = {{ partition_key() }}
