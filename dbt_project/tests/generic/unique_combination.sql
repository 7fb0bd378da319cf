{#- The model's grain: no two rows share these columns (dbt_utils' test, without the package).
    `contacts`: test the rows of at most 500 of that model's contacts in the period, in a fixed
    pseudo-random order; for the cost trace views, whose rows are contacts × ledger rows. -#}
{% test unique_combination(model, columns, contacts=none) %}
select {{ columns | join(', ') }}, count(*) as n_rows
from {{ model }}
{%- if contacts %}
where contact_id in (
    select contact_id from {{ contacts }} where partition_key = '{{ var("partition_key") }}'
    order by hash(contact_id), contact_id
    limit 500
)
{%- endif %}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
