{{
    config(
        materialized='incremental',
        unique_key='article_id',
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        pre_hook=["{{ rebuild_list(ref('stg_entity_mentions'), name_resolutions(),
                                   ['observed_name', 'observed_type'],
                                   [['r.canonical_name', 'r.entity_type']])
                      if is_incremental() }}",
                  "{{ queue_rebuilt_articles() }}"],
        post_hook=["{{ remove_superseded_versions() }}",
                   "{{ save_resolutions(name_resolutions()) }}"]
    )
}}

-- One row per entity mention in the latest version of each article. Incremental by
-- article: rebuilds articles loaded since the last build, plus any whose mentions now
-- resolve to another entity (a new article can make a short form unambiguous or not:
-- rebuild_list).

with

mentions as (

    select * from {{ ref('stg_entity_mentions') }}
    {{ only_articles_to_rebuild() }}

),

latest_articles as (

    select article_id, content_hash, loaded_at as article_loaded_at
    from {{ ref('int_articles_latest') }}
    {{ only_articles_to_rebuild() }}

),

names as (

    select * from {{ ref('int_entity_names') }}

),

current_mentions as (

    select
        {{ surrogate_id(["'mention'", 'mentions.article_id', 'mentions.mention_index']) }} as mention_id,
        mentions.article_id,
        mentions.content_hash,
        names.entity_id,
        mentions.mention_index,
        mentions.mention_text,
        mentions.canonical_name as mention_name,
        names.entity_name,
        names.entity_type,
        mentions.role,
        mentions.role_country,
        mentions.paragraph_index,
        mentions.start_char,
        mentions.end_char,
        greatest(mentions.loaded_at, latest_articles.article_loaded_at) as loaded_at

    from mentions
    inner join latest_articles
        on latest_articles.article_id = mentions.article_id
        and latest_articles.content_hash = mentions.content_hash
    inner join names
        on names.observed_name = mentions.canonical_name
        and names.observed_type = mentions.entity_type

),

final as (

    select * from current_mentions

)

select * from final
