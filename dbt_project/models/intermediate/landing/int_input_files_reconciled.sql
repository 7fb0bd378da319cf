-- One row per landing file: rows read, accepted and rejected (spec §6: nothing is silently dropped).
-- The landing checks (rows_read:<table>) and the landing gate's reject share read these counts.
with accepted as (
    {% for table in ['ledger', 'accounts', 'cost_centers', 'allocation_keys', 'service_catalog', 'hospitals'] %}
    select '{{ table }}' as table_name, count(*) as n_rows from {{ ref('stg_landing__' ~ table) }}
    union all
    {% endfor %}
    select 'contacts', count(*) from {{ ref_period('int_contacts_validated') }} where reject_reason is null
    union all
    select 'service_events', count(*) from {{ ref_period('int_service_events_validated') }} where reject_reason is null
    union all
    select 'specific_costs', count(*) from {{ ref_period('int_specific_costs_validated') }} where reject_reason is null
),

rejected as (
    select table_name, count(*) as n_rows from {{ ref_period('int_rejects_collected') }} group by table_name
)

select
    f.partition_key,
    f.table_name,
    f.file_name,
    f.rows_read,
    coalesce(a.n_rows, 0) as rows_accepted,
    coalesce(r.n_rows, 0) as rows_rejected,
    coalesce(a.n_rows, 0) + coalesce(r.n_rows, 0) as rows_accounted,
    coalesce(r.n_rows, 0) / nullif(f.rows_read, 0) as reject_share
from {{ ref('stg_landing__input_files') }} as f
left join accepted as a using (table_name)
left join rejected as r using (table_name)
