{#- The period of the run as SQL literals; half-open [period_start, period_end). -#}
{% macro period_start() %}cast('{{ var("period_start") }}' as timestamp){% endmacro %}
{% macro period_end() %}cast('{{ var("period_end") }}' as timestamp){% endmacro %}
{% macro in_period(column) %}({{ column }} >= {{ period_start() }} and {{ column }} < {{ period_end() }}){% endmacro %}
{% macro partition_key() %}'{{ var("partition_key") }}'{% endmacro %}

{#- An intermediate or mart model holds every period; read only this run's. -#}
{% macro ref_period(model_name) %}(select * from {{ ref(model_name) }} where partition_key = {{ partition_key() }}){% endmacro %}
