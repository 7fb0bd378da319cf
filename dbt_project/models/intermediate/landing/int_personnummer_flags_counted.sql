-- One row per file with a personnummer column: shares of the numbers delivered
-- (rows without a number left out) by validity flag. Counts only: no number,
-- no pseudonym reaches the landing gate.
with flags as (
    select 'contacts' as table_name, personnummer_flag from {{ ref('stg_landing__contacts') }}
    union all
    select 'service_events', personnummer_flag from {{ ref('stg_landing__service_events') }}
    union all
    select 'specific_costs', personnummer_flag from {{ ref('stg_landing__specific_costs') }}
)

select
    {{ partition_key() }} as partition_key,
    table_name,
    count(*) filter (where personnummer_flag <> 'missing') as numbers,
    count(*) filter (where personnummer_flag = 'invalid_check_digit')
        / nullif(count(*) filter (where personnummer_flag <> 'missing'), 0) as invalid_check_digit_share,
    count(*) filter (where personnummer_flag = 'reserve')
        / nullif(count(*) filter (where personnummer_flag <> 'missing'), 0) as reserve_share
from flags
group by table_name
