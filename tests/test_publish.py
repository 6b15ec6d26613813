import duckdb

from extractors.publish import MAX_FREE_SHARE
from extractors.stages import RunContext, publish
from extractors.warehouse import connect


def build_work_db(ctx: RunContext, titles: list[str]) -> None:
    with connect(ctx.paths.work) as con:
        con.execute("create schema if not exists marts")
        con.execute("create or replace table marts.articles (title varchar)")
        con.executemany("insert into marts.articles values (?)", [[t] for t in titles])
        con.execute("create schema if not exists audit")
        con.execute("create or replace table audit.validation_runs (run_id varchar)")


def context(tmp_path, run_id: str, full_refresh: bool = False) -> RunContext:
    return RunContext(run_id=run_id, sources_file="-", warehouse=str(tmp_path / "news.duckdb"),
                      full_refresh=full_refresh)


def published_tables(ctx: RunContext) -> dict[str, list[tuple]]:
    with connect(ctx.paths.published, read_only=True) as con:
        names = con.execute("select schema_name || '.' || table_name from duckdb_tables() "
                            "order by 1").fetchall()
        return {name: sorted(con.execute(f"select * from {name}").fetchall(), key=repr)
                for (name,) in names if name != "audit.publication"}


def work_tables(ctx: RunContext) -> dict[str, list[tuple]]:
    with connect(ctx.paths.work, read_only=True) as con:
        names = con.execute("select schema_name || '.' || table_name from duckdb_tables() "
                            "where schema_name in ('marts', 'audit') order by 1").fetchall()
        return {name: sorted(con.execute(f"select * from {name}").fetchall(), key=repr)
                for (name,) in names}


def test_publish_replaces_the_file_atomically_and_open_readers_keep_their_view(tmp_path):
    ctx = context(tmp_path, "r1")
    build_work_db(ctx, ["first"])
    counts = publish(ctx)
    assert counts == {"marts.articles": 1, "audit.validation_runs": 0, "rows_written": 1,
                      "reused_previous": False}

    reader = duckdb.connect(str(ctx.paths.published), read_only=True)
    build_work_db(ctx, ["first", "second"])
    publish(context(tmp_path, "r2"))

    # The reader opened before the second publication still sees a complete first one.
    assert reader.execute("select count(*) from marts.articles").fetchone() == (2 - 1,)
    reader.close()
    with connect(ctx.paths.published, read_only=True) as con:
        assert con.execute("select count(*) from marts.articles").fetchone() == (2,)
        assert con.execute("select run_id from audit.publication").fetchone() == ("r2",)
    assert not list(tmp_path.glob(".*publishing*"))  # no staging file left behind


def test_a_publication_updates_the_previous_one_with_only_the_rows_that_changed(tmp_path):
    ctx = context(tmp_path, "r1")
    with connect(ctx.paths.work) as con:
        con.execute("create schema marts; create schema audit")
        con.execute("create table marts.quotes as select range as quote_id, 'q' || range as "
                    "quote_text, ['a', 'b'] as speakers from range(1000)")
        con.execute("create table marts.gone as select 1 as x")
        con.execute("create table audit.validation_runs as select 'r1' as run_id")
    publish(ctx)

    with connect(ctx.paths.work) as con:
        con.execute("delete from marts.quotes where quote_id = 7")
        con.execute("update marts.quotes set speakers = ['c'] where quote_id = 8")
        con.execute("insert into marts.quotes values (1000, 'new', [])")
        con.execute("drop table marts.gone")
        con.execute("create table marts.added as select 2 as y")
        con.execute("alter table audit.validation_runs add column note varchar")
    counts = publish(context(tmp_path, "r2"))

    assert counts["reused_previous"] is True
    # quotes: 7 deleted, 8 deleted and inserted again, 1000 inserted; the new table's row;
    # validation_runs, reshaped, copied whole (1 row)
    assert counts["rows_written"] == 4 + 1 + 1
    assert published_tables(ctx) == work_tables(ctx)
    with connect(ctx.paths.published, read_only=True) as con:
        assert con.execute("select run_id from audit.publication").fetchall() == [("r2",)]


def test_a_table_whose_rows_repeat_is_copied_whole(tmp_path):
    # Rows are matched by hash: two equal rows in work match one published row, and the
    # row counts disagree after the update. The table is copied whole instead.
    ctx = context(tmp_path, "r1")
    build_work_db(ctx, ["same"])
    publish(ctx)
    build_work_db(ctx, ["same", "same"])
    counts = publish(context(tmp_path, "r2"))
    assert counts["marts.articles"] == 2
    assert published_tables(ctx) == work_tables(ctx)


def test_a_full_refresh_or_an_unreadable_or_sparse_file_is_published_from_scratch(tmp_path):
    ctx = context(tmp_path, "r1")
    build_work_db(ctx, ["first"])
    publish(ctx)
    assert publish(context(tmp_path, "r2", full_refresh=True))["reused_previous"] is False

    ctx.paths.published.write_bytes(b"not a database")
    assert publish(context(tmp_path, "r3"))["reused_previous"] is False
    assert published_tables(ctx) == work_tables(ctx)

    # Most rows replaced leaves most of the file's blocks free: the next one starts afresh.
    def titles(prefix: str) -> None:
        with connect(ctx.paths.work) as con:
            con.execute("create or replace table marts.articles as select ? || "
                        "repeat(md5(range::varchar), 10) as title from range(20000)", [prefix])

    titles("article")
    publish(context(tmp_path, "r4"))
    titles("edited")
    assert publish(context(tmp_path, "r5"))["reused_previous"] is True
    with connect(ctx.paths.published, read_only=True) as con:
        total, free = con.execute("select total_blocks, free_blocks "
                                  "from pragma_database_size()").fetchone()
    assert free > MAX_FREE_SHARE * total
    assert publish(context(tmp_path, "r6"))["reused_previous"] is False
    assert published_tables(ctx) == work_tables(ctx)
