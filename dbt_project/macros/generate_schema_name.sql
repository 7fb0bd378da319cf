{#- Use the folder's schema name as is (landing, staging, intermediate, marts,
    national) instead of dbt's "<target>_<custom>". -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
  {{ custom_schema_name if custom_schema_name is not none else target.schema }}
{%- endmacro %}
