-- One row per article_id: its latest successfully parsed version, and the article it
-- was syndicated from when another article_id carries the same body (content_hash).

with

latest as (

    {{ latest_article_versions() }}

),

copies as (

    -- the earliest published (else fetched) article_id carrying each body
    select
        article_id,
        first_value(article_id) over (
            partition by content_hash
            order by coalesce(published_at, fetched_at) nulls last, fetched_at, article_id
        ) as first_article_id,
        count(*) over (partition by content_hash) as copy_count

    from latest
    where content_hash is not null

),

final as (

    select
        latest.article_id,
        latest.content_sha256,
        latest.content_hash,
        latest.run_id,
        latest.source,
        latest.url,
        latest.canonical_url,
        latest.extraction_method,
        latest.title,
        latest.subtitle,
        latest.authors,
        latest.section,
        latest.tags,
        latest.language,
        latest.site_name,
        latest.image_url,
        latest.image_caption,
        latest.image_credit,
        latest.key_points,
        latest.paragraphs,
        latest.body_text,
        latest.word_count,
        latest.published_at,
        latest.modified_at,
        latest.fetched_at,
        latest.loaded_at,
        latest.version_count,
        case
            when copies.copy_count > 1 and copies.first_article_id <> latest.article_id
                then copies.first_article_id
        end as syndicated_from_article_id

    from latest
    left join copies
        on copies.article_id = latest.article_id

)

select * from final
