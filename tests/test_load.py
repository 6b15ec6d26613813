import dataclasses
import subprocess
import sys

import duckdb
import pyarrow as pa
import pytest

from extractors import stagefiles
from extractors.load import EnrichmentStatus, create_raw_tables, load_enrichments, load_rows
from extractors.records import EntityMention, ParsedArticle
from extractors.stages import RunContext, _enriched_versions, final_fetch_rows


@pytest.fixture
def con():
    con = duckdb.connect()
    create_raw_tables(con)
    yield con
    con.close()


def article(sha: str, body: str) -> ParsedArticle:
    return ParsedArticle(url="http://x.test/a", parse_status="ok", article_id="a1",
                         content_sha256=sha, authors=["Ann Lee"], paragraphs=[body],
                         body_text=body, content_hash=f"h-{body}")


def mention(index: int) -> EntityMention:
    return EntityMention(article_id="a1", content_hash="h-v1", mention_index=index,
                         mention_text="Marsh", canonical_name="Helen Marsh",
                         entity_type="person", paragraph_index=0, start_char=0, end_char=5)


def test_reloading_the_same_records_changes_nothing(con):
    load_rows(con, "articles", [article("s1", "v1")], "run-1")
    load_rows(con, "articles", [article("s1", "v1"), article("s1", "v1")], "run-1")
    rows = con.sql("select article_id, authors, run_id from raw.articles").fetchall()
    assert rows == [("a1", '["Ann Lee"]', "run-1")]


def test_a_new_page_version_is_kept_beside_the_old_one(con):
    load_rows(con, "articles", [article("s1", "v1")], "run-1")
    load_rows(con, "articles", [article("s2", "v2")], "run-2")
    assert con.execute("select count(*) from raw.articles").fetchone() == (2,)


def test_child_rows_are_replaced_per_article_version_not_collapsed(con):
    load_rows(con, "entity_mentions", [mention(0), mention(1), mention(2)], "run-1")
    load_rows(con, "entity_mentions", [mention(0), mention(1)], "run-2")
    assert con.execute("select count(*), max(run_id) from raw.entity_mentions").fetchone() == (
        2, "run-2")


def test_a_reanalysis_that_finds_nothing_clears_the_old_rows(con):
    load_rows(con, "entity_mentions", [mention(0), mention(1)], "run-1")
    analysed = [{"article_id": "a1", "content_hash": "h-v1"}]
    load_rows(con, "entity_mentions", [], "run-2", replaces=analysed)
    assert con.execute("select count(*) from raw.entity_mentions").fetchone() == (0,)


def test_a_failed_enrichment_batch_leaves_no_status_without_its_rows(con):
    good = {"article_id": "a1", "content_hash": "h-v1", "status": "ok", "quotes": [],
            "sanctions": [], "mentions": [dataclasses.asdict(mention(0))]}
    broken_mention = {**dataclasses.asdict(mention(0)), "article_id": "a2",
                      "mention_index": "not a number"}
    broken = {**good, "article_id": "a2", "mentions": [broken_mention]}
    with pytest.raises(pa.ArrowInvalid):
        load_enrichments(con, [good, broken], "run-1", batch_size=1)
    # the first batch committed whole; the second, status and mention, not at all
    assert con.sql("select article_id from raw.enrichments").fetchall() == [("a1",)]
    assert con.sql("select article_id from raw.entity_mentions").fetchall() == [("a1",)]


def test_torn_last_line_is_ignored_but_a_corrupt_middle_line_is_an_error(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_text('{"a": 1}\n{"a": 2}\n{"a": ')
    assert list(stagefiles.read_jsonl(path)) == [{"a": 1}, {"a": 2}]
    path.write_text('{"a": 1}\n{"a": \n{"a": 3}\n')
    with pytest.raises(ValueError):
        list(stagefiles.read_jsonl(path))


def test_a_fetch_log_yields_each_pages_last_finished_attempt_in_log_order(tmp_path):
    path = tmp_path / "fetches.jsonl"
    rows = [{"url": "a", "attempt": 1, "status": "retrying"},
            {"url": "b", "attempt": 1, "status": "ok"},
            {"url": "robots", "attempt": 1, "status": "ok", "is_feed": True},
            {"url": "a", "attempt": 2, "status": "failed"},
            {"url": "a", "attempt": 1, "status": "ok"}]  # a resumed run fetched it again
    path.write_text("".join(stagefiles.to_json(r) + "\n" for r in rows) + '{"url": "c", "att')
    assert [(r["url"], r["status"]) for r in final_fetch_rows(path)] == [("b", "ok"), ("a", "ok")]


def test_enrich_asks_the_database_only_about_this_runs_versions(tmp_path):
    ctx = RunContext(run_id="run-2", sources_file="unused.yml",
                     warehouse=str(tmp_path / "news.duckdb"))
    assert _enriched_versions(ctx, [("a1", "h-v1")]) == set()  # no database yet
    with duckdb.connect(str(ctx.paths.work)) as con:
        create_raw_tables(con)
        load_rows(con, "enrichments", [EnrichmentStatus("a1", "h-v1", "ok"),
                                       EnrichmentStatus("a2", "h-v1", "error"),
                                       EnrichmentStatus("a3", "h-v1", "ok")], "run-1")
    # a2 failed, so it is tried again; a3 is not in this run; a1 at v2 is a new version
    keys = [("a1", "h-v1"), ("a2", "h-v1"), ("a1", "h-v2")]
    assert _enriched_versions(ctx, keys) == {("a1", "h-v1")}


def test_pipeline_connections_draw_no_progress_bar(tmp_path):
    # DuckDB draws its bar on stdout for long queries, even into a task's log file. Under
    # pytest a new connection has it off already, so look from a plain process
    script = ("import sys; from pathlib import Path; from extractors.warehouse import connect\n"
              "with connect(Path(sys.argv[1])) as con:\n"
              "    setting = \"select current_setting('enable_progress_bar')\"\n"
              "    print(con.execute(setting).fetchone()[0])")
    shown = subprocess.run([sys.executable, "-c", script, str(tmp_path / "w.duckdb")],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert shown == "False"
