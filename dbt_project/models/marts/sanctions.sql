{{
    config(
        materialized='incremental',
        unique_key='article_id',
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        post_hook="{{ remove_superseded_versions() }}"
    )
}}

-- One row per sanctions event on one target ("sanctions on A, B and C" => three rows) in
-- the latest version of each article. Incremental by article, like entity_mentions.

with

sanctions as (

    select * from {{ ref('int_sanctions_linked') }}

),

latest_articles as (

    select article_id, loaded_at as article_loaded_at
    from {{ ref('int_articles_latest') }}

),

current_sanctions as (

    select
        sanctions.sanction_id,
        sanctions.article_id,
        sanctions.content_hash,
        sanctions.sanction_index,
        sanctions.action,
        sanctions.authority_name,
        sanctions.authority_entity_id,
        sanctions.target_name,
        sanctions.target_entity_id,
        sanctions.target_type,
        sanctions.target_role,
        sanctions.target_country,
        sanctions.reason,
        sanctions.program,
        sanctions.measure,
        sanctions.published_at,
        sanctions.source_url,
        sanctions.evidence_text,
        sanctions.paragraph_index,
        sanctions.start_char,
        sanctions.end_char,
        greatest(sanctions.loaded_at, latest_articles.article_loaded_at) as loaded_at

    from sanctions
    inner join latest_articles
        on latest_articles.article_id = sanctions.article_id

),

{% if is_incremental() %}

to_rebuild as (

    {{ articles_to_rebuild('current_sanctions', 'sanction_id',
                           ['content_hash', 'authority_entity_id', 'target_entity_id',
                            'published_at']) }}

),

{% endif %}

final as (

    select * from current_sanctions

    {% if is_incremental() %}
    where article_id in (select article_id from to_rebuild)
    {% endif %}

)

select * from final
