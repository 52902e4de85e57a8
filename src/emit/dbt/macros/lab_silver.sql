{#- Where the silver layer lands. On DuckDB each silver model is Parquet files under the lake
    (`<lake>/processed/<folder>/`, materialized 'lab_parquet' below); elsewhere a table of the
    target's silver schema. -#}

{% macro lab_silver_materialized() -%}
  {{ return('lab_parquet' if target.type == 'duckdb' else 'table') }}
{%- endmacro %}

{% macro lab_silver_location(folder) -%}
  {{ return(var('lake') ~ '/processed/' ~ folder) }}
{%- endmacro %}

{#- The model's query written straight to Parquet (`copy (<query>) to <location>`, the model's
    `options`), and the model a view over the files. dbt-duckdb's `external` materialisation
    first stores the result as a table of the database, counts it and then copies the table:
    for the largest silver models (the GA4 events) that table costs more than the query. A
    result without rows is written as one file of the query's columns (an empty write with
    `per_thread_output` leaves no file to read back). -#}
{% materialization lab_parquet, adapter='duckdb' %}
  {%- set location = render(config.get('location')) -%}
  {%- set rendered_options = render_write_options(config) -%}
  {%- set write_options = adapter.external_write_options(location, rendered_options) -%}
  {%- set read_location = adapter.external_read_location(location, rendered_options) -%}
  {%- set target_relation = this.incorporate(type='view') -%}
  {%- set existing_relation = load_cached_relation(this) -%}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {% call statement('write_parquet') -%}
    copy ({{ compiled_code }}) to '{{ location }}' ({{ write_options }})
  {%- endcall %}
  {%- set written = run_query("select count(*) from glob('" ~ read_location ~ "')") -%}
  {% if written[0][0] == 0 %}
    {% call statement('write_empty') -%}
      copy ({{ compiled_code }}) to '{{ location }}/data_0.parquet' (format parquet)
    {%- endcall %}
  {% endif %}
  {% if existing_relation is not none and existing_relation.type != 'view' %}
    {{ drop_relation_if_exists(existing_relation) }}
  {% endif %}
  {% call statement('main') -%}
    create or replace view {{ target_relation }} as (
      select * from read_parquet('{{ read_location }}', union_by_name=False)
    )
  {%- endcall %}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {% do persist_docs(target_relation, model) %}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}

{#- Text normalised for matching: trimmed and lower-cased, empty for null. -#}
{% macro lab_match_text(expr) -%}
  coalesce(lower(trim({{ lab_text(expr) }})), '')
{%- endmacro %}
