with

source as (

    select * from {{ source('raw', 'sanctions') }}

),

renamed as (

    select
        article_id,
        content_hash,
        sanction_index,
        lower(trim(action)) as action,
        nullif(trim(authority_name), '') as authority_name,
        trim(target_name) as target_name,
        nullif(lower(trim(target_type)), '') as target_type,
        nullif(trim(target_role), '') as target_role,
        nullif(trim(target_country), '') as target_country,
        nullif(trim(reason), '') as reason,
        nullif(trim(program), '') as program,
        nullif(trim(measure), '') as measure,
        evidence_text,
        paragraph_index,
        start_char,
        end_char,
        run_id,
        loaded_at

    from source

    where nullif(trim(target_name), '') is not null

)

select * from renamed
