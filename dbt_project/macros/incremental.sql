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

{#- The articles an article-keyed incremental mart rebuilds: those loaded since its last
    build, plus any whose rows would now differ from the stored ones in `key` (a row added
    or gone) or in one of `compared` (a re-resolved entity, a changed date). `current` is the
    CTE holding the model's rows as they would be built in full.
    Rows are compared through one fingerprint per article on each side, not joined row to
    row: at 100,000 articles the row join (4 million quotes, under DuckDB's 1 GB cap) took
    5.6 s, the per-article fingerprints 1.9 s. The key is hashed with the compared columns,
    so no two rows of an article hash alike and cancel out in the XOR. -#}
{% macro articles_to_rebuild(current, key, compared) -%}
    {%- set columns = [key] + compared -%}
    select current_articles.article_id
    from (
        select
            article_id,
            max(loaded_at) as loaded_at,
            {{ rows_fingerprint(columns) }} as fingerprint
        from {{ current }}
        group by article_id
    ) as current_articles
    left join (
        select article_id, {{ rows_fingerprint(columns) }} as fingerprint
        from {{ this }}
        group by article_id
    ) as stored
        on stored.article_id = current_articles.article_id
    where {{ loaded_since_last_build() }}
        or stored.fingerprint is distinct from current_articles.fingerprint
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
    {{ return(api.Relation.create(
        database=this.database, schema=generate_schema_name('intermediate', none) | trim,
        identifier=this.identifier ~ '__resolutions', type='table')) }}
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
        )
    {%- endfor %}
    {%- endif %}
{%- endmacro %}

{% macro rebuild_list_table() -%}
    {{ this.identifier }}__to_rebuild
{%- endmacro %}

{#- A filter for each relation a name-linking mart reads by article, when it builds
    incrementally: filtered on the final rows alone, DuckDB still joined the rows of every
    article (the sanctions of 1,010 of 101,010 articles: 2.0 to 2.6 s with one of its two
    inputs filtered, 0.3 s with both). -#}
{% macro only_articles_to_rebuild() -%}
    {%- if is_incremental() -%}
    where article_id in (select article_id from {{ rebuild_list_table() }})
    {%- endif -%}
{%- endmacro %}
