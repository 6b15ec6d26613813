{#- Stable surrogate keys: md5 over '|'-joined parts (dbt.hash + dbt.concat, portable). -#}
{% macro surrogate_id(parts) -%}
    {%- set pieces = [] -%}
    {%- for part in parts -%}
        {%- do pieces.append("coalesce(cast(" ~ part ~ " as " ~ dbt.type_string() ~ "), '')") -%}
        {%- if not loop.last %}{% do pieces.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(pieces)) }}
{%- endmacro %}

{#- Lower-cased, trimmed, leading "the " dropped: the key names are matched on. -#}
{% macro name_key(column) -%}
    case
        when lower(trim({{ column }})) like 'the %'
            then trim({{ dbt.right('lower(trim(' ~ column ~ '))', dbt.length('trim(' ~ column ~ ')') ~ ' - 4') }})
        else lower(trim({{ column }}))
    end
{%- endmacro %}

{#- Rows changed since this incremental model was last built: the loaded_at watermark. -#}
{% macro loaded_since_last_build(column='loaded_at') -%}
    {{ column }} > (
        select coalesce(max({{ column }}), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
        from {{ this }}
    )
{%- endmacro %}

{#- Sort key choosing among same-named entities of different types: the listed types
    first, in order, then any other. -#}
{% macro type_preference(column, preferred) -%}
    case {{ column }}
    {%- for entity_type in preferred %}
        when {{ entity_type }} then {{ loop.index }}
    {%- endfor %}
        else {{ preferred | length + 1 }}
    end
{%- endmacro %}

{#- Candidate entities for a free-text name on each row of `rows` (a CTE keyed by
    article_id and `index_column`), through the `lookup` CTE (int_entity_lookup); the
    caller keeps match_rank = 1, the first by `preference` (an order-by expression). -#}
{% macro entity_matches(rows, index_column, name_column, preference) -%}
    select
        {{ rows }}.article_id,
        {{ rows }}.{{ index_column }},
        lookup.entity_id,
        lookup.name,
        row_number() over (
            partition by {{ rows }}.article_id, {{ rows }}.{{ index_column }}
            order by {{ preference }}
        ) as match_rank

    from {{ rows }}
    inner join lookup
        on lookup.name_key = {{ name_key(rows ~ '.' ~ name_column) }}
{%- endmacro %}
