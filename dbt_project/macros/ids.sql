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

{#- The entity each name key resolves to, through the `lookup` CTE (int_entity_lookup, one
    row per name key and entity type): the first of the key's rows by `preference` (an
    order-by expression over lookup). Ranked over the lookup, not over the rows that name
    them: the answer for a key never depends on which rows ask, so a mart can link the
    rows of a few articles without reading the others'. Callers join on
    name_key(<their name column>). -#}
{% macro entity_matches(preference) -%}
    select name_key, entity_id, name
    from (
        select
            name_key,
            entity_id,
            name,
            row_number() over (
                partition by name_key
                order by {{ preference }}, entity_id
            ) as match_rank
        from lookup
    ) as ranked
    where match_rank = 1
{%- endmacro %}

{#- What the name-linking marts link through, saved with each build (see
    rebuild_list): the lookup for free-text names (quotes' speakers, sanctions'
    authorities and targets) and the resolved mention names (entity_mentions). -#}
{% macro lookup_resolutions() -%}
    select name_key, entity_type, entity_id, name from {{ ref('int_entity_lookup') }}
{%- endmacro %}

{% macro entity_resolutions() -%}
    select entity_id, name, entity_type from {{ ref('entities') }}
{%- endmacro %}

{% macro name_resolutions() -%}
    select observed_name, observed_type, entity_id, entity_name, entity_type
    from {{ ref('int_entity_names') }}
{%- endmacro %}
