{#- Types and casts. Every model states its types as Athena names (`string`, `int`,
    `decimal(12,2)`, `timestamp` …), the names lab's DDL uses; lab_type maps them to the
    engine's own. -#}

{% macro lab_type(name) -%}
  {{ return(adapter.dispatch('lab_type')(name)) }}
{%- endmacro %}

{% macro default__lab_type(name) -%}
  {%- if name == 'string' or name.startswith('varchar') -%}varchar
  {%- elif name == 'int' -%}integer
  {%- else -%}{{ name }}
  {%- endif -%}
{%- endmacro %}

{% macro spark__lab_type(name) -%}
  {%- if name.startswith('varchar') -%}string
  {%- else -%}{{ name }}
  {%- endif -%}
{%- endmacro %}

{#- A cast that yields null for a value the type cannot hold (a placeholder, a typo in a
    number) instead of failing the model. -#}
{% macro lab_cast(expr, name) -%}
  try_cast({{ expr }} as {{ lab_type(name) }})
{%- endmacro %}

{#- The column as text, whatever the reader typed it as. -#}
{% macro lab_text(expr) -%}
  cast({{ expr }} as {{ lab_type('string') }})
{%- endmacro %}
