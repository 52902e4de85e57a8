{#- Registers every raw table of the lake as a relation the sources name
    (`<system>_raw.<entity>`), from the `meta.lab` of each source table: its folder under the
    lake (var `lake`), file format and dialect. Run as the project's on-run-start hook. On
    DuckDB each table is loaded once per run from read_csv / read_json / read_parquet; on
    Spark a table over the folder; on Athena the tables are lab's own raw DDL (generated/ddl/athena/raw/), so
    nothing is done. A quoted empty field (`""`) is an empty text, not a null: the writers
    quote an empty string and leave a null unquoted, so a placeholder left empty stays
    visible to the raw tests. -#}

{% macro lab_register_raw() -%}
  {%- if execute -%}
    {#- Only the tables the selected models and tests read (all of them without a selection). -#}
    {%- set wanted = [] -%}
    {%- for uid in selected_resources or [] -%}
      {%- for dep in graph.nodes.get(uid, {}).get('depends_on', {}).get('nodes', []) -%}
        {%- do wanted.append(dep) -%}
      {%- endfor -%}
    {%- endfor -%}
    {%- for node in graph.sources.values() if node.meta.get('lab') and (not wanted or node.unique_id in wanted) -%}
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

{#- The folder of a table: under the var `lake`, or the var its `lake_var` names (the
    deliveries of the increments: `increments_lake`, the var `lake` unless set). -#}
{% macro lab_lake_path(lab) -%}
  {{ var(lab['lake_var'], var('lake')) if lab.get('lake_var') else var('lake') }}/{{ lab['path'] }}
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
        encoding={{ lab_literal(lab['duckdb_encoding']) }}, nullstr={{ lab_literal(lab['null']) }}, allow_quoted_nulls=false,
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
  {#- Every raw table is loaded once per run into a table: a view would parse every file again
      for each model and test that queries it (the staging model and up to eight tests read a
      table; the GA4 sessions, 1 GB of JSON Lines at scale 1, cost about 1.5 CPU s a read). -#}
  {%- set kind = 'table' -%}
  {%- set found = run_query("select table_type from information_schema.tables where table_schema = '"
      ~ schema ~ "' and table_name = '" ~ name ~ "'") -%}
  {%- set statements = ['create schema if not exists ' ~ schema] -%}
  {%- for row in found.rows -%}
    {%- set other = 'view' if row[0] == 'VIEW' else 'table' -%}
    {%- if other != kind -%}
      {%- do statements.append('drop ' ~ other ~ ' ' ~ schema ~ '.' ~ name) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- do statements.append('create or replace ' ~ kind ~ ' ' ~ schema ~ '.' ~ name ~ ' as select * from ' ~ reader) -%}
  {#- Files read by name lack a column none of them has yet (the drift adds or renames it
      later): it is a null column, as in the files that have it. -#}
  {%- for c in lab.get('columns', []) -%}
    {%- do statements.append('alter table ' ~ schema ~ '.' ~ name ~ ' add column if not exists "' ~ c ~ '" varchar') -%}
  {%- endfor -%}
  {{ return(statements) }}
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
      ({% for n in lab['names'] %}`{{ n }}` string{% if not loop.last %}, {% endif %}{% endfor %}{% if lab['batched'] %}, `{{ lab.get('partition', 'export_date') }}` string{% endif %})
    {%- endif -%}
  {%- endset -%}
  {%- set partitioned = ' partitioned by (' ~ lab.get('partition', 'export_date') ~ ')' if lab.get('names') and lab['batched'] else '' -%}
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
