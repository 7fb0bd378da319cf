-- The data root's agreed prices per DRG point; an empty hospital = every hospital.
select
    cast(year as integer) as year,
    nullif(trim(hospital), '') as hospital,
    cast(price_per_point as double) as price_per_point,
    source_line
from {{ source('uses_inputs', 'reimbursement_prices') }}
