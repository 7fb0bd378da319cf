{#- The model's grain, as its YAML states it ("one row per …"): no two rows share these columns,
    and none of them is empty unless listed in `nullable` (a key part that is empty on purpose,
    e.g. the roll-up rows of cost_per_drg_point). One query for what was `unique` plus a
    `not_null` per key column: each test is a node of every run's dbt build.
    `contacts`: test the rows of at most 500 of that model's contacts in the period, in a fixed
    pseudo-random order; for the cost trace views, whose rows are contacts × ledger rows. The ids
    are fetched first and written into the test as literals: DuckDB pushes a constant list down
    through the views' joins and aggregates, not an `in (subquery)` (medium size: 0.3 s, not 45 s). -#}
{% test grain(model, columns, nullable=[], contacts=none) %}
{#- quoted: a key column may be a keyword (reconciliation's "check") -#}
{%- set quoted = [] -%}
{%- for column in columns %}{% do quoted.append(adapter.quote(column)) %}{% endfor -%}
select {{ quoted | join(', ') }}, count(*) as n_rows
from {{ model }}
{%- if contacts %}
{%- set sample = run_query("select contact_id from " ~ contacts ~ " where partition_key = " ~ partition_key()
                           ~ " order by hash(contact_id), contact_id limit 500") if execute else none %}
{%- set ids = sample.columns[0].values() if sample is not none else [] %}
where {% if ids %}contact_id in (
    {%- for id in ids %}'{{ id | replace("'", "''") }}'{{ ', ' if not loop.last }}{% endfor -%}
){% else %}false{% endif %}
{%- endif %}
group by {{ quoted | join(', ') }}
having count(*) > 1
{%- for column in columns if column not in nullable %}
    or {{ adapter.quote(column) }} is null
{%- endfor %}
{% endtest %}
