{#- Post-hook of the article-keyed incremental marts: drop rows of article versions that
    are no longer the latest (delete+insert only touches articles that still have rows,
    so a new version with no quotes would otherwise leave the old version's quotes). -#}
{% macro remove_superseded_versions() -%}
    delete from {{ this }}
    where {{ dbt.concat(['article_id', "'|'", 'content_hash']) }} not in (
        select {{ dbt.concat(['article_id', "'|'", 'content_hash']) }}
        from {{ ref('int_articles_latest') }}
        where content_hash is not null
    )
{%- endmacro %}

{#- The articles an article-keyed incremental mart rebuilds: those loaded since its last
    build, plus any whose rows would now differ from the stored ones in `key` (a row added
    or gone) or in one of `compared` (a re-resolved entity, a changed date). `current` is the
    CTE holding the model's rows as they would be built in full. -#}
{% macro articles_to_rebuild(current, key, compared) -%}
    select article_id from {{ current }}
    where {{ loaded_since_last_build() }}

    union

    select {{ current }}.article_id
    from {{ current }}
    left join {{ this }} as stored
        on stored.{{ key }} = {{ current }}.{{ key }}
    where stored.{{ key }} is null
    {%- for column in compared %}
        or stored.{{ column }} is distinct from {{ current }}.{{ column }}
    {%- endfor %}
{%- endmacro %}
