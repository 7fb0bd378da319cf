-- One row per accepted in-period service event or specific cost: the contact it
-- is matched to (matchning, spec §2 step 4) or why it is unmatched.
--   rule 1: the given contact_id (unknown_contact if it does not exist; rule 2 is not tried)
--   rule 2a: the patient's inpatient contact with start_ts <= event_ts <= end_ts
--            (latest start, then smallest contact_id); a stay still open at
--            extraction (no end_ts) covers every event from its start
--   rule 2b: the patient's outpatient contact within match_window_days of the event
--            (same cost centre as the orderer first, then nearest, then smallest contact_id)
--   rule 2c: unmatched, no_contact_in_window
-- Rule 2 depends only on (patient, event_ts, ordering_cost_center): it is decided
-- once per distinct key (far fewer than items: a stay's bed days, a visit's lab
-- panel share one) and handed back to every item of the key.
{% set bucket_seconds = [var('match_window_days') | int, 1] | max * 86400 %}
-- `items` is read twice (its keys, its rows): not materialized, DuckDB scans the two small
-- projections again instead of storing every event once more (at region 7 GB, spilled: 25 s)
with items as not materialized (
    select
        'service_event' as source,
        event_id as item_id,
        contact_id,
        patient_pseudonym,
        event_ts,
        cost_center,
        service_code as code,
        quantity,
        cast(null as decimal(38, 10)) as registered_amount,
        ordering_cost_center
    from {{ ref_period('int_service_events_validated') }}
    where reject_reason is null and is_in_period
    union all
    select
        'specific_cost',
        specific_cost_id,
        contact_id,
        patient_pseudonym,
        event_ts,
        cost_center,
        account,
        null,
        amount,
        null
    from {{ ref_period('int_specific_costs_validated') }}
    where reject_reason is null and is_in_period
),

contacts as (
    select contact_id, patient_pseudonym, care_type, cost_center, start_ts, end_ts
    from {{ ref_period('int_contacts_validated') }}
    where reject_reason is null
),

keys as (
    select distinct patient_pseudonym, event_ts, ordering_cost_center
    from items
    where contact_id is null
),

-- Candidate pairs for rules 2a/2b without pairing every event with every contact
-- of its patient: inpatient stays that contain the event, and outpatient contacts
-- found through day buckets (each contact is listed under every bucket of width
-- >= the window that its interval ± the window touches; the event looks up its own
-- bucket). Both sets are supersets of what the filter in by_patient_and_time keeps,
-- and each (item, contact) pair occurs once, so the ranking sees the same rows.
outpatient_buckets as (
    select
        c.*,
        unnest(range(
            cast(floor((epoch(least(c.start_ts, coalesce(c.end_ts, c.start_ts))) - {{ var('match_window_days') }} * 86400) / {{ bucket_seconds }}) as bigint),
            cast(floor((epoch(greatest(c.start_ts, coalesce(c.end_ts, c.start_ts))) + {{ var('match_window_days') }} * 86400) / {{ bucket_seconds }}) as bigint) + 1
        )) as bucket
    from contacts as c
    where c.care_type = 'outpatient'
),

pairs as (
    select k.*, c.contact_id as c_contact_id, c.start_ts as c_start_ts, c.end_ts as c_end_ts, c.cost_center as c_cost_center, c.care_type as c_care_type
    from keys as k
    inner join contacts as c
        on c.patient_pseudonym = k.patient_pseudonym
        and c.care_type = 'inpatient'
        and k.event_ts >= c.start_ts
        and (c.end_ts is null or k.event_ts <= c.end_ts)
    union all
    select k.*, c.contact_id, c.start_ts, c.end_ts, c.cost_center, c.care_type
    from keys as k
    inner join outpatient_buckets as c
        on c.patient_pseudonym = k.patient_pseudonym
        and c.bucket = cast(floor(epoch(k.event_ts) / {{ bucket_seconds }}) as bigint)
),

candidates as (
    select
        patient_pseudonym,
        event_ts,
        ordering_cost_center,
        c_contact_id as contact_id,
        c_start_ts as start_ts,
        c_care_type = 'inpatient'
            and event_ts >= c_start_ts
            and (c_end_ts is null or event_ts <= c_end_ts) as is_inside_stay,
        coalesce(c_cost_center = ordering_cost_center, false) as is_orderer,
        -- an outpatient contact without end_ts is a point in time at start_ts
        case
            when event_ts < c_start_ts then epoch(c_start_ts) - epoch(event_ts)
            when event_ts > coalesce(c_end_ts, c_start_ts) then epoch(event_ts) - epoch(coalesce(c_end_ts, c_start_ts))
            else 0
        end as distance_seconds,
        c_care_type as care_type
    from pairs
    -- neither rule can take a contact that starts after the window
    where c_start_ts <= event_ts + to_days({{ var('match_window_days') }})
),

by_patient_and_time as (
    -- one pass per key: arg_min over the ranking instead of a window sort
    select
        patient_pseudonym,
        event_ts,
        ordering_cost_center,
        arg_min(
            {'contact_id': contact_id, 'match_rule': case when is_inside_stay then '2a' else '2b' end},
            {
                'outside_stay': not is_inside_stay,
                'later_start_first': case when is_inside_stay then -epoch(start_ts) else 0 end,
                'not_orderer': not is_orderer,
                'distance': distance_seconds,
                'contact_id': contact_id
            }
        ) as best
    from candidates
    where is_inside_stay
        or (care_type = 'outpatient' and distance_seconds <= {{ var('match_window_days') }} * 86400)
    group by patient_pseudonym, event_ts, ordering_cost_center
)

select
    {{ partition_key() }} as partition_key,
    i.source,
    i.item_id,
    i.contact_id as given_contact_id,
    i.event_ts,
    i.cost_center,
    i.code,
    i.quantity,
    i.registered_amount,
    i.ordering_cost_center,
    coalesce(b1.contact_id, b2.best.contact_id) as matched_contact_id,
    case when i.contact_id is not null then (case when b1.contact_id is not null then '1' end) else b2.best.match_rule end as match_rule,
    case
        when i.contact_id is not null and b1.contact_id is null then 'unknown_contact'
        when i.contact_id is null and b2.best is null then 'no_contact_in_window'
    end as unmatched_reason
from items as i
-- rule 1: accepted contacts have unique ids (a repeated id is a rejected row), so this
-- join keeps one row per item
left join contacts as b1 on b1.contact_id = i.contact_id
left join by_patient_and_time as b2
    on i.contact_id is null
    and b2.patient_pseudonym = i.patient_pseudonym
    and b2.event_ts = i.event_ts
    and b2.ordering_cost_center is not distinct from i.ordering_cost_center
