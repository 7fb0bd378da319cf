-- One row per care type × care field delivered in contacts.csv, with its contacts.
select {{ partition_key() }} as partition_key, care_type, care_field, count(*) as contacts
from {{ ref('stg_landing__contacts') }}
group by all
