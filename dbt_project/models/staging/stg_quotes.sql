with

source as (

    select * from {{ source('raw', 'quotes') }}

),

renamed as (

    select
        article_id,
        content_hash,
        quote_index,
        quote_text,
        coalesce(is_direct, false) as is_direct,
        coalesce(is_fragment, false) as is_fragment,
        nullif(lower(trim(cue)), '') as cue,
        nullif(trim(speaker_text), '') as speaker_text,
        nullif(trim(speaker_name), '') as speaker_name,
        speaker_start,
        speaker_end,
        paragraph_index,
        start_char,
        end_char,
        run_id,
        loaded_at

    from source

)

select * from renamed
