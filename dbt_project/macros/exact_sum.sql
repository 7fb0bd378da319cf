{#- A sum that does not depend on the order its rows are added in (a parallel DOUBLE sum does, in
    the last bits, and tied contacts then fall on either side of a percentile threshold): each term
    rounded to 1e-12 SEK, added exactly as DECIMAL, the total rounded once back to DOUBLE. -#}
{% macro exact_sum(expr, filter=none) -%}
cast(sum(cast({{ expr }} as decimal(38, 12))){% if filter %} filter (where {{ filter }}){% endif %} as double)
{%- endmacro %}
