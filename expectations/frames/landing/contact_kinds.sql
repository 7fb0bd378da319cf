-- One row per care type × care field delivered in contacts.csv.
select care_type, care_field, count(*) as contacts
from landing.contacts
where partition_key = $partition_key
group by all
order by care_type, care_field
