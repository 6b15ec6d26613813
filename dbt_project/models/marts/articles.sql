{{
    config(
        materialized='incremental',
        unique_key='article_id',
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns'
    )
}}

-- One row per article: its latest parsed version. Incremental: rebuilds the articles whose
-- raw rows were loaded since the last build, plus any whose stored version or syndication
-- no longer matches (a new copy of a body can change who was first).

with

latest as (

    select * from {{ ref('int_articles_latest') }}

),

{% if is_incremental() %}

to_rebuild as (

    {{ articles_to_rebuild('latest', 'article_id',
                           ['content_hash', 'syndicated_from_article_id']) }}

),

{% endif %}

final as (

    select
        article_id,
        url,
        canonical_url,
        source,
        site_name,
        title,
        subtitle,
        authors,
        published_at,
        modified_at,
        section,
        tags,
        language,
        key_points,
        body_text,
        word_count,
        image_url,
        image_caption,
        image_credit,
        content_hash,
        syndicated_from_article_id,
        fetched_at,
        version_count,
        loaded_at

    from latest

    {% if is_incremental() %}
    where article_id in (select article_id from to_rebuild)
    {% endif %}

)

select * from final
