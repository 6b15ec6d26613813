with

source as (

    select * from {{ source('raw', 'articles') }}

),

renamed as (

    select
        -- ids
        article_id,
        content_sha256,
        nullif(content_hash, '') as content_hash,
        run_id,

        -- page
        source,
        url,
        nullif(trim(canonical_url), '') as canonical_url,
        lower(parse_status) as parse_status,
        parse_error,
        extraction_method,

        -- text
        nullif(trim(title), '') as title,
        nullif(trim(subtitle), '') as subtitle,
        {{ json_text_list('authors') }} as authors,
        nullif(trim(section), '') as section,
        {{ json_text_list('tags') }} as tags,
        nullif(lower(trim(language)), '') as language,
        nullif(trim(site_name), '') as site_name,
        nullif(trim(image_url), '') as image_url,
        nullif(trim(image_caption), '') as image_caption,
        nullif(trim(image_credit), '') as image_credit,
        {{ json_text_list('key_points') }} as key_points,
        {{ json_text_list('paragraphs') }} as paragraphs,
        body_text,
        coalesce(word_count, 0) as word_count,

        -- time
        {{ iso_timestamptz('published_at') }} as published_at,
        {{ iso_timestamptz('modified_at') }} as modified_at,
        {{ iso_timestamptz('fetched_at') }} as fetched_at,
        loaded_at

    from source

)

select * from renamed
