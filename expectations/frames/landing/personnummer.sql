-- One row per file with a personnummer column: shares of the numbers delivered
-- (rows without a number left out) by validity flag. Counts only: no number,
-- no pseudonym reaches the gate.
with flags as (
    select 'contacts' as table_name, personnummer_flag from landing.contacts where partition_key = $partition_key
    union all
    select 'service_events', personnummer_flag from landing.service_events where partition_key = $partition_key
    union all
    select 'specific_costs', personnummer_flag from landing.specific_costs where partition_key = $partition_key
)

select
    table_name,
    count(*) filter (where personnummer_flag <> 'missing') as numbers,
    count(*) filter (where personnummer_flag = 'invalid_check_digit')
        / nullif(count(*) filter (where personnummer_flag <> 'missing'), 0) as invalid_check_digit_share,
    count(*) filter (where personnummer_flag = 'reserve')
        / nullif(count(*) filter (where personnummer_flag <> 'missing'), 0) as reserve_share
from flags
group by table_name
order by table_name
