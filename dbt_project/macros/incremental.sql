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
