-- The chart of accounts (kontoplan) as delivered, with whether its cost type is a national one.
select
    a.source_line,
    a.account,
    a.account_class,
    a.exclusion,
    a.cost_type,
    a.cost_type in (select cost_type from national.cost_types) as is_known_cost_type
from landing.accounts as a
where a.partition_key = $partition_key
order by a.source_line
