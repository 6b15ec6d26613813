{{
    config(
        materialized='incremental',
        unique_key='article_id',
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        post_hook="{{ remove_superseded_versions() }}"
    )
}}

-- One row per quote in the latest version of each article, speaker linked when known.
-- Incremental by article, like entity_mentions.

with

quotes as (

    select * from {{ ref('int_quotes_linked') }}

),

latest_articles as (

    select article_id, loaded_at as article_loaded_at
    from {{ ref('int_articles_latest') }}

),

current_quotes as (

    select
        quotes.quote_id,
        quotes.article_id,
        quotes.content_hash,
        quotes.quote_index,
        quotes.quote_text,
        quotes.speaker_name,
        quotes.speaker_entity_id,
        quotes.speaker_text,
        quotes.cue,
        quotes.is_direct,
        quotes.is_fragment,
        quotes.paragraph_index,
        quotes.start_char,
        quotes.end_char,
        greatest(quotes.loaded_at, latest_articles.article_loaded_at) as loaded_at

    from quotes
    inner join latest_articles
        on latest_articles.article_id = quotes.article_id

),

{% if is_incremental() %}

to_rebuild as (

    {{ articles_to_rebuild('current_quotes', 'quote_id',
                           ['content_hash', 'speaker_entity_id', 'speaker_name']) }}

),

{% endif %}

final as (

    select * from current_quotes

    {% if is_incremental() %}
    where article_id in (select article_id from to_rebuild)
    {% endif %}

)

select * from final
