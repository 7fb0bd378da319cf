-- One row per gate check of the uses (spec §7.4), computed by dbt (uses.int_uses_checks_computed).
select check_kind, check_name, passed, expected, actual, coalesce(detail, '') as detail
from uses.int_uses_checks_computed
order by check_kind, check_name
