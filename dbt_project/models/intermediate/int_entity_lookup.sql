-- Every key a free-text name (a quote's speaker, a sanction's authority or target) can be
-- matched on -> the entity: names as the NLP wrote them, canonical names, and seed aliases
-- of entities that exist. One row per (name_key, entity_type); callers pick a type.

with

names as (

    select * from {{ ref('int_entity_names') }}

),

entities as (

    select * from {{ ref('int_entities') }}

),

aliases as (

    select * from {{ ref('entity_aliases') }}

),

keys as (

    select {{ name_key('observed_name') }} as name_key, entity_id, 1 as key_priority
    from names

    union all

    select {{ name_key('name') }} as name_key, entity_id, 2 as key_priority
    from entities

    union all

    select {{ name_key('aliases.alias') }} as name_key, entities.entity_id, 3 as key_priority
    from aliases
    inner join entities
        on lower(entities.name) = lower(aliases.canonical_name)
        and entities.entity_type = aliases.entity_type

),

typed as (

    select
        keys.name_key,
        keys.key_priority,
        entities.entity_id,
        entities.name,
        entities.entity_type

    from keys
    inner join entities
        on entities.entity_id = keys.entity_id

),

ranked as (

    select
        *,
        row_number() over (
            partition by name_key, entity_type
            order by key_priority, entity_id
        ) as key_rank

    from typed

),

final as (

    select name_key, entity_type, entity_id, name
    from ranked
    where key_rank = 1

)

select * from final
