-- One row per delivered contact row; reject_reason is null for accepted contacts.
select
    *,
    case
        when row_number() over (partition by contact_id order by source_line) > 1 then 'duplicate_contact_id'
    end as reject_reason
from {{ ref('stg_landing__contacts') }}
