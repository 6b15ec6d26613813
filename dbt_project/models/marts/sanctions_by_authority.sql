-- Daily counts of sanctions events per authority and action (UTC days, by the article's
-- published date, else the day it was fetched). A syndicated copy reports its original's
-- events again: only originals count.

with

sanctions as (

    select * from {{ ref('sanctions') }}

),

articles as (

    select article_id, fetched_at from {{ ref('articles') }}
    where syndicated_from_article_id is null

),

dated as (

    select
        cast({{ dbt.date_trunc('day', 'coalesce(sanctions.published_at, articles.fetched_at)') }} as date) as sanction_date,
        coalesce(sanctions.authority_name, 'unknown') as authority,
        sanctions.authority_entity_id,
        sanctions.action,
        sanctions.sanction_id,
        lower(sanctions.target_name) as target_key,
        sanctions.article_id

    from sanctions
    inner join articles
        on articles.article_id = sanctions.article_id

),

final as (

    select
        sanction_date,
        authority,
        max(authority_entity_id) as authority_entity_id,
        action,
        count(*) as event_count,
        count(distinct target_key) as target_count,
        count(distinct article_id) as article_count

    from dated
    group by sanction_date, authority, action

)

select * from final
