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
      read_csv('{{ files }}', delim='{{ lab["delimiter"] }}', quote='{{ lab["quote"] }}', escape='{{ lab["escape"] }}',
        header={{ lab['header'] }}, all_varchar=true, encoding='{{ lab["duckdb_encoding"] }}',
        nullstr='{{ lab["null"] }}', hive_partitioning=true, union_by_name=true)
    {%- endset -%}
  {%- elif lab['format'] == 'jsonl' -%}
    {%- set reader -%}
      read_json('{{ files }}', format='newline_delimited', columns={{ lab['duckdb_columns'] }}, hive_partitioning=true)
    {%- endset -%}
  {%- else -%}
    {%- set reader -%}
      read_parquet('{{ files }}', hive_partitioning=true, union_by_name=true)
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
      csv options (header '{{ lab["header"] | lower }}', sep '{{ lab["delimiter"] }}', quote '{{ lab["quote"] }}',
        escape '{{ lab["escape"] }}', encoding '{{ lab["spark_encoding"] }}', nullValue '{{ lab["null"] }}')
    {%- endset -%}
  {%- elif lab['format'] == 'jsonl' -%}
    {%- set using = 'json' -%}
  {%- else -%}
    {%- set using = 'parquet' -%}
  {%- endif -%}
  {%- set statements = [
    'create database if not exists ' ~ schema,
    'drop table if exists ' ~ schema ~ '.' ~ name,
    'create table ' ~ schema ~ '.' ~ name ~ ' using ' ~ using ~ " location '" ~ location ~ "'",
  ] -%}
  {%- if lab['batched'] -%}
    {%- do statements.append('msck repair table ' ~ schema ~ '.' ~ name) -%}
  {%- endif -%}
  {{ return(statements) }}
{%- endmacro %}
