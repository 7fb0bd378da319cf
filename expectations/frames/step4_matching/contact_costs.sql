-- One row per responsible cost centre of the costed contacts: the lowest
-- contact cost, and the first few contacts with a negative cost.
select
    coalesce(cost_center, '(none)') as cost_center,
    count(*) as contacts,
    min(total_cost) as lowest_contact_cost,
    coalesce(
        array_to_string((list(contact_id order by total_cost) filter (where total_cost < 0))[1:5], ', '),
        ''
    ) as negative_contacts
from intermediate.int_contacts_costed
where partition_key = $partition_key
group by all
order by 1
