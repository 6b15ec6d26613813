import duckdb

from extractors.stages import RunContext, publish
from extractors.warehouse import connect


def build_work_db(ctx: RunContext, titles: list[str]) -> None:
    with connect(ctx.paths.work) as con:
        con.execute("create schema if not exists marts")
        con.execute("create or replace table marts.articles (title varchar)")
        con.executemany("insert into marts.articles values (?)", [[t] for t in titles])
        con.execute("create schema if not exists audit")
        con.execute("create or replace table audit.validation_runs (run_id varchar)")


def test_publish_replaces_the_file_atomically_and_open_readers_keep_their_view(tmp_path):
    ctx = RunContext(run_id="r1", sources_file="-", warehouse=str(tmp_path / "news.duckdb"))
    build_work_db(ctx, ["first"])
    counts = publish(ctx)
    assert counts == {"marts.articles": 1, "audit.validation_runs": 0}

    reader = duckdb.connect(str(ctx.paths.published), read_only=True)
    build_work_db(ctx, ["first", "second"])
    publish(RunContext(run_id="r2", sources_file="-", warehouse=ctx.warehouse))

    # The reader opened before the second publication still sees a complete first one.
    assert reader.execute("select count(*) from marts.articles").fetchone() == (2 - 1,)
    reader.close()
    with connect(ctx.paths.published, read_only=True) as con:
        assert con.execute("select count(*) from marts.articles").fetchone() == (2,)
        assert con.execute("select run_id from audit.publication").fetchone() == ("r2",)
    assert not list(tmp_path.glob(".*publishing*"))  # no staging file left behind
