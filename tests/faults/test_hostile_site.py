"""Scenario 3: a hostile site and a healthy one in the same run.

Every misbehaviour in tests/faults/sites.py at once: timeouts, a trickling body, 5xx,
429 with Retry-After, 404, a redirect loop, a redirect to file://, huge and endless bodies,
binary bodies, a mislabelled encoding, non-article pages, and malformed feeds/sitemaps.
"""

from collections import Counter
from datetime import datetime

import duckdb
import pytest

from extractors.report import summarize
from extractors.stages import RunContext, final_fetches
from tests.faults.conftest import demo_sources, run_pipeline, write_sources
from tests.faults.sites import RETRY_AFTER_SECONDS, Site, hostile_routes, hostile_source

pytestmark = pytest.mark.faults
HEALTHY = "harbour-times"
RUN_ID = "hostile-1"
MAX_RUN_SECONDS = 150


@pytest.fixture(scope="module")
def hostile_run(demo_url, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    with Site() as site:
        routes, expected = hostile_routes(site.base_url)
        site.routes.update(routes)
        healthy = next(s for s in demo_sources(demo_url) if s["name"] == HEALTHY)
        sources = write_sources(folder / "sources.yml", [hostile_source(site.base_url), healthy])
        run = run_pipeline(sources, folder / "news.duckdb", RUN_ID)
    ctx = RunContext(run_id=RUN_ID, sources_file=str(sources),
                     warehouse=str(folder / "news.duckdb"))
    return run, ctx, expected


def work_rows(ctx: RunContext, sql: str) -> list[tuple]:
    with duckdb.connect(str(ctx.paths.work), read_only=True) as con:
        return con.execute(sql, [RUN_ID]).fetchall()


def test_the_run_finishes_and_publishes(hostile_run, measured):
    run, ctx, _ = hostile_run
    print(f"hostile run took {run.seconds} s")
    measured(run_seconds=run.seconds)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.seconds < MAX_RUN_SECONDS
    assert ctx.paths.published.exists()


def test_the_healthy_source_is_complete(hostile_run, measured):
    run, ctx, _ = hostile_run
    discovered = run.result("discover", HEALTHY)["discovered"]
    assert run.result("fetch", HEALTHY).get("ok") == discovered
    assert run.result("parse", HEALTHY) == {"ok": discovered, "processes": 1}
    with duckdb.connect(str(ctx.paths.published), read_only=True) as con:
        published = con.execute("select count(*) from marts.articles where source = ?",
                                [HEALTHY]).fetchone()[0]
    measured(healthy_published=f"{published}/{discovered}")
    assert published == discovered == 11


def test_summary_counts_add_up(hostile_run):
    run, ctx, _ = hostile_run
    summary = summarize(ctx)  # what `make run` prints
    assert summary["discovered"] == sum(summary["fetch"].values()) + summary["not_fetched"]
    for source in ctx.sources:
        plan = run.result("discover", source)
        outcomes = Counter(r["status"] for r in final_fetches(ctx.file("fetches", source)).values())
        print(source, plan, dict(outcomes))
        assert plan["discovered"] == (outcomes["ok"] + outcomes["not_modified"]
                                      + outcomes["skipped"] + outcomes["failed"]
                                      + plan["unchanged"])


def test_every_page_ends_as_expected(hostile_run):
    _, ctx, expected = hostile_run
    final = final_fetches(ctx.file("fetches", "hostile"))
    parsed = dict(work_rows(ctx, "select url, parse_status from raw.articles where run_id = ?"))
    got = {}
    for url in expected:
        record = final.get(url)
        if record is None:
            got[url] = "missing"
        elif record["status"] == "ok":
            got[url] = parsed.get(record["final_url"] or url, "unparsed")
        else:
            got[url] = record["error_class"]
    assert got == expected


def test_every_failure_is_a_row_with_a_reason(hostile_run, measured):
    _, ctx, _ = hostile_run
    fetches = work_rows(ctx, "select url, status, error_class, error_message from raw.fetches "
                             "where run_id = ? and status in ('failed', 'skipped')")
    reasons = Counter(error_class for _, _, error_class, _ in fetches)
    print("failed/skipped fetches by reason:", dict(reasons))
    measured(failure_rows=len(fetches), reasons=len(reasons))
    assert fetches and all(error_class and message for _, _, error_class, message in fetches)
    feeds = dict(work_rows(ctx, "select url, error_class from raw.fetches where run_id = ? "
                                "and is_feed and status = 'failed'"))
    assert sorted(set(feeds.values())) == ["http_404", "malformed_feed", "malformed_sitemap"]
    articles = work_rows(ctx, "select parse_status, parse_error from raw.articles "
                              "where run_id = ? and parse_status <> 'ok'")
    assert articles and all(status != "parse_error" or error for status, error in articles)


def test_retry_after_is_respected(hostile_run):
    _, ctx, _ = hostile_run
    attempts = work_rows(ctx, "select attempt, status, http_status, fetched_at from raw.fetches "
                              "where run_id = ? and url like '%/h/busy.html' order by attempt")
    assert [(a, s, h) for a, s, h, _ in attempts] == [(1, "retrying", 429), (2, "ok", 200)]
    waited = (datetime.fromisoformat(attempts[1][3]) - datetime.fromisoformat(attempts[0][3]))
    assert waited.total_seconds() >= RETRY_AFTER_SECONDS


def test_non_http_links_are_never_queued(hostile_run):
    _, ctx, _ = hostile_run
    schemes = {url.split(":", 1)[0] for (url,) in work_rows(
        ctx, "select url from raw.discoveries where run_id = ?")}
    assert schemes == {"http"}
