{{
    config(
        materialized='incremental',
        unique_key='article_id',
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        pre_hook=["{{ rebuild_list(ref('stg_quotes'), lookup_resolutions(), ['name_key'],
                                   [[name_key('r.speaker_name')]])
                      if is_incremental() }}",
                  "{{ queue_rebuilt_articles() }}"],
        post_hook=["{{ remove_superseded_versions() }}",
                   "{{ save_resolutions(lookup_resolutions()) }}"]
    )
}}
-- depends_on: {{ ref('stg_quotes') }}
-- depends_on: {{ ref('int_entity_lookup') }}

-- One row per quote in the latest version of each article, speaker linked when known.
-- Incremental by article, like entity_mentions: the articles loaded since the last build,
-- and those quoting a name whose lookup rows changed (rebuild_list).

with

quotes as (

    select * from {{ ref('int_quotes_linked') }}
    {{ only_articles_to_rebuild() }}

),

latest_articles as (

    select article_id, loaded_at as article_loaded_at
    from {{ ref('int_articles_latest') }}
    {{ only_articles_to_rebuild() }}

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

final as (

    select * from current_quotes

)

select * from final
