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

stored as (

    select article_id, content_hash, syndicated_from_article_id from {{ this }}

),

to_rebuild as (

    select article_id from latest
    where {{ loaded_since_last_build() }}

    union

    select latest.article_id
    from latest
    left join stored
        on stored.article_id = latest.article_id
    where stored.article_id is null
        or stored.content_hash is distinct from latest.content_hash
        or stored.syndicated_from_article_id is distinct from latest.syndicated_from_article_id

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
