with

source as (

    select * from {{ source('raw', 'entity_mentions') }}

),

renamed as (

    select
        article_id,
        content_hash,
        mention_index,
        trim(mention_text) as mention_text,
        trim(canonical_name) as canonical_name,
        lower(trim(entity_type)) as entity_type,
        nullif(trim(role), '') as role,
        nullif(trim(role_country), '') as role_country,
        paragraph_index,
        start_char,
        end_char,
        run_id,
        loaded_at

    from source

    where nullif(trim(canonical_name), '') is not null

)

select * from renamed
