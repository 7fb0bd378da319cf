{#- A table holding every KPP period (partition), whose build replaces this run's period only:
    the period's rows are deleted and the query's rows inserted, in one transaction. dbt-duckdb's
    incremental `delete+insert` wrote every row twice (a temporary table, then the insert) and kept
    a period's old rows when the new build had none; this writes each row once. The first build,
    and `--full-refresh`, create the table from the query (every other period's rows then go).
    As `on_schema_change: fail`: a query whose columns (names, order, types) differ from the
    table's stops the build; rebuild the project's tables (docs/orchestration.md). -#}
{% materialization period_table, adapter="duckdb" %}
  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set target_relation = this.incorporate(type='table') -%}
  {%- set replace_all = existing_relation is none or existing_relation.is_view or should_full_refresh() -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {% if replace_all %}
    {{ drop_relation_if_exists(existing_relation) }}
    {% set build_sql = create_table_as(False, target_relation, sql) %}
  {% else %}
    {#- the query on lines of its own: a model may end in a comment -#}
    {% set wanted = run_query("describe (\n" ~ sql ~ "\n)") %}
    {% set have = adapter.get_columns_in_relation(existing_relation) %}
    {% set wanted_columns = wanted.rows | map(attribute=0) | list %}
    {% set wanted_types = wanted.rows | map(attribute=1) | list %}
    {% if wanted_columns != (have | map(attribute='name') | list) or wanted_types != (have | map(attribute='dtype') | list) %}
      {{ exceptions.raise_compiler_error(
          "The columns of " ~ target_relation ~ " changed (" ~ (have | map(attribute='name') | join(", ")) ~ " -> "
          ~ (wanted_columns | join(", ")) ~ "): its table holds every period, so it is not altered in place. "
          ~ "Rebuild the periods with `dbt build --full-refresh` or a fresh warehouse (docs/orchestration.md).") }}
    {% endif %}
    {% set build_sql %}
      delete from {{ target_relation }} where partition_key = '{{ var("partition_key") }}';
      insert into {{ target_relation }} by name (
        {{ sql }}
      )
    {% endset %}
  {% endif %}

  {% call statement("main") %}
    {{- build_sql }}
  {% endcall %}

  {% do persist_docs(target_relation, model) %}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {% do adapter.commit() %}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
