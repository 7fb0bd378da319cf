-- Kostnad per patient: one row per patient pseudonym with a costed contact.
select
    {{ partition_key() }} as partition_key,
    patient_pseudonym,
    {{ exact_sum('total_cost') }} as total_cost,
    count(*) as n_contacts
from {{ ref_period('int_contacts_costed') }}
where patient_pseudonym is not null
group by patient_pseudonym
