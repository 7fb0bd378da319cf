{#- The model's grain, as its YAML states it ("one row per …"), and the rules on its columns, in one
    test: each test is a node of every run's dbt build (≈ 0.1 s of dbt and Dagster per node however
    small the model), so what were a `unique`, `not_null` and `accepted_values` test per column
    and a `not_null_columns` test per model are arguments here (docs/orchestration.md):
    - `columns`: no two rows share these columns, and none of them is empty unless listed in
      `nullable` (a key part that is empty on purpose, e.g. the roll-up rows of cost_per_drg_point);
    - `not_null`: columns that must not be empty;
    - `accepted_values`: {column: [values]}: a non-empty value must be one of these (as dbt's
      `accepted_values`: an empty value passes);
    - `unique`: columns whose values are unique on their own (an empty value may repeat, as dbt's
      `unique`).
    Fails with a row per rule a row breaks and per repeated key, its `failure` naming the rule
    (`repeated key (…)`, `empty <column>`, `<column> not in the accepted values`); no values
    of the rows are returned (a column's name is quoted in the SQL and in the labels).
    `contacts`: test the rows of the sample of that model's contacts only (macro `sampled_contacts`);
    for the cost trace views, whose rows are contacts × ledger rows. -#}
{% test grain(model, columns=[], nullable=[], not_null=[], accepted_values={}, unique=[], contacts=none) %}
{#- quoted: a key column may be a keyword (reconciliation's "check") -#}
{%- set row_rules = [] -%}
{%- for column in (columns | reject('in', nullable) | list) + not_null %}
    {%- do row_rules.append((adapter.quote(column) ~ ' is null', 'empty ' ~ column)) -%}
{%- endfor %}
{%- for column, values in (accepted_values or {}).items() %}
    {%- set listed = [] -%}
    {%- for value in values %}{% do listed.append("'" ~ (value | string | replace("'", "''")) ~ "'") %}{% endfor -%}
    {%- do row_rules.append((adapter.quote(column) ~ ' not in (' ~ listed | join(', ') ~ ')',
                             column ~ ' not in the accepted values')) -%}
{%- endfor %}
{#- (columns, whether an empty value counts): the grain groups empty key parts like values -#}
{%- set keys = [] -%}
{%- if columns %}{% do keys.append((columns, true)) %}{% endif -%}
{%- for column in unique %}{% do keys.append(([column], false)) %}{% endfor -%}
with rows as not materialized (
    select * from {{ model }}
{%- if contacts %}
    where {{ sampled_contacts(contacts) }}
{%- endif %}
)
{%- for key, counts_empty in keys %}
{%- set quoted = [] -%}
{%- for column in key %}{% do quoted.append(adapter.quote(column)) %}{% endfor %}
select 'repeated key ({{ key | join(", ") | replace("'", "''") }})' as failure
from rows
{%- if not counts_empty %}
where {{ quoted[0] }} is not null
{%- endif %}
group by {{ quoted | join(', ') }}
having count(*) > 1
union all
{%- endfor %}
{%- if row_rules %}
select failure from (
    select unnest([
    {%- for condition, failure in row_rules %}
        case when {{ condition }} then '{{ failure | replace("'", "''") }}' end{{ ',' if not loop.last }}
    {%- endfor %}
    ]) as failure
    from rows
    where {% for condition, _ in row_rules %}({{ condition }}){{ ' or ' if not loop.last }}{% endfor %}
) broken
where failure is not null
{%- else %}
select null as failure where false
{%- endif %}
{% endtest %}
