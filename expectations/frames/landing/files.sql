-- One row per landing file: rows read, accepted and rejected (spec §6: nothing is silently dropped).
with accepted as (
    select 'ledger' as table_name, count(*) as n_rows from landing.ledger where partition_key = $partition_key
    union all
    select 'accounts', count(*) from landing.accounts where partition_key = $partition_key
    union all
    select 'cost_centers', count(*) from landing.cost_centers where partition_key = $partition_key
    union all
    select 'allocation_keys', count(*) from landing.allocation_keys where partition_key = $partition_key
    union all
    select 'service_catalog', count(*) from landing.service_catalog where partition_key = $partition_key
    union all
    select 'hospitals', count(*) from landing.hospitals where partition_key = $partition_key
    union all
    select 'contacts', count(*) from intermediate.int_contacts_validated
    where partition_key = $partition_key and reject_reason is null
    union all
    select 'service_events', count(*) from intermediate.int_service_events_validated
    where partition_key = $partition_key and reject_reason is null
    union all
    select 'specific_costs', count(*) from intermediate.int_specific_costs_validated
    where partition_key = $partition_key and reject_reason is null
),

rejected as (
    select table_name, count(*) as n_rows
    from intermediate.int_rejects_collected
    where partition_key = $partition_key
    group by table_name
)

select
    f.table_name,
    f.file_name,
    f.rows_read,
    coalesce(a.n_rows, 0) + coalesce(r.n_rows, 0) as rows_accounted,
    coalesce(r.n_rows, 0) as rows_rejected,
    coalesce(r.n_rows, 0) / nullif(f.rows_read, 0) as reject_share
from landing.input_files as f
left join accepted as a using (table_name)
left join rejected as r using (table_name)
where f.partition_key = $partition_key
order by f.table_name
