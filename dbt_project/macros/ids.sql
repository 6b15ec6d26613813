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

{#- The entity each distinct free-text name in `rows` resolves to, through the `lookup` CTE
    (int_entity_lookup): one row per name_key, or per name_key and `context` column when
    the choice depends on the row, the first by `preference` (an order-by expression over
    lookup and `names`). Ranking distinct names, not every row, keeps it small (the
    100,000-article benchmark has 4 million quotes and 55 speaker names); callers join on
    name_key(<their name column>). -#}
{% macro entity_matches(rows, name_column, preference, context=none) -%}
    select name_key, {% if context %}{{ context }}, {% endif %}entity_id, name
    from (
        select
            lookup.name_key,
            {% if context %}names.{{ context }},{% endif %}
            lookup.entity_id,
            lookup.name,
            row_number() over (
                partition by lookup.name_key{% if context %}, names.{{ context }}{% endif %}
                order by {{ preference }}, lookup.entity_id
            ) as match_rank

        from (
            select distinct
                {{ name_key(name_column) }} as name_key
                {%- if context %}, {{ context }}{% endif %}
            from {{ rows }}
        ) as names
        inner join lookup
            on lookup.name_key = names.name_key
    ) as ranked
    where match_rank = 1
{%- endmacro %}
