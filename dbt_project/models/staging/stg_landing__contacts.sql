select
    partition_key,
    source_line,
    contact_id,
    patient_pseudonym,
    personnummer_flag,
    hospital,
    clinic,
    cost_center,
    care_type,
    care_field,
    start_ts,
    end_ts,
    drg,
    primary_diagnosis,
    -- §7.1: whole years at start_ts; empty, not a number, negative or fractional = unknown
    case when try_cast(replace(age, ',', '.') as double) >= 0
              and try_cast(replace(age, ',', '.') as double) = floor(try_cast(replace(age, ',', '.') as double))
         then cast(try_cast(replace(age, ',', '.') as double) as integer) end as age,
    sex,
    home_region
from {{ source('landing', 'contacts') }}
where partition_key = {{ partition_key() }}
