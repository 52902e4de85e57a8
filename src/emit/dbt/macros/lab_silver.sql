{#- Where the silver layer lands. On DuckDB each silver model is Parquet files under the lake
    (`<lake>/processed/<folder>/`, materialized 'external'); elsewhere a table of the target's
    silver schema. -#}

{% macro lab_silver_materialized() -%}
  {{ return('external' if target.type == 'duckdb' else 'table') }}
{%- endmacro %}

{% macro lab_silver_location(folder) -%}
  {{ return(var('lake') ~ '/processed/' ~ folder) }}
{%- endmacro %}

{#- Text normalised for matching: trimmed and lower-cased, empty for null. -#}
{% macro lab_match_text(expr) -%}
  coalesce(lower(trim({{ lab_text(expr) }})), '')
{%- endmacro %}
