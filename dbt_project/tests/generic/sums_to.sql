{#- Σ column per key = the key's total in another model of the same period, to
    the öre, with the same keys on both sides and no null part (so the column
    needs no separate not_null test: one pass over a large view). Failing rows
    name the key, both sums and the null parts. `contacts`: compare the sample
    of that model's contacts only (macro `sampled_contacts`; the key is then
    contact_id), for the cost trace, a view whose full sum is a pass over every
    event of the period. -#}
{% test sums_to(model, column_name, key, to, field, contacts=none) %}
{%- set in_sample = sampled_contacts(contacts, key) if contacts else none %}
with ours as (
    select
        {{ key }} as k,
        sum({{ column_name }}) as total,
        count(*) filter (where {{ column_name }} is null) as null_parts
    from {{ model }}
    {%- if in_sample %}
    where {{ in_sample }}
    {%- endif %}
    group by 1
),

theirs as (
    select {{ key }} as k, {{ field }} as total from {{ to }} where partition_key = '{{ var("partition_key") }}'
    {%- if in_sample %} and {{ in_sample }}{% endif %}
)

select coalesce(ours.k, theirs.k) as {{ key }}, ours.total as summed, theirs.total as expected, ours.null_parts
from ours
full outer join theirs on ours.k = theirs.k
where ours.k is null or theirs.k is null or ours.null_parts > 0 or abs(ours.total - theirs.total) > {{ var('tolerance_sek') }}
{% endtest %}
