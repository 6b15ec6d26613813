{{
    config(
        materialized='incremental',
        unique_key='article_id',
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        pre_hook="{{ rebuild_list(ref('stg_sanctions'), lookup_resolutions(), ['name_key'],
                                  [[name_key('r.authority_name')], [name_key('r.target_name')]])
                     if is_incremental() }}",
        post_hook=["{{ remove_superseded_versions() }}",
                   "{{ save_resolutions(lookup_resolutions()) }}"]
    )
}}
-- depends_on: {{ ref('stg_sanctions') }}
-- depends_on: {{ ref('int_entity_lookup') }}

-- One row per sanctions event on one target ("sanctions on A, B and C" => three rows) in
-- the latest version of each article. Incremental by article, like quotes: the articles
-- loaded since the last build, and those naming an authority or target whose lookup rows
-- changed (rebuild_list).

with

sanctions as (

    select * from {{ ref('int_sanctions_linked') }}
    {{ only_articles_to_rebuild() }}

),

latest_articles as (

    select article_id, loaded_at as article_loaded_at
    from {{ ref('int_articles_latest') }}
    {{ only_articles_to_rebuild() }}

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

final as (

    select * from current_sanctions

)

select * from final
