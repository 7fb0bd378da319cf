{#- The first line of every id that occurs more than once in a delivery. A row is
    a duplicate (rejected, spec §2) when its line comes after its id's first line.
    Only repeated ids are kept: no window over the whole delivery. -#}
{% macro repeated_ids(relation, id_column) %}
    select {{ id_column }}, min(source_line) as first_line
    from {{ relation }}
    group by {{ id_column }}
    having count(*) > 1
{% endmacro %}
