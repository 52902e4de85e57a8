{#- The daily increments (`lab compile --increments`): their registration as relations, the
    materialisation of the models that load them, per engine, and the undoing of the schema
    drift. The models are enabled by the var `lab_increments` (false unless set), so a lake
    compiled without increments builds as before; run them with
    `dbt run --select tag:increments --vars '{lab_increments: true, dt: 2024-06-01}'`
    (docs/dbt.md). -#}

{#- Registers every increments table the selected models read (`<domain>_increments.<entity>`)
    from the `meta.lab_increments` of its source, and every system's delivery
    (`<system>_raw_increments.<entity>`, from `meta.lab_deliveries`, as its raw export is read), under the var `increments_lake` (the lake
    of `lab compile --increments`; the var `lake` unless set): on DuckDB a table loaded from every `dt=`
    partition (`union_by_name`: a drifted column is a column of its own); on Spark a table
    over the folder, partitions repaired; on Athena nothing (register the tables yourself). -#}
{% macro lab_register_increments() -%}
  {%- if execute and var('lab_increments', false) -%}
    {%- set wanted = [] -%}
    {%- for uid in selected_resources or [] -%}
      {%- for dep in graph.nodes.get(uid, {}).get('depends_on', {}).get('nodes', []) -%}
        {%- do wanted.append(dep) -%}
      {%- endfor -%}
    {%- endfor -%}
    {%- for node in graph.sources.values() if node.meta.get('lab_increments') and (not wanted or node.unique_id in wanted) -%}
      {%- for sql in adapter.dispatch('lab_increments_statements')(node.schema, node.identifier, node.meta['lab_increments']) -%}
        {%- do run_query(sql) -%}
      {%- endfor -%}
    {%- endfor -%}
    {#- The systems' deliveries: read like their raw exports (`lab_raw_statements`). -#}
    {%- for node in graph.sources.values() if node.meta.get('lab_deliveries') and (not wanted or node.unique_id in wanted) -%}
      {%- for sql in adapter.dispatch('lab_raw_statements')(node.schema, node.identifier, node.meta['lab_deliveries']) -%}
        {%- do run_query(sql) -%}
      {%- endfor -%}
    {%- endfor -%}
  {%- endif -%}
{%- endmacro %}

{% macro default__lab_increments_statements(schema, name, lab) -%}
  {{ return([]) }}
{%- endmacro %}

{% macro duckdb__lab_increments_statements(schema, name, lab) -%}
  {%- set files = var('increments_lake', var('lake')) ~ '/' ~ lab['path'] ~ '/dt=*/*.parquet' -%}
  {{ return([
    'create schema if not exists ' ~ schema,
    'create or replace table ' ~ schema ~ '.' ~ name ~ ' as select * from read_parquet('
      ~ lab_literal(files) ~ ', hive_partitioning=true, union_by_name=true)',
  ]) }}
{%- endmacro %}

{% macro spark__lab_increments_statements(schema, name, lab) -%}
  {{ return([
    'create database if not exists ' ~ schema,
    'drop table if exists ' ~ schema ~ '.' ~ name,
    'create table ' ~ schema ~ '.' ~ name ~ ' using parquet options (mergeSchema \'true\') location '
      ~ lab_literal(var('increments_lake', var('lake')) ~ '/' ~ lab['path']),
    'msck repair table ' ~ schema ~ '.' ~ name,
  ]) }}
{%- endmacro %}

{#- The columns of a relation, lower-cased (none on Athena, where the compile has no
    connection: the drifted column is then not read). -#}
{% macro lab_increments_present(relation) -%}
  {{ return(adapter.dispatch('lab_increments_present')(relation)) }}
{%- endmacro %}

{% macro default__lab_increments_present(relation) -%}
  {%- set names = [] -%}
  {%- if execute -%}
    {%- for c in adapter.get_columns_in_relation(relation) -%}
      {%- do names.append(c.name | lower) -%}
    {%- endfor -%}
  {%- endif -%}
  {{ return(names) }}
{%- endmacro %}

{% macro athena__lab_increments_present(relation) -%}
  {{ return([]) }}
{%- endmacro %}

{#- A column read under its name and, where the partitions hold it, its drifted name
    `<name>_v2` (the writer renamed it from some day on). -#}
{% macro lab_undrift(name, present) -%}
  {%- if (name ~ '_v2') in present -%}
    coalesce({{ name }}, {{ name }}_v2)
  {%- else -%}
    {{ name }}
  {%- endif -%}
{%- endmacro %}

{#- The materialisation of an increments model keyed by `key` (a list of columns): DuckDB
    deletes the batch's keys and inserts them again (`delete+insert`); Spark merges into a Delta
    table and Athena into an Iceberg table (MERGE needs one of them: a Hive or plain Parquet
    table supports only insert_overwrite and append). `post` runs after each build. -#}
{% macro lab_increments_config(key, post=[]) -%}
  {{ return(adapter.dispatch('lab_increments_config')(key, post)) }}
{%- endmacro %}

{% macro default__lab_increments_config(key, post) -%}
  {{ return({'materialized': 'incremental', 'incremental_strategy': 'delete+insert',
      'unique_key': key, 'post_hook': post, 'enabled': var('lab_increments', false)}) }}
{%- endmacro %}

{% macro spark__lab_increments_config(key, post) -%}
  {{ return({'materialized': 'incremental', 'incremental_strategy': 'merge', 'file_format': 'delta',
      'unique_key': key, 'post_hook': post, 'enabled': var('lab_increments', false)}) }}
{%- endmacro %}

{% macro athena__lab_increments_config(key, post) -%}
  {{ return({'materialized': 'incremental', 'incremental_strategy': 'merge', 'table_type': 'iceberg',
      'format': 'parquet', 'unique_key': key, 'post_hook': post, 'enabled': var('lab_increments', false)}) }}
{%- endmacro %}

{#- The partitions a run loads: those delivered by the day `dt` (every partition when the var
    is not set). -#}
{% macro lab_increments_until() -%}
  {%- if var('dt', none) is not none -%}
    where cast(dt as date) <= cast('{{ var("dt") }}' as date)
  {%- endif -%}
{%- endmacro %}

{#- `is_incremental()`, except for `dbt compile`, `parse` and `docs`, which show a first build's
    query: finding the table needs a connection (the Athena compile has none). -#}
{% macro lab_is_incremental() -%}
  {{ return(flags.WHICH not in ['compile', 'parse', 'docs'] and is_incremental()) }}
{%- endmacro %}
