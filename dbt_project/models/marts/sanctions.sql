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

    select article_id from current_sanctions
    where {{ loaded_since_last_build() }}

    union

    select current_sanctions.article_id
    from current_sanctions
    left join {{ this }} as stored
        on stored.sanction_id = current_sanctions.sanction_id
    where stored.sanction_id is null
        or stored.content_hash <> current_sanctions.content_hash
        or stored.authority_entity_id is distinct from current_sanctions.authority_entity_id
        or stored.target_entity_id is distinct from current_sanctions.target_entity_id
        or stored.published_at is distinct from current_sanctions.published_at

),

{% endif %}

final as (

    select * from current_sanctions

    {% if is_incremental() %}
    where article_id in (select article_id from to_rebuild)
    {% endif %}

)

select * from final
