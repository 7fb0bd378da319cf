{#- What a data test reads: dbt's `where` config, and for the models that hold every period
    (meta `is_per_period`, set per folder in dbt_project.yml) this run's period only.

    The period is added here, when the test runs, and not written into `where`: dbt renders
    configs when it parses the project, so a `var()` in a config made every period (and every
    data root) a parse of its own. With no config depending on a var, one parse serves every
    period of a process (kpp/dbt_runner.py). -#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set meta = config.get('meta') -%}  {#- not yet a mapping while dbt parses -#}
    {%- if meta is mapping and meta.get('is_per_period') -%}
        {%- do conditions.append('partition_key = ' ~ partition_key()) -%}
    {%- endif -%}
    {%- if config.get('where') -%}
        {%- do conditions.append('(' ~ config.get('where') ~ ')') -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
