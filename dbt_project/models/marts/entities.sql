-- One row per canonical entity seen in the latest version of any article: a full
-- rebuild each run (it aggregates across all articles, and is small).

with

entities as (

    select * from {{ ref('int_entities') }}

),

names as (

    select * from {{ ref('int_entity_names') }}

),

mentions as (

    select * from {{ ref('stg_entity_mentions') }}

),

latest_articles as (

    select
        article_id,
        content_hash,
        coalesce(published_at, fetched_at) as seen_at

    from {{ ref('int_articles_latest') }}

),

current_mentions as (

    select
        names.entity_id,
        mentions.article_id,
        mentions.mention_text,
        mentions.canonical_name,
        latest_articles.seen_at

    from mentions
    inner join latest_articles
        on latest_articles.article_id = mentions.article_id
        and latest_articles.content_hash = mentions.content_hash
    inner join names
        on names.observed_name = mentions.canonical_name
        and names.observed_type = mentions.entity_type

),

spellings as (

    select entity_id, mention_text as spelling from current_mentions
    union
    select entity_id, canonical_name as spelling from current_mentions

),

aliases as (

    select
        entity_id,
        {{ list_agg_distinct('spelling') }} as aliases

    from spellings
    group by 1

),

mention_stats as (

    select
        entity_id,
        count(*) as mention_count,
        count(distinct article_id) as article_count,
        min(seen_at) as first_seen_at,
        max(seen_at) as last_seen_at

    from current_mentions
    group by 1

),

final as (

    select
        entities.entity_id,
        entities.name,
        entities.entity_type,
        aliases.aliases,
        mention_stats.mention_count,
        mention_stats.article_count,
        mention_stats.first_seen_at,
        mention_stats.last_seen_at

    from entities
    inner join mention_stats
        on mention_stats.entity_id = entities.entity_id
    inner join aliases
        on aliases.entity_id = entities.entity_id

)

select * from final
