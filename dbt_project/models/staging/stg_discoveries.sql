with

source as (

    select * from {{ source('raw', 'discoveries') }}

),

renamed as (

    select
        run_id,
        source,
        trim(url) as url,
        discovered_via,
        {{ iso_timestamptz('lastmod') }} as lastmod_at,
        nullif(trim(title), '') as title,
        {{ iso_timestamptz('published_at') }} as published_at,
        loaded_at

    from source

)

select * from renamed
