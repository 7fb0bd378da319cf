-- One row per delivered contact row; reject_reason is null for accepted contacts.
-- A row is a duplicate when an earlier line (smaller source_line) has the same
-- contact_id. Only ids that occur more than once are looked up (a small table),
-- instead of numbering every row in a window over the whole delivery.
with repeated_ids as (
    {{ repeated_ids(ref('stg_landing__contacts'), 'contact_id') }}
)

select
    c.*,
    case
        when r.first_line is not null and c.source_line > r.first_line then 'duplicate_contact_id'
    end as reject_reason
from {{ ref('stg_landing__contacts') }} as c
left join repeated_ids as r on r.contact_id is not distinct from c.contact_id
