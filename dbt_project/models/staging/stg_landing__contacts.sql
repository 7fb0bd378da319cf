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
    age,
    sex,
    home_region
from {{ source('landing', 'contacts') }}
where partition_key = {{ partition_key() }}
