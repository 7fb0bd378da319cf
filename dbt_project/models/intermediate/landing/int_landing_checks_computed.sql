-- One row per landing check: rows read = rows accepted + rows rejected, per file (spec §6).
with checks as (
    select
        'rows_read:' || table_name as check_name,
        rows_read as expected,
        rows_accounted as actual,
        'equal' as comparison,
        'error' as severity,
        rows_accepted || ' accepted, ' || rows_rejected || ' rejected' as detail
    from {{ ref_period('int_input_files_reconciled') }}
)

{{ select_checks('landing', 'checks') }}
