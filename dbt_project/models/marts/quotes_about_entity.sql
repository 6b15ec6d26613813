{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='sync_all_columns',
        pre_hook="{{ rebuild_from_queues(['quotes', 'entity_mentions'], entity_resolutions(),
                                         'about_entity_id')
                     if is_incremental() }}",
        post_hook=["{{ empty_queues(['quotes', 'entity_mentions']) }}",
                   "{{ save_resolutions(entity_resolutions()) }}"]
    )
}}
-- depends_on: {{ ref('quotes') }}
-- depends_on: {{ ref('entity_mentions') }}
-- depends_on: {{ ref('entities') }}

-- Which entities each quote talks about: a mention whose characters lie inside the
-- quote's span. One row per (quote, entity); the speaker talking about themself is left out.
-- Incremental by article: a quote's rows depend on its own article's quotes and mentions,
-- and on its entities' names. It rebuilds the articles quotes and entity_mentions rebuilt
-- (their queues) and those naming an entity whose name changed (rebuild_from_queues).

with

quotes as (

    select * from {{ ref('quotes') }}
    {{ only_articles_to_rebuild() }}

),

mentions as (

    select * from {{ ref('entity_mentions') }}
    {{ only_articles_to_rebuild() }}

),

entities as (

    select entity_id, name, entity_type from {{ ref('entities') }}

),

mentions_in_quotes as (

    select
        quotes.quote_id,
        quotes.article_id,
        quotes.speaker_name,
        quotes.speaker_entity_id,
        quotes.quote_text,
        quotes.is_direct,
        mentions.entity_id as about_entity_id,
        mentions.mention_id

    from quotes
    inner join mentions
        on mentions.article_id = quotes.article_id
        and mentions.start_char >= quotes.start_char
        and mentions.end_char <= quotes.end_char
    where quotes.speaker_entity_id is null
        or mentions.entity_id <> quotes.speaker_entity_id

),

final as (

    select
        {{ surrogate_id(['mentions_in_quotes.quote_id', 'mentions_in_quotes.about_entity_id']) }} as quote_about_id,
        mentions_in_quotes.quote_id,
        mentions_in_quotes.article_id,
        mentions_in_quotes.speaker_name,
        mentions_in_quotes.speaker_entity_id,
        mentions_in_quotes.about_entity_id,
        entities.name as about_name,
        entities.entity_type as about_entity_type,
        count(*) as mention_count,
        mentions_in_quotes.is_direct,
        mentions_in_quotes.quote_text

    from mentions_in_quotes
    inner join entities
        on entities.entity_id = mentions_in_quotes.about_entity_id
    group by
        mentions_in_quotes.quote_id,
        mentions_in_quotes.article_id,
        mentions_in_quotes.speaker_name,
        mentions_in_quotes.speaker_entity_id,
        mentions_in_quotes.about_entity_id,
        entities.name,
        entities.entity_type,
        mentions_in_quotes.is_direct,
        mentions_in_quotes.quote_text

)

select * from final
