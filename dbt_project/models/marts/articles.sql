{{
    config(
        materialized='incremental',
        unique_key='article_id',
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        pre_hook="{{ articles_rebuild_list() if is_incremental() }}"
    )
}}
-- depends_on: {{ ref('stg_articles') }}

-- One row per article: its latest parsed version. Incremental: rebuilds the articles with
-- a version loaded since the last build, and those sharing a body with one of them (a new
-- copy of a body can change who was first): articles_rebuild_list.

with

-- the versions of the articles to rebuild only (latest_article_versions)
latest as (

    {{ latest_article_versions(only_articles_to_rebuild('and')) }}

),

syndication as (

    select article_id, syndicated_from_article_id
    from {{ ref('int_articles_latest') }}
    {{ only_articles_to_rebuild() }}

),

final as (

    select
        latest.article_id,
        latest.url,
        latest.canonical_url,
        latest.source,
        latest.site_name,
        latest.title,
        latest.subtitle,
        latest.authors,
        latest.published_at,
        latest.modified_at,
        latest.section,
        latest.tags,
        latest.language,
        latest.key_points,
        latest.body_text,
        latest.word_count,
        latest.image_url,
        latest.image_caption,
        latest.image_credit,
        latest.content_hash,
        syndication.syndicated_from_article_id,
        latest.fetched_at,
        latest.version_count,
        latest.loaded_at

    from latest
    inner join syndication
        on syndication.article_id = latest.article_id

)

select * from final
