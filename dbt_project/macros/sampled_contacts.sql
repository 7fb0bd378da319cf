{#- `column in (…)` for at most 500 contacts of `contacts` (a model with contact_id and
    partition_key) in the period, in a fixed pseudo-random order: what the tests of the cost
    trace views see (their rows are contacts × cost items; all contacts in the examples, a
    bounded sample at region scale). The ids are fetched first and written as literals: DuckDB
    pushes a constant list down through the views' joins and aggregates, not an
    `in (subquery)` (medium size: 0.3 s, not 45 s). -#}
{% macro sampled_contacts(contacts, column='contact_id') -%}
{%- set sample = run_query("select contact_id from " ~ contacts ~ " where partition_key = " ~ partition_key()
                           ~ " order by hash(contact_id), contact_id limit 500") if execute else none %}
{%- set ids = sample.columns[0].values() if sample is not none else [] %}
{%- if ids %}{{ column }} in (
    {%- for id in ids %}'{{ id | replace("'", "''") }}'{{ ', ' if not loop.last }}{% endfor -%}
){% else %}false{% endif %}
{%- endmacro %}
