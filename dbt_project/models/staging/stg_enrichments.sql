with

source as (

    select * from {{ source('raw', 'enrichments') }}

),

renamed as (

    select
        article_id,
        content_hash,
        lower(status) as status,
        error,
        run_id,
        loaded_at

    from source

)

select * from renamed
