-- One row per responsible cost centre of the costed contacts: the lowest
-- contact cost, and the first few contacts with a negative cost (the step-4
-- gate stops on them).
select
    {{ partition_key() }} as partition_key,
    coalesce(cost_center, '(none)') as cost_center,
    count(*) as contacts,
    min(total_cost) as lowest_contact_cost,
    coalesce(
        array_to_string((list(contact_id order by total_cost) filter (where total_cost < 0))[1:5], ', '),
        ''
    ) as negative_contacts
from {{ ref_period('int_contacts_costed') }}
group by all
