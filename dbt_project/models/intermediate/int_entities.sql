-- One row per canonical entity. entity_id = md5(entity_type || '|' || lower(name)), so it
-- is the same in every run and on every engine; the display name is the most used spelling.

with

names as (

    select * from {{ ref('int_entity_names') }}

),

spellings as (

    select
        entity_id,
        entity_name,
        entity_type,
        sum(mention_count) as mention_count

    from names
    group by 1, 2, 3

),

ranked as (

    select
        *,
        row_number() over (
            partition by entity_id
            order by mention_count desc, entity_name
        ) as spelling_rank

    from spellings

),

final as (

    select
        entity_id,
        entity_name as name,
        entity_type

    from ranked
    where spelling_rank = 1

)

select * from final
