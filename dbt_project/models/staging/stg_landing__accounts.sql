select
    partition_key,
    source_line,
    account,
    name as account_name,
    account_class,
    cost_type,
    exclusion as exclusion_category,
    specific as is_specific
from {{ source('landing', 'accounts') }}
where partition_key = {{ partition_key() }}
