{#- Registers every raw table of the lake as a relation the sources name
    (`<system>_raw.<entity>`), from the `meta.lab` of each source table: its folder under the
    lake (var `lake`), file format and dialect. Run as the project's on-run-start hook. On
    DuckDB each table is a view over read_csv / read_json / read_parquet; on Spark a table over
    the folder; on Athena the tables are lab's own raw DDL (generated/ddl/athena/raw/), so
    nothing is done. -#}

{% macro lab_register_raw() -%}
  {%- if execute -%}
    {%- for node in graph.sources.values() if node.meta.get('lab') -%}
      {%- for sql in adapter.dispatch('lab_raw_statements')(node.schema, node.identifier, node.meta['lab']) -%}
        {%- do run_query(sql) -%}
      {%- endfor -%}
    {%- endfor -%}
  {%- endif -%}
{%- endmacro %}

{#- A string literal of the engine's SQL (Spark reads backslash escapes in literals). -#}
{% macro lab_literal(text) -%}
  {{ return(adapter.dispatch('lab_literal')(text)) }}
{%- endmacro %}

{% macro default__lab_literal(text) -%}
  '{{ text | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__lab_literal(text) -%}
  '{{ text | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}

{% macro lab_lake_path(lab) -%}
  {{ var('lake') }}/{{ lab['path'] }}
{%- endmacro %}

{% macro default__lab_raw_statements(schema, name, lab) -%}
  {{ return([]) }}
{%- endmacro %}

{% macro duckdb__lab_raw_statements(schema, name, lab) -%}
  {%- set files = lab_lake_path(lab) ~ '/**/*.' ~ lab['extension'] -%}
  {%- if lab['format'] == 'csv' -%}
    {%- set reader -%}
      read_csv({{ lab_literal(files) }}, delim={{ lab_literal(lab['delimiter']) }}, quote={{ lab_literal(lab['quote']) }},
        escape={{ lab_literal(lab['escape']) }}, header={{ lab['header'] }}, all_varchar=true,
        {%- if lab.get('names') %} names=[{% for n in lab['names'] %}{{ lab_literal(n) }}{% if not loop.last %}, {% endif %}{% endfor %}],{% endif %}
        encoding={{ lab_literal(lab['duckdb_encoding']) }}, nullstr={{ lab_literal(lab['null']) }},
        hive_partitioning=true, union_by_name=true)
    {%- endset -%}
  {%- elif lab['format'] == 'jsonl' -%}
    {%- set reader -%}
      read_json({{ lab_literal(files) }}, format='newline_delimited', columns={{ lab['duckdb_columns'] }}, hive_partitioning=true)
    {%- endset -%}
  {%- else -%}
    {%- set reader -%}
      read_parquet({{ lab_literal(files) }}, hive_partitioning=true, union_by_name=true)
    {%- endset -%}
  {%- endif -%}
  {{ return([
    'create schema if not exists ' ~ schema,
    'create or replace view ' ~ schema ~ '.' ~ name ~ ' as select * from ' ~ reader,
  ]) }}
{%- endmacro %}

{% macro spark__lab_raw_statements(schema, name, lab) -%}
  {%- set location = lab_lake_path(lab) -%}
  {%- if lab['format'] == 'csv' -%}
    {%- set using -%}
      csv options (header '{{ lab["header"] | lower }}', sep {{ lab_literal(lab['delimiter']) }},
        quote {{ lab_literal(lab['quote']) }}, escape {{ lab_literal(lab['escape']) }},
        encoding {{ lab_literal(lab['spark_encoding']) }}, nullValue {{ lab_literal(lab['null']) }})
    {%- endset -%}
  {%- elif lab['format'] == 'jsonl' -%}
    {%- set using = 'json' -%}
  {%- else -%}
    {%- set using = 'parquet' -%}
  {%- endif -%}
  {#- A CSV without a header line gets its columns by position (text, as the files hold). -#}
  {%- set columns -%}
    {%- if lab.get('names') -%}
      ({% for n in lab['names'] %}`{{ n }}` string{% if not loop.last %}, {% endif %}{% endfor %}{% if lab['batched'] %}, `export_date` string{% endif %})
    {%- endif -%}
  {%- endset -%}
  {%- set partitioned = ' partitioned by (export_date)' if lab.get('names') and lab['batched'] else '' -%}
  {%- set statements = [
    'create database if not exists ' ~ schema,
    'drop table if exists ' ~ schema ~ '.' ~ name,
    'create table ' ~ schema ~ '.' ~ name ~ ' ' ~ columns ~ ' using ' ~ using ~ partitioned ~ ' location ' ~ lab_literal(location),
  ] -%}
  {%- if lab['batched'] -%}
    {%- do statements.append('msck repair table ' ~ schema ~ '.' ~ name) -%}
  {%- endif -%}
  {{ return(statements) }}
{%- endmacro %}
