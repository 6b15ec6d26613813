-- Sanctions events of the current article versions, one row per (article, action,
-- authority, target): the NLP's duplicates of one event collapse to the first mention.
-- Authority and target are linked to entities through their resolved names.

with

sanctions as (

    select * from {{ ref('stg_sanctions') }}

),

latest_articles as (

    select article_id, content_hash, published_at, fetched_at, url, canonical_url
    from {{ ref('int_articles_latest') }}

),

lookup as (

    select * from {{ ref('int_entity_lookup') }}

),

current_sanctions as (

    select
        sanctions.*,
        latest_articles.published_at,
        latest_articles.fetched_at,
        coalesce(latest_articles.canonical_url, latest_articles.url) as source_url

    from sanctions
    inner join latest_articles
        on latest_articles.article_id = sanctions.article_id
        and latest_articles.content_hash = sanctions.content_hash

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by
                article_id,
                action,
                coalesce({{ name_key('authority_name') }}, ''),
                {{ name_key('target_name') }}
            order by sanction_index
        ) as duplicate_rank

    from current_sanctions

),

one_row_per_target as (

    select * from deduplicated
    where duplicate_rank = 1

),

authority_matches as (

    {{ entity_matches(type_preference('entity_type',
                                      ["'organization'", "'location'", "'group'"])) }}

),

-- A target is linked to the entity of its own type when the name has one (the lookup
-- holds one row per name and type), else to the name's first by preference.
target_matches as (

    {{ entity_matches(type_preference('entity_type', ["'person'", "'organization'", "'group'"])) }}

),

final as (

    select
        {{ surrogate_id(["'sanction'", 's.article_id', 's.sanction_index']) }} as sanction_id,
        s.article_id,
        s.content_hash,
        s.sanction_index,
        s.action,
        coalesce(authority_matches.name, s.authority_name) as authority_name,
        authority_matches.entity_id as authority_entity_id,
        coalesce(target_of_type.name, target_matches.name, s.target_name) as target_name,
        coalesce(target_of_type.entity_id, target_matches.entity_id) as target_entity_id,
        s.target_type,
        s.target_role,
        s.target_country,
        s.reason,
        s.program,
        s.measure,
        s.published_at,
        s.fetched_at,
        s.source_url,
        s.evidence_text,
        s.paragraph_index,
        s.start_char,
        s.end_char,
        s.loaded_at

    from one_row_per_target as s
    left join authority_matches
        on authority_matches.name_key = {{ name_key('s.authority_name') }}
    left join lookup as target_of_type
        on target_of_type.name_key = {{ name_key('s.target_name') }}
        and target_of_type.entity_type = s.target_type
    left join target_matches
        on target_matches.name_key = {{ name_key('s.target_name') }}

)

select * from final
