{#- The gate of a step: every error-severity check of its checks model passed.
    Failing rows name the check, the numbers and the offending values. -#}
{% test all_checks_passed(model) %}
select check_name, expected, actual, difference, detail
from {{ model }}
where partition_key = '{{ var("partition_key") }}' and not passed and severity = 'error'
{% endtest %}
