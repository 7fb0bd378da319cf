select
    drg,
    cast(year as integer) as drg_year,
    cast(weight as double) as national_weight,
    mdc,
    description as drg_description,
    cast(outlier_threshold as double) as national_outlier_threshold
from {{ ref('drg_weight_list') }}
