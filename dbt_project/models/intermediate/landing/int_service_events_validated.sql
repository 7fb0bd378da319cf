-- One row per delivered event row; reject_reason is null for accepted events (spec §2, rejects).
with events as (
    select
        e.*,
        row_number() over (partition by e.event_id order by e.source_line) as occurrence,
        s.service_code is not null as is_known_service
    from {{ ref('stg_landing__service_events') }} as e
    left join {{ ref('stg_landing__service_catalog') }} as s
        on s.cost_center = e.cost_center and s.service_code = e.service_code
)

select
    * exclude (occurrence, is_known_service),
    {{ in_period('event_ts') }} as is_in_period,
    case
        when occurrence > 1 then 'duplicate_event_id'
        when not is_known_service then 'unknown_service'
        when quantity <= 0 then 'non_positive_quantity'
        when contact_id is null and patient_pseudonym is null then 'no_patient_identifier'
    end as reject_reason
from events
