-- One row per responsible cost centre: its contacts' shortest stay, and the
-- first few contacts that end before they start (file, line, values, id).
with contacts as (
    select
        coalesce(cost_center, '(none)') as cost_center,
        source_line,
        contact_id,
        start_ts,
        end_ts,
        (epoch(end_ts) - epoch(start_ts)) / 3600 as length_hours
    from {{ ref('stg_landing__contacts') }}
),

file as (
    select file_name from {{ ref('stg_landing__input_files') }} where table_name = 'contacts'
)

select
    {{ partition_key() }} as partition_key,
    cost_center,
    count(*) as contacts,
    min(length_hours) as shortest_stay_hours,
    coalesce(
        (select file_name from file) || ' line '
            || array_to_string(
                (list(
                    source_line || ', column end_ts ' || strftime(end_ts, '%Y-%m-%d %H:%M') || ' < start_ts '
                        || strftime(start_ts, '%Y-%m-%d %H:%M') || ' (' || contact_id || ')'
                    order by source_line
                ) filter (where length_hours < 0))[1:5],
                ', line '
            ),
        ''
    ) as ending_before_start
from contacts
group by cost_center
