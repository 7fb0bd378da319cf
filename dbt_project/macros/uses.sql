{#- A list var (agreement.yml) as a DuckDB text list; an empty list stays a typed empty list. -#}
{% macro text_list(values) -%}
  cast([{% for v in values %}'{{ v | replace("'", "''") }}'{% if not loop.last %}, {% endif %}{% endfor %}] as varchar[])
{%- endmacro %}

{#- A table of schema `published`. The schema is one Dagster asset (`published`, written in one
    transaction per period), so dbt knows one source table, `publications`, and every reader of
    the schema depends on it; dagster-dbt allows one dbt source per asset key. -#}
{% macro published_table(table) -%}
  {%- set anchor = source('published', 'publications') -%}
  {{ anchor.schema }}.{{ table }}
{%- endmacro %}
