select
    drg,
    cast(year as integer) as drg_year,
    cast(weight as double) as national_weight,
    mdc,
    description as drg_description
from {{ ref('drg_weight_list') }}
