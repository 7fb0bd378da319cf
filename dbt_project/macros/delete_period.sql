{#- Pre-hook of every incremental model: remove this period's rows before the
    new ones are inserted, so a re-run replaces exactly one period, also when
    it now selects zero rows (delete+insert alone would keep the old ones). -#}
{% macro delete_period() %}
  {%- if is_incremental() -%}
    delete from {{ this }} where partition_key = '{{ var("partition_key") }}'
  {%- else -%}
    select 1
  {%- endif -%}
{% endmacro %}
