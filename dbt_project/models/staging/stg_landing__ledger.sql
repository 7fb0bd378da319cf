select
    partition_key,
    source_line,
    month as ledger_month,
    cost_center,
    account,
    amount
from {{ source('landing', 'ledger') }}
where partition_key = {{ partition_key() }}
