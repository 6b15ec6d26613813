with

source as (

    select * from {{ source('raw', 'fetches') }}

),

renamed as (

    select
        run_id,
        source,
        url,
        attempt,
        lower(status) as status,
        {{ iso_timestamptz('fetched_at') }} as fetched_at,
        final_url,
        http_status,
        error_class,
        error_message,
        content_type,
        charset,
        bytes as byte_count,
        elapsed_ms,
        content_sha256,
        etag,
        last_modified,
        coalesce(is_feed, false) as is_feed,
        loaded_at

    from source

)

select * from renamed
