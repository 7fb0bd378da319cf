-- One row per landing check: rows read = rows accepted + rows rejected, per file (spec §6).
with landed as (
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
),

checks as (
    select
        'rows_read:' || f.table_name as check_name,
        f.rows_read as expected,
        coalesce(l.n_rows, 0) + coalesce(r.n_rows, 0) as actual,
        'equal' as comparison,
        'error' as severity,
        coalesce(l.n_rows, 0) || ' accepted, ' || coalesce(r.n_rows, 0) || ' rejected' as detail
    from {{ ref('stg_landing__input_files') }} as f
    left join landed as l using (table_name)
    left join rejected as r using (table_name)
)

{{ select_checks('landing', 'checks') }}
