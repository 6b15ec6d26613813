{#- Post-hook of the article-keyed incremental marts: drop rows of article versions that
    are no longer the latest (delete+insert only touches articles that still have rows,
    so a new version with no quotes would otherwise leave the old version's quotes). -#}
{% macro remove_superseded_versions() -%}
    delete from {{ this }}
    where {{ dbt.concat(['article_id', "'|'", 'content_hash']) }} not in (
        select {{ dbt.concat(['article_id', "'|'", 'content_hash']) }}
        from {{ ref('int_articles_latest') }}
        where content_hash is not null
    )
{%- endmacro %}

{#- A mart's own bookkeeping table beside the intermediate models (publish does not copy
    it): <mart>__resolutions, <mart>__rebuilt. -#}
{% macro bookkeeping_relation(suffix, mart=none) -%}
    {{ return(api.Relation.create(
        database=this.database, schema=generate_schema_name('intermediate', none) | trim,
        identifier=(mart or this.identifier) ~ '__' ~ suffix, type='table')) }}
{%- endmacro %}

{#- The articles the articles mart rebuilds, as a temporary table (its pre-hook; its query
    then reads only those: only_articles_to_rebuild()). A row depends on its own versions
    and on its syndication group (the articles sharing its body, content_hash): those with
    a version loaded since the mart's last build, plus every article sharing a body with
    one of them, as it is now or as the mart stored it (a copy that changed body leaves its
    old group). On a warehouse of 100,500 articles this list took 0.08 s to find, where the
    mart had taken 1.81 to 2.04 s fingerprinting every article to compare it with its row. -#}
{% macro articles_rebuild_list() -%}
    create temporary table {{ rebuild_list_table() }} as
    with loaded as (
        select distinct article_id from {{ ref('stg_articles') }}
        where {{ loaded_since_last_build() }}
    ),
    bodies as (
        select content_hash from {{ ref('int_articles_latest') }}
        where article_id in (select article_id from loaded)
        union
        select content_hash from {{ this }}
        where article_id in (select article_id from loaded)
    )
    select article_id from loaded
    union
    select article_id from {{ ref('int_articles_latest') }}
    where content_hash in (select content_hash from bodies)
{%- endmacro %}

{#- The marts that link names to entities (entity_mentions, quotes, sanctions) depend on
    more than their article's own rows: a new article can change what an old article's
    name resolves to ("Marsh" stops being Helen Marsh once John Marsh appears). Each keeps
    the resolutions it was last built with in a table of its own, beside the intermediate
    models (save_resolutions, in its post-hook, so it is written with the mart or not at
    all), and its next build rebuilds only the articles loaded since, plus those whose rows
    use a name whose resolution has changed: it never computes the rows of the others.
    At 100,000 articles, comparing every current row with the stored one instead made an
    incremental build cost as much as a full one. -#}
{% macro resolutions_relation() -%}
    {{ return(bookkeeping_relation('resolutions')) }}
{%- endmacro %}

{% macro save_resolutions(resolutions) -%}
    drop table if exists {{ resolutions_relation() }};
    create table {{ resolutions_relation() }} as {{ resolutions }}
{%- endmacro %}

{#- The articles a name-linking mart rebuilds, as a temporary table (in the model's
    pre-hook; its query then reads only those articles: only_articles_to_rebuild()).
    `rows`: the staging relation it is built from (article_id, loaded_at); `resolutions`:
    the query whose rows decide its links, saved after each build; `key_columns`: their
    name columns; `row_keys`: for each use of a name in a row of `rows` (alias r), the
    expressions matching `key_columns`. With no saved resolutions (the first build since
    they were introduced) every article is rebuilt. A table, not a CTE: planned against a
    table of known size, DuckDB links only those articles' rows; against a CTE it linked
    every row and filtered last (the quotes of 1,010 of 101,010 articles: 0.46 and 0.48 s
    against 4.45 and 6.37 s). -#}
{% macro rebuild_list(rows, resolutions, key_columns, row_keys) -%}
    {%- set saved = load_relation(resolutions_relation()) if execute else none -%}
    create temporary table {{ rebuild_list_table() }} as
    select article_id from {{ ref('int_articles_latest') }}
    {%- if saved is not none %}
    where {{ loaded_since_last_build() }}
    union
    select article_id from {{ rows }}
    where {{ loaded_since_last_build() }}
    union
    select r.article_id
    from {{ rows }} as r
    where
    {%- for keys in row_keys %}
        {% if not loop.first %}or {% endif %}({{ keys | join(', ') }}) in (
            {{ changed_keys(resolutions, saved, key_columns) }}
        )
    {%- endfor %}
    {%- endif %}
{%- endmacro %}

{#- The keys whose resolution rows differ between `resolutions` (now) and `saved`. -#}
{% macro changed_keys(resolutions, saved, key_columns) -%}
    select {{ key_columns | join(', ') }}
    from (
        (select * from ({{ resolutions }}) as current_resolutions
         except
         select * from {{ saved }})
        union all
        (select * from {{ saved }}
         except
         select * from ({{ resolutions }}) as current_resolutions)
    ) as changed
{%- endmacro %}

{#- The articles a mart rebuilt, queued for the marts built from its rows
    (quotes_about_entity): appended in the mart's transaction, emptied by the reader in its
    own. A build from scratch queues every article, so the reader catches up however many
    builds of the mart come before its own. -#}
{% macro queue_rebuilt_articles() -%}
    create table if not exists {{ bookkeeping_relation('rebuilt') }} (article_id {{ dbt.type_string() }});
    insert into {{ bookkeeping_relation('rebuilt') }}
    select article_id from
    {{ rebuild_list_table() if is_incremental() else ref('int_articles_latest') }}
{%- endmacro %}

{#- The articles a mart built from other marts' rows rebuilds (a pre-hook, when
    incremental): those the `marts` queued (queue_rebuilt_articles), plus those of its
    rows whose entity changed name or type since its last build (`resolutions`, saved by
    its post-hook, keyed by entity_id; `row_key` is the entity id in its rows). Their rows
    are deleted here and built again. With a queue or the saved resolutions missing, every
    article is. -#}
{% macro rebuild_from_queues(marts, resolutions, row_key) -%}
    {%- set saved = load_relation(resolutions_relation()) if execute else none -%}
    {%- set queues = [] -%}
    {%- for mart in marts -%}
        {%- do queues.append(load_relation(bookkeeping_relation('rebuilt', mart))
                             if execute else none) -%}
    {%- endfor -%}
    create temporary table {{ rebuild_list_table() }} as
    {%- if saved is none or none in queues %}
    select article_id from {{ this }}
    {%- for mart in marts %}
    union
    select article_id from {{ ref(mart) }}
    {%- endfor %}
    {%- else %}
    {%- for queue in queues %}
    select article_id from {{ queue }}
    union
    {%- endfor %}
    select article_id from {{ this }}
    where {{ row_key }} in ({{ changed_keys(resolutions, saved, ['entity_id']) }})
    {%- endif %};
    delete from {{ this }}
    where article_id in (select article_id from {{ rebuild_list_table() }})
{%- endmacro %}

{#- Post-hook of a mart reading queues: it has rebuilt what they held. -#}
{% macro empty_queues(marts) -%}
    {%- for mart in marts %}
    create table if not exists {{ bookkeeping_relation('rebuilt', mart) }} (article_id {{ dbt.type_string() }});
    delete from {{ bookkeeping_relation('rebuilt', mart) }};
    {%- endfor %}
{%- endmacro %}

{% macro rebuild_list_table() -%}
    {{ this.identifier }}__to_rebuild
{%- endmacro %}

{#- A filter for each relation an incremental mart reads by article, when it builds
    incrementally: filtered on the final rows alone, DuckDB still joined the rows of every
    article (the sanctions of 1,010 of 101,010 articles: 2.0 to 2.6 s with one of its two
    inputs filtered, 0.3 s with both). -#}
{% macro only_articles_to_rebuild(keyword='where') -%}
    {%- if is_incremental() -%}
    {{ keyword }} article_id in (select article_id from {{ rebuild_list_table() }})
    {%- endif -%}
{%- endmacro %}

{#- Each article's latest successfully parsed version (fetched last, then loaded last), with
    its number of versions. `filter` ("and ...") limits the versions ranked: DuckDB applies
    a filter on the result only after ranking every version, bodies included (the articles
    mart rebuilding 1,000 of 100,500 articles through int_articles_latest: 1.5 s). -#}
{% macro latest_article_versions(filter='') -%}
    select *
    from (
        select
            *,
            row_number() over (
                partition by article_id
                order by fetched_at desc nulls last, loaded_at desc, content_sha256 desc
            ) as version_rank,
            count(*) over (partition by article_id) as version_count

        from {{ ref('stg_articles') }}
        where parse_status = 'ok' {{ filter }}
    ) as versions
    where version_rank = 1
{%- endmacro %}
