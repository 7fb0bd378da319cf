-- One row per line of the chart of accounts (kontoplan) as delivered, with whether
-- its cost type is a national one (seed cost_types).
select
    partition_key,
    source_line,
    account,
    account_class,
    exclusion_category as exclusion,
    cost_type,
    cost_type in (select cost_type from {{ ref('cost_types') }}) as is_known_cost_type
from {{ ref('stg_landing__accounts') }}
