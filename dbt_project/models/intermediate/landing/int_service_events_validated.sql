-- One row per delivered event row; reject_reason is null for accepted events (spec §2, rejects).
-- A row is a duplicate when an earlier line has the same event_id; only ids that
-- occur more than once are looked up (no window over the whole delivery).
with repeated_ids as (
    {{ repeated_ids(ref('stg_landing__service_events'), 'event_id') }}
),

events as (
    select
        e.*,
        case when r.first_line is not null and e.source_line > r.first_line then 2 else 1 end as occurrence,
        s.service_code is not null as is_known_service,
        coalesce(g.max_quantity, {{ var('max_quantity_default') }}) as max_quantity
    from {{ ref('stg_landing__service_events') }} as e
    left join repeated_ids as r on r.event_id is not distinct from e.event_id
    left join {{ ref('stg_landing__service_catalog') }} as s
        on s.cost_center = e.cost_center and s.service_code = e.service_code
    left join {{ ref('service_groups') }} as g on g.service_group = s.service_group
)

select
    * exclude (occurrence, is_known_service, max_quantity),
    {{ in_period('event_ts') }} as is_in_period,
    case
        when occurrence > 1 then 'duplicate_event_id'
        when not is_known_service then 'unknown_service'
        when quantity <= 0 then 'non_positive_quantity'
        when quantity > max_quantity then 'implausible_quantity'
        when contact_id is null and patient_pseudonym is null then 'no_patient_identifier'
    end as reject_reason
from events
