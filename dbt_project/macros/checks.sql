{#- The common shape of every step's checks (and of reconciliation.csv): one row
    per check with expected, actual, difference and passed. `comparison` says
    how a check passes: equal (to the öre), at_most (a share below its
    threshold), or info (reported, never fails). -#}
{% macro select_checks(step, relation) %}
select
    {{ partition_key() }} as partition_key,
    '{{ step }}' as step,
    check_name,
    cast(expected as double) as expected,
    cast(actual as double) as actual,
    cast(actual as double) - cast(expected as double) as difference,
    case comparison
        when 'equal' then abs(cast(actual as double) - cast(expected as double)) <= {{ var('tolerance_sek') }}
        when 'at_most' then cast(actual as double) <= cast(expected as double)
        else true
    end as passed,
    severity,
    detail
from {{ relation }}
{% endmacro %}
