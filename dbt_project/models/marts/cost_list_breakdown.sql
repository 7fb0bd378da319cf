-- One row per contact × service group × cost type.
-- A view over every period: 1:1 with int_contact_costs_broken_down (72 M rows at region);
-- published (kpp/publish.py copies the period's rows) like the mart tables, without a copy here.
{{ config(materialized='view') }}

select partition_key, contact_id, service_group, cost_type, amount
from {{ ref('int_contact_costs_broken_down') }}
