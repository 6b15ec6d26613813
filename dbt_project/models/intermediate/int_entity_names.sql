-- Alias resolution: every (name, type) the NLP wrote as a mention's canonical_name ->
-- the entity it names. Two rules, in order:
--   1. the entity_aliases seed ("U.S." -> United States, "OFAC" -> US Treasury), which
--      also fixes the entity type;
--   2. a person name equal to the last token(s) of exactly one longer person name seen
--      in any current article ("Marsh" -> "Helen Marsh"); ambiguous short forms stay.

with

mentions as (

    select * from {{ ref('stg_entity_mentions') }}

),

latest_articles as (

    select article_id, content_hash from {{ ref('int_articles_latest') }}

),

aliases as (

    select
        {{ name_key('alias') }} as alias_key,
        canonical_name,
        entity_type

    from {{ ref('entity_aliases') }}

),

current_mentions as (

    select mentions.*
    from mentions
    inner join latest_articles
        on latest_articles.article_id = mentions.article_id
        and latest_articles.content_hash = mentions.content_hash

),

observed as (

    select
        canonical_name as observed_name,
        entity_type as observed_type,
        count(*) as mention_count

    from current_mentions
    group by 1, 2

),

aliased as (

    select
        observed.observed_name,
        observed.observed_type,
        observed.mention_count,
        coalesce(aliases.canonical_name, observed.observed_name) as aliased_name,
        coalesce(aliases.entity_type, observed.observed_type) as aliased_type

    from observed
    left join aliases
        on aliases.alias_key = {{ name_key('observed.observed_name') }}

),

person_names as (

    select distinct aliased_name as person_name
    from aliased
    where aliased_type = 'person'

),

short_forms as (

    -- "Marsh" -> every longer person name ending in " Marsh"
    select
        short.person_name as short_name,
        min(long.person_name) as long_name,
        count(distinct lower(long.person_name)) as candidate_count

    from person_names as short
    inner join person_names as long
        on {{ dbt.length('long.person_name') }} > {{ dbt.length('short.person_name') }}
        and lower({{ dbt.right('long.person_name', dbt.length('short.person_name') ~ ' + 1') }})
            = {{ dbt.concat(["' '", 'lower(short.person_name)']) }}
    group by 1

),

resolved as (

    select
        aliased.observed_name,
        aliased.observed_type,
        aliased.mention_count,
        case
            when short_forms.candidate_count = 1 then short_forms.long_name
            else aliased.aliased_name
        end as entity_name,
        aliased.aliased_type as entity_type,
        case
            when aliased.aliased_name <> aliased.observed_name then 'alias'
            when short_forms.candidate_count = 1 then 'short_form'
            else 'as_written'
        end as resolution

    from aliased
    left join short_forms
        on aliased.aliased_type = 'person'
        and short_forms.short_name = aliased.aliased_name

),

final as (

    select
        observed_name,
        observed_type,
        entity_name,
        entity_type,
        {{ surrogate_id(['entity_type', 'lower(entity_name)']) }} as entity_id,
        resolution,
        mention_count

    from resolved

)

select * from final
