{#- The few engine-specific expressions, behind adapter.dispatch: one implementation for
    DuckDB (what the pipeline runs on) and one for Postgres (portability target).
    Everything else in the project sticks to dbt cross-database macros. -#}

{#- JSON text holding a list of strings (how raw stores list fields) -> a list of text.
    NULL, '' and invalid JSON become an empty list. -#}
{% macro json_text_list(column) -%}
    {{ return(adapter.dispatch('json_text_list', 'news_warehouse')(column)) }}
{%- endmacro %}

{% macro duckdb__json_text_list(column) -%}
    coalesce(
        try_cast(case when json_valid({{ column }}) then json({{ column }}) end as varchar[]),
        cast([] as varchar[])
    )
{%- endmacro %}

{% macro postgres__json_text_list(column) -%}
    coalesce(
        array(select json_array_elements_text(nullif({{ column }}, '')::json)),
        array[]::text[]
    )
{%- endmacro %}

{#- An ISO 8601 string (with or without offset) -> timestamp with time zone; an
    unparsable string gives NULL on DuckDB rather than failing the build. -#}
{% macro iso_timestamptz(column) -%}
    {{ return(adapter.dispatch('iso_timestamptz', 'news_warehouse')(column)) }}
{%- endmacro %}

{% macro duckdb__iso_timestamptz(column) -%}
    try_cast(nullif(trim({{ column }}), '') as timestamp with time zone)
{%- endmacro %}

{% macro postgres__iso_timestamptz(column) -%}
    cast(nullif(trim({{ column }}), '') as timestamp with time zone)
{%- endmacro %}

{#- Aggregate the distinct non-null values of an expression into a sorted list. -#}
{% macro list_agg_distinct(expression) -%}
    {{ return(adapter.dispatch('list_agg_distinct', 'news_warehouse')(expression)) }}
{%- endmacro %}

{% macro duckdb__list_agg_distinct(expression) -%}
    list_sort(list_distinct(list({{ expression }})))
{%- endmacro %}

{% macro postgres__list_agg_distinct(expression) -%}
    array_remove(array_agg(distinct {{ expression }} order by {{ expression }}), null)
{%- endmacro %}

{#- The number of elements in a list. -#}
{% macro list_length(column) -%}
    {{ return(adapter.dispatch('list_length', 'news_warehouse')(column)) }}
{%- endmacro %}

{% macro duckdb__list_length(column) -%}
    len({{ column }})
{%- endmacro %}

{% macro postgres__list_length(column) -%}
    coalesce(cardinality({{ column }}), 0)
{%- endmacro %}

{#- dbt-postgres reports array columns as type "ARRAY" (information_schema.data_type),
    which unit-test fixtures and on_schema_change then cast to and fail on: report the
    element type instead ('_text' -> 'text[]'). Otherwise the adapter's own macro. -#}
{% macro postgres__get_columns_in_relation(relation) -%}
  {% call statement('get_columns_in_relation', fetch_result=True) %}
      select
          column_name,
          case
              when data_type = 'ARRAY' then substr(udt_name, 2) || '[]'
              else data_type
          end as data_type,
          character_maximum_length,
          numeric_precision,
          numeric_scale

      from {{ relation.information_schema('columns') }}
      where table_name = '{{ relation.identifier }}'
        {% if relation.schema %}
        and table_schema = '{{ relation.schema }}'
        {% endif %}
      order by ordinal_position

  {% endcall %}
  {% set table = load_result('get_columns_in_relation').table %}
  {{ return(sql_convert_columns_in_relation(table)) }}
{%- endmacro %}
