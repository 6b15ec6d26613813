-- Quotes of the current article versions, with the speaker linked to an entity through
-- its resolved name (alias seed and short forms included); people win over namesakes.

with

quotes as (

    select * from {{ ref('stg_quotes') }}

),

latest_articles as (

    select article_id, content_hash from {{ ref('int_articles_latest') }}

),

lookup as (

    select * from {{ ref('int_entity_lookup') }}

),

current_quotes as (

    select quotes.*
    from quotes
    inner join latest_articles
        on latest_articles.article_id = quotes.article_id
        and latest_articles.content_hash = quotes.content_hash

),

speaker_matches as (

    {{ entity_matches(type_preference('entity_type', ["'person'", "'organization'", "'group'"])) }}

),

final as (

    select
        {{ surrogate_id(["'quote'", 'current_quotes.article_id', 'current_quotes.quote_index']) }} as quote_id,
        current_quotes.article_id,
        current_quotes.content_hash,
        current_quotes.quote_index,
        current_quotes.quote_text,
        coalesce(speaker_matches.name, current_quotes.speaker_name) as speaker_name,
        speaker_matches.entity_id as speaker_entity_id,
        current_quotes.speaker_text,
        current_quotes.cue,
        current_quotes.is_direct,
        current_quotes.is_fragment,
        current_quotes.paragraph_index,
        current_quotes.start_char,
        current_quotes.end_char,
        current_quotes.loaded_at

    from current_quotes
    left join speaker_matches
        on speaker_matches.name_key = {{ name_key('current_quotes.speaker_name') }}

)

select * from final
