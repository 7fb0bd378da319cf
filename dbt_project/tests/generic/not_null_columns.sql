{#- No row has an empty value in these columns: one query for what were a `not_null` test per
    column (each test is a node of every run's dbt build). Fails with the offending rows, the
    columns that are empty on each named. -#}
{% test not_null_columns(model, columns) %}
select {% for column in columns -%}
    {{ adapter.quote(column) }} is null as {{ adapter.quote(column ~ '_is_null') }}{{ ', ' if not loop.last }}
{%- endfor %}
from {{ model }}
where {% for column in columns -%}
    {{ adapter.quote(column) }} is null{{ ' or ' if not loop.last }}
{%- endfor %}
{% endtest %}
