{#- Σ column per key = the key's total in another model of the same period, to
    the öre, with the same keys on both sides. Failing rows name the key and
    both sums. -#}
{% test sums_to(model, column_name, key, to, field) %}
with ours as (
    select {{ key }} as k, sum({{ column_name }}) as total from {{ model }} group by 1
),

theirs as (
    select {{ key }} as k, {{ field }} as total from {{ to }} where partition_key = '{{ var("partition_key") }}'
)

select coalesce(ours.k, theirs.k) as {{ key }}, ours.total as summed, theirs.total as expected
from ours
full outer join theirs on ours.k = theirs.k
where ours.k is null or theirs.k is null or abs(ours.total - theirs.total) > {{ var('tolerance_sek') }}
{% endtest %}
