{#- Generic tests of the raw layer (`_<system>__sources.yml`, severity warn), derived from the
    specs: each counts the cells or records one kind of export defect leaves, so its failures
    are the answer key's count for that table, column and kind (docs/dbt.md, "Raw-layer
    tests"). The raw views read the files on every query, so the per-column tests of a table
    are one test and one scan: it returns one row, `n_records` (the failures, through
    `fail_calc`) and the count per column. -#}

{#- The SQL reading raw text `expr` as the staging model does (`how`: `parse` date, timestamp,
    decimal, bool, cast or typed, with the style's arguments). -#}
{% macro lab_parsed(expr, how) -%}
  {%- set parse = how['parse'] -%}
  {%- if parse == 'date' -%}{{ lab_parse_date(expr, how['style']) }}
  {%- elif parse == 'timestamp' -%}{{ lab_parse_timestamp(expr, how['style'], how.get('offset', 0)) }}
  {%- elif parse == 'decimal' -%}{{ lab_parse_decimal(expr, how['style'], how['type'], how['scale']) }}
  {%- elif parse == 'bool' -%}{{ lab_parse_bool(expr, how['true_text'], how['false_text']) }}
  {%- elif parse == 'cast' -%}{{ lab_cast(expr, how['type']) }}
  {%- else -%}{{ expr }}
  {%- endif -%}
{%- endmacro %}

{#- One row: the failures (`n_records`) and, per column, the count of rows `flags[column]`
    (a SQL condition) holds for. The calling test sets `fail_calc` to `sum(n_records)`. -#}
{% macro lab_count_cells(model, flags) -%}
  {%- set names = flags.keys() | list -%}
  select
    {% for c in names %}{% if not loop.first %} + {% endif %}coalesce(n_{{ loop.index }}, 0){% endfor %} as n_records
    {%- for c in names %},
    n_{{ loop.index }} as {{ adapter.quote(c) }}
    {%- endfor %}
  from (
    select
      {%- for c in names %}
      sum(case when {{ flags[c] }} then 1 else 0 end) as n_{{ loop.index }}{% if not loop.last %},{% endif %}
      {%- endfor %}
    from {{ model }}
  ) lab_counts
{%- endmacro %}

{#- Columns the spec never leaves empty that are empty: the `missing` cells. -#}
{% test lab_not_null(model, columns) %}
  {{ config(fail_calc='coalesce(sum(n_records), 0)') }}
  {%- set flags = {} -%}
  {%- for c in columns -%}
    {%- do flags.update({c: adapter.quote(c) ~ ' is null'}) -%}
  {%- endfor -%}
  {{ lab_count_cells(model, flags) }}
{% endtest %}

{#- Text that is a placeholder for unknown (`N/A`, `unknown`, `-`, empty): the `sentinel`
    cells. -#}
{% test lab_placeholders(model, columns, placeholders) %}
  {{ config(fail_calc='coalesce(sum(n_records), 0)') }}
  {%- set flags = {} -%}
  {%- for c in columns -%}
    {%- set text = 'trim(' ~ lab_text(adapter.quote(c)) ~ ')' -%}
    {%- set listed -%}{% for p in placeholders %}{{ lab_literal(p) }}{% if not loop.last %}, {% endif %}{% endfor %}{%- endset -%}
    {%- do flags.update({c: text ~ ' in (' ~ listed ~ ')'}) -%}
  {%- endfor -%}
  {{ lab_count_cells(model, flags) }}
{% endtest %}

{#- Values outside a choice's vocabulary (the system's labels where it declares codes): cells
    whose text a defect changed. -#}
{% test lab_accepted_values(model, columns) %}
  {{ config(fail_calc='coalesce(sum(n_records), 0)') }}
  {%- set flags = {} -%}
  {%- for c, values in columns.items() -%}
    {%- set listed -%}{% for v in values %}{{ lab_literal(v) }}{% if not loop.last %}, {% endif %}{% endfor %}{%- endset -%}
    {%- do flags.update({c: adapter.quote(c) ~ ' is not null and ' ~ lab_text(adapter.quote(c)) ~ ' not in (' ~ listed ~ ')'}) -%}
  {%- endfor -%}
  {{ lab_count_cells(model, flags) }}
{% endtest %}

{#- Text the column's declared style cannot read (a date, timestamp, number or boolean that
    does not parse): cells whose defect is not a value of the type. -#}
{% test lab_parses(model, columns) %}
  {{ config(fail_calc='coalesce(sum(n_records), 0)') }}
  {%- set flags = {} -%}
  {%- for c, how in columns.items() -%}
    {%- do flags.update({c: adapter.quote(c) ~ ' is not null and (' ~ lab_parsed(adapter.quote(c), how) ~ ') is null'}) -%}
  {%- endfor -%}
  {{ lab_count_cells(model, flags) }}
{% endtest %}

{#- Values outside the spec's range (`min`/`max` of a number, `between` of a date), read as
    the staging model reads them: wrong units and out-of-range numbers. -#}
{% test lab_in_range(model, columns) %}
  {{ config(fail_calc='coalesce(sum(n_records), 0)') }}
  {%- set flags = {} -%}
  {%- for c, r in columns.items() -%}
    {%- set value = '(' ~ lab_parsed(adapter.quote(c), r['how']) ~ ')' -%}
    {%- set limits = {} -%}
    {%- for key in ['min', 'max'] if r.get(key) is not none -%}
      {%- do limits.update({key: 'cast(' ~ lab_literal(r[key] | string) ~ ' as date)' if r.get('date') else r[key]}) -%}
    {%- endfor -%}
    {#- One `not between` rather than two comparisons joined by `or`: DuckDB turns the latter's
        try_cast over a CSV view into a cast that fails on the first unreadable text. -#}
    {%- if limits | length == 2 -%}
      {%- do flags.update({c: value ~ ' not between ' ~ limits['min'] ~ ' and ' ~ limits['max']}) -%}
    {%- elif 'min' in limits -%}
      {%- do flags.update({c: value ~ ' < ' ~ limits['min']}) -%}
    {%- else -%}
      {%- do flags.update({c: value ~ ' > ' ~ limits['max']}) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ lab_count_cells(model, flags) }}
{% endtest %}

{#- Records of a daily batch whose day is not their batch's (`column` read as the staging model
    reads it, its UTC day against the partition `batch`): one row per record (`key`) exported
    late, however often the file repeats it. -#}
{% test lab_on_time(model, column, how, batch, key) %}
  {%- set cols = [] -%}
  {%- for c in key %}{% do cols.append(adapter.quote(c)) %}{% endfor -%}
  select distinct {{ cols | join(', ') }}
  from {{ model }}
  where cast({{ lab_parsed(adapter.quote(column), how) }} as date) <> cast({{ adapter.quote(batch) }} as date)
{% endtest %}

{#- Keys repeated within the table (composite keys): one row per repeated key. -#}
{% test lab_unique(model, columns) %}
  {%- set cols = [] -%}
  {%- for c in columns %}{% do cols.append(adapter.quote(c)) %}{% endfor -%}
  select {{ cols | join(', ') }}, count(*) as n_records
  from {{ model }}
  group by {{ cols | join(', ') }}
  having count(*) > 1
{% endtest %}

{#- References to a record the referenced table lacks: one row per distinct key that dangles
    (the answer key lists the records a system left out, not the rows naming them). -#}
{% test lab_relationships(model, column_name, to, field) %}
  select distinct child.value
  from (
    select {{ lab_text(adapter.quote(column_name)) }} as value from {{ model }}
    where {{ adapter.quote(column_name) }} is not null
  ) child
  left join (
    select distinct {{ lab_text(adapter.quote(field)) }} as value from {{ to }}
  ) parent on child.value = parent.value
  where parent.value is null
{% endtest %}
