-- Avstämning of the uses (spec §7.4): one row per gate check, what exports/uses/reconciliation.csv,
-- the uses' workbook and report show. A view of the checks model the gate expectations_uses
-- validated, so Python reads a mart, not the intermediate model.
{{ config(materialized='view') }}

select * from {{ ref('int_uses_checks_computed') }}
