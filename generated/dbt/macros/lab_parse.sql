{#- Parsing a source system's value styles back into the truth's types. The style words are
    those of the spec language (docs/spec-reference.md): dates `iso`, `MM/DD/YYYY`,
    `DD.MM.YYYY`, `YYYYMMDD`, `epoch`; timestamps the same with the time of day (UTC), or
    `local` at a fixed offset; decimals `point`, `comma`, `minor_units`; booleans
    `true/false`, `Y/N`, `1/0`. A value the style cannot read is null. -#}

{#- The format of a text date or timestamp style, per engine family. -#}
{% macro lab_time_format(style, with_time) -%}
  {{ return(adapter.dispatch('lab_time_format')(style, with_time)) }}
{%- endmacro %}

{% macro default__lab_time_format(style, with_time) -%}
  {%- set days = {'MM/DD/YYYY': '%m/%d/%Y', 'DD.MM.YYYY': '%d.%m.%Y', 'YYYYMMDD': '%Y%m%d', 'iso': '%Y-%m-%d'}[style] -%}
  {%- if not with_time -%}{{ days }}
  {%- elif style == 'YYYYMMDD' -%}%Y%m%d%H%M%S
  {%- else -%}{{ days }} %H:%M:%S
  {%- endif -%}
{%- endmacro %}

{% macro athena__lab_time_format(style, with_time) -%}
  {%- set days = {'MM/DD/YYYY': '%m/%d/%Y', 'DD.MM.YYYY': '%d.%m.%Y', 'YYYYMMDD': '%Y%m%d', 'iso': '%Y-%m-%d'}[style] -%}
  {%- if not with_time -%}{{ days }}
  {%- elif style == 'YYYYMMDD' -%}%Y%m%d%H%i%s
  {%- else -%}{{ days }} %H:%i:%s
  {%- endif -%}
{%- endmacro %}

{% macro spark__lab_time_format(style, with_time) -%}
  {%- set days = {'MM/DD/YYYY': 'MM/dd/yyyy', 'DD.MM.YYYY': 'dd.MM.yyyy', 'YYYYMMDD': 'yyyyMMdd', 'iso': 'yyyy-MM-dd'}[style] -%}
  {%- if not with_time -%}{{ days }}
  {%- elif style == 'YYYYMMDD' -%}yyyyMMddHHmmss
  {%- else -%}{{ days }} HH:mm:ss
  {%- endif -%}
{%- endmacro %}

{#- A text timestamp in a format (null when it does not match). -#}
{% macro lab_strptime(expr, format) -%}
  {{ return(adapter.dispatch('lab_strptime')(expr, format)) }}
{%- endmacro %}

{% macro default__lab_strptime(expr, format) -%}
  try_strptime({{ expr }}, '{{ format }}')
{%- endmacro %}

{% macro athena__lab_strptime(expr, format) -%}
  try(date_parse({{ expr }}, '{{ format }}'))
{%- endmacro %}

{% macro spark__lab_strptime(expr, format) -%}
  try_to_timestamp({{ expr }}, '{{ format }}')
{%- endmacro %}

{#- Seconds (or microseconds) since the epoch as a timestamp without time zone (UTC). -#}
{% macro lab_from_epoch(expr, unit='seconds') -%}
  {{ return(adapter.dispatch('lab_from_epoch')(expr, unit)) }}
{%- endmacro %}

{% macro default__lab_from_epoch(expr, unit) -%}
  make_timestamp(cast({{ expr }} as bigint){% if unit == 'seconds' %} * 1000000{% endif %})
{%- endmacro %}

{% macro athena__lab_from_epoch(expr, unit) -%}
  cast(from_unixtime(cast({{ expr }} as bigint){% if unit != 'seconds' %} / 1e6{% endif %}) as timestamp)
{%- endmacro %}

{% macro spark__lab_from_epoch(expr, unit) -%}
  {%- if unit == 'seconds' -%}timestamp_seconds(cast({{ expr }} as bigint))
  {%- else -%}timestamp_micros(cast({{ expr }} as bigint))
  {%- endif -%}
{%- endmacro %}

{#- A date written in `style`. -#}
{% macro lab_parse_date(expr, style) -%}
  {%- if style == 'epoch' -%}
    cast({{ lab_from_epoch(expr) }} as date)
  {%- elif style == 'iso' -%}
    {{ lab_cast(expr, 'date') }}
  {%- else -%}
    cast({{ lab_strptime(expr, lab_time_format(style, false)) }} as date)
  {%- endif -%}
{%- endmacro %}

{#- A timestamp written in `style` (`local` with `offset_minutes` east of UTC). -#}
{% macro lab_parse_timestamp(expr, style, offset_minutes=0) -%}
  {%- if style == 'epoch' -%}
    {{ lab_from_epoch(expr) }}
  {%- elif style == 'iso' -%}
    {{ lab_cast("replace(replace(" ~ expr ~ ", 'T', ' '), 'Z', '')", 'timestamp') }}
  {%- elif style == 'local' -%}
    {{ dbt.dateadd('minute', -offset_minutes, lab_cast("substr(" ~ expr ~ ", 1, 19)", 'timestamp')) }}
  {%- else -%}
    {{ lab_strptime(expr, lab_time_format(style, true)) }}
  {%- endif -%}
{%- endmacro %}

{#- A decimal written in `style`, as decimal(precision, scale). -#}
{% macro lab_parse_decimal(expr, style, type, scale) -%}
  {%- if style == 'comma' -%}
    {{ lab_cast("replace(" ~ lab_text(expr) ~ ", ',', '.')", type) }}
  {%- elif style == 'minor_units' -%}
    cast({{ lab_cast(expr, 'decimal(38,0)') }} * {{ lab_unit(scale) }} as {{ lab_type(type) }})
  {%- else -%}
    {{ lab_cast(expr, type) }}
  {%- endif -%}
{%- endmacro %}

{#- 10^-scale as an exact decimal literal. -#}
{% macro lab_unit(scale) -%}
  {%- if scale == 0 -%}1{%- else -%}0.{{ '0' * (scale - 1) }}1{%- endif -%}
{%- endmacro %}

{#- A boolean written as `true_text` / `false_text`. -#}
{% macro lab_parse_bool(expr, true_text, false_text) -%}
  case {{ lab_text(expr) }} when '{{ true_text }}' then true when '{{ false_text }}' then false end
{%- endmacro %}

{#- A value of a GA4 parameter array: the `slot` of the entry whose key is `key`. -#}
{% macro lab_param(array, key, slot) -%}
  {{ return(adapter.dispatch('lab_param')(array, key, slot)) }}
{%- endmacro %}

{% macro default__lab_param(array, key, slot) -%}
  list_filter({{ array }}, lambda p: p.key = '{{ key }}')[1].value.{{ slot }}
{%- endmacro %}

{% macro athena__lab_param(array, key, slot) -%}
  element_at(filter({{ array }}, p -> p.key = '{{ key }}'), 1).value.{{ slot }}
{%- endmacro %}

{% macro spark__lab_param(array, key, slot) -%}
  try_element_at(filter({{ array }}, p -> p.key = '{{ key }}'), 1).value.{{ slot }}
{%- endmacro %}

{#- Element `index` (from 1) of an array, null past its end. -#}
{% macro lab_array_at(array, index) -%}
  {{ return(adapter.dispatch('lab_array_at')(array, index)) }}
{%- endmacro %}

{% macro default__lab_array_at(array, index) -%}
  {{ array }}[{{ index }}]
{%- endmacro %}

{% macro athena__lab_array_at(array, index) -%}
  element_at({{ array }}, {{ index }})
{%- endmacro %}

{% macro spark__lab_array_at(array, index) -%}
  try_element_at({{ array }}, {{ index }})
{%- endmacro %}

{#- The first element of an array that is one of `values` (texts), null if none is. -#}
{% macro lab_array_find(array, values) -%}
  {{ return(adapter.dispatch('lab_array_find')(array, values)) }}
{%- endmacro %}

{% macro default__lab_array_find(array, values) -%}
  list_filter({{ array }}, lambda x: x in ({% for v in values %}{{ lab_literal(v) }}{% if not loop.last %}, {% endif %}{% endfor %}))[1]
{%- endmacro %}

{% macro athena__lab_array_find(array, values) -%}
  element_at(filter({{ array }}, x -> x in ({% for v in values %}{{ lab_literal(v) }}{% if not loop.last %}, {% endif %}{% endfor %})), 1)
{%- endmacro %}

{% macro spark__lab_array_find(array, values) -%}
  try_element_at(filter({{ array }}, x -> x in ({% for v in values %}{{ lab_literal(v) }}{% if not loop.last %}, {% endif %}{% endfor %})), 1)
{%- endmacro %}

{#- Text with a system's placeholders for unknown (`placeholders`, a list of texts) as null. -#}
{% macro lab_no_placeholder(expr, placeholders) -%}
  case when trim({{ expr }}) in ({% for p in placeholders %}'{{ p }}'{% if not loop.last %}, {% endif %}{% endfor %}) then null else {{ expr }} end
{%- endmacro %}

{#- A code of a system's vocabulary as the value the truth writes (`codes`: pairs of code and
    value); a text the vocabulary does not hold stays as it is. -#}
{% macro lab_decode(expr, codes) -%}
  case {{ expr }}{% for code, value in codes %} when '{{ code }}' then '{{ value }}'{% endfor %} else {{ expr }} end
{%- endmacro %}

{#- The window order that numbers the verbatim copies of a record (`row_number() over (partition
    by key …)`): any order does, since the copies are equal. Spark requires an order; DuckDB
    numbers the rows of each key cheaper without one. -#}
{% macro lab_copy_order(key) -%}
  {{ return(adapter.dispatch('lab_copy_order')(key)) }}
{%- endmacro %}

{% macro default__lab_copy_order(key) -%}
  order by {{ key }}
{%- endmacro %}

{% macro duckdb__lab_copy_order(key) -%}
{%- endmacro %}
