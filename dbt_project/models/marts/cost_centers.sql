-- Kostnadsställen: one row per cost centre of the delivery, with its name, so every result that
-- shows a cost centre can show its name too (the workbook).
select
    partition_key,
    cost_center,
    cost_center_name,
    hospital,
    clinic,
    role
from {{ ref('stg_landing__cost_centers') }}
where cost_center is not null
-- a repeated code is rejected by the landing gate; the first row names it here
qualify row_number() over (partition by cost_center order by source_line) = 1
