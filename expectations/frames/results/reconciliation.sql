-- One row per check of every step (avstämning, reconciliation.csv).
select step, "check", severity, passed, expected, actual, coalesce(detail, '') as detail
from marts.reconciliation
where partition_key = $partition_key
order by check_order
