"""The crawler across stages and runs, against a local server (127.0.0.1 only).

discover -> plan -> fetch -> parse -> enrich as the pipeline runs them (extractors.stages),
for what no single module shows: one fetch per article however many feeds list it, parse
and enrich in several processes, a 304 on the next run that costs no parse, the archive on
an fsspec URL, and a SIGKILL mid-fetch.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from werkzeug import Request, Response

from extractors import stagefiles, stages
from extractors.archive import Archive
from extractors.discover import discover_source, plan_fetches
from extractors.fetch import HttpClient
from extractors.records import KnownPage
from extractors.stages import RunContext, final_fetches
from extractors.urls import article_id_for
from tests import http_site
from tests.http_site import LOCAL_SOURCE, base_url, paths

local_server, srv = http_site.local_server, http_site.srv

ROOT = Path(__file__).resolve().parents[1]
HTML_TYPE = "text/html; charset=utf-8"
SOURCE = "test"


def article(title: str, head: str = "") -> bytes:
    return (
        f'<html><head><title>{title}</title><meta property="og:type" content="article">{head}'
        f"</head><body><article><h1>{title}</h1>"
        + "<p>The minister said the talks would resume on Monday in Geneva.</p>" * 8
        + "</article></body></html>"
    ).encode()


def context(tmp_path: Path, run_id: str, **source) -> RunContext:
    sources_file = tmp_path / "sources.yml"
    sources_file.write_text(
        yaml.safe_dump({"sources": [{**LOCAL_SOURCE, "name": SOURCE, **source}]}),
        encoding="utf-8",
    )
    return RunContext(
        run_id=run_id, sources_file=str(sources_file), warehouse=str(tmp_path / "news.duckdb")
    )


def discover_and_plan(ctx: RunContext, known: dict[str, KnownPage]) -> None:
    """stages.discover without the work database: `known` stands in for raw.fetches."""
    source = ctx.sources[SOURCE]
    with HttpClient(source) as client:
        discovered, _ = discover_source(source, ctx.run_id, client)
    plan, _ = plan_fetches(source, discovered, known, datetime.now(UTC))
    stagefiles.write_jsonl(ctx.file("discovered", SOURCE), discovered)
    stagefiles.write_jsonl(ctx.file("plan", SOURCE), plan)


def known_from(ctx: RunContext) -> dict[str, KnownPage]:
    """What the next run knows about this run's pages (as stages.known_pages reads raw)."""
    discovered = stagefiles.read_jsonl(ctx.file("discovered", SOURCE))
    lastmods = {d["url"]: d["lastmod"] for d in discovered}
    return {
        url: KnownPage(url, r["fetched_at"], r["etag"], r["last_modified"], lastmods.get(url))
        for url, r in final_fetches(ctx.file("fetches", SOURCE)).items()
        if r["status"] in ("ok", "not_modified")
    }


def validated(ctx: RunContext) -> None:
    """The run's files in raw, and the run recorded as validated (as validate would)."""
    from extractors.validate import AUDIT_DDL
    from extractors.warehouse import connect

    stages.load(ctx)
    with connect(ctx.paths.work) as con:
        con.execute(AUDIT_DDL)
        con.execute("insert into audit.validation_runs (run_id, validated_at, table_name, "
                    "expectation, success) values (?, now(), 'raw.fetches', 'x', true)",
                    [ctx.run_id])


# --- feeds and sitemaps across runs ---------------------------------------------------


def test_an_unchanged_feed_is_304_after_a_validated_run_and_its_urls_are_kept(srv, tmp_path):
    base = base_url(srv)
    items = "".join(f"<item><title>{n}</title><link>{base}/{n}.html</link></item>"
                    for n in ("one", "two"))
    feed = f'<rss version="2.0"><channel><title>T</title>{items}</channel></rss>'
    srv.expect_request("/feed.xml", headers={"If-None-Match": '"f1"'}).respond_with_data(
        "", status=304, headers={"ETag": '"f1"'})
    srv.expect_request("/feed.xml").respond_with_data(
        feed, content_type="application/rss+xml", headers={"ETag": '"f1"'})

    def discover(run_id: str) -> tuple[dict, list[dict]]:
        ctx = context(tmp_path, run_id, feeds=[f"{base}/feed.xml"])
        counts = stages.discover(ctx, SOURCE)
        return counts, list(stagefiles.read_jsonl(ctx.file("discovered", SOURCE)))

    first, _ = discover("r1")
    # r1 is loaded but never validated: r2 cannot rely on its discoveries
    stages.load(context(tmp_path, "r1", feeds=[f"{base}/feed.xml"]))
    second, _ = discover("r2")
    validated(context(tmp_path, "r2", feeds=[f"{base}/feed.xml"]))
    third, listed = discover("r3")

    assert [c["feeds_not_modified"] for c in (first, second, third)] == [0, 0, 1]
    assert third["discovered"] == 2 and third["unchanged"] == 0  # pages never fetched
    assert sorted((d["url"], d["title"], d["discovered_via"]) for d in listed) == [
        (f"{base}/one.html", "one", f"{base}/feed.xml"),
        (f"{base}/two.html", "two", f"{base}/feed.xml")]
    conditional = ["If-None-Match" in request.headers for request, _ in srv.log]
    assert conditional == [False, False, True]
    # A full refresh reads the feed again, unconditionally.
    ctx = RunContext(run_id="r4", sources_file=str(tmp_path / "sources.yml"),
                     warehouse=str(tmp_path / "news.duckdb"), full_refresh=True)
    assert stages.discover(ctx, SOURCE)["feeds_not_modified"] == 0


# --- one fetch per article ------------------------------------------------------------


def test_article_in_three_feeds_is_fetched_once(srv, tmp_path):
    base = base_url(srv)
    # The same story as three feeds spell it: a tracking parameter, a fragment, an
    # upper-case scheme with a trailing slash and another tracking parameter.
    rss091 = f"""<?xml version="1.0"?><rss version="0.91"><channel><title>A</title>
<link>{base}/</link><description>a</description><language>en</language>
<item><title>Shared</title><link>{base}/story?utm_source=rss091</link></item>
<item><title>Only in 0.91</title><link>{base}/a091</link></item></channel></rss>"""
    rss10 = f"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="{base}/"><title>B</title><link>{base}/</link><description>b</description>
</channel>
<item rdf:about="{base}/story#top"><title>Shared</title><link>{base}/story#top</link></item>
<item rdf:about="{base}/a10"><title>Only in 1.0</title><link>{base}/a10</link></item>
</rdf:RDF>"""
    atom = f"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>C</title>
<id>urn:c</id><updated>2026-05-02T09:00:00Z</updated>
<entry><title>Shared</title><id>urn:s</id><updated>2026-05-02T09:00:00Z</updated>
<link href="HTTP://{base.removeprefix("http://")}/story/?fbclid=x"/></entry>
</feed>"""
    for path, body in (("/rss091.xml", rss091), ("/rss10.xml", rss10), ("/atom.xml", atom)):
        srv.expect_request(path).respond_with_data(body, content_type="application/xml")
    for path in ("/story", "/a091", "/a10"):
        srv.expect_request(path).respond_with_data(article(path), content_type=HTML_TYPE)
    feeds = [f"{base}/rss091.xml", f"{base}/rss10.xml", f"{base}/atom.xml"]
    ctx = context(tmp_path, "run-1", feeds=feeds)

    discover_and_plan(ctx, known={})
    counts = stages.fetch(ctx, SOURCE)

    planned = [r["url"] for r in stagefiles.read_jsonl(ctx.file("plan", SOURCE))]
    assert sorted(planned) == [f"{base}/a091", f"{base}/a10", f"{base}/story"]
    assert counts["ok"] == 3
    assert Counter(paths(srv)) == {
        "/rss091.xml": 1, "/rss10.xml": 1, "/atom.xml": 1, "/story": 1, "/a091": 1, "/a10": 1
    }


def test_rel_canonical_names_the_article_after_fetching(srv, tmp_path):
    # Two URLs no normalisation can merge (a different path, a real query parameter):
    # both are fetched, and the page's rel=canonical makes them one article.
    base = base_url(srv)
    head = f'<link rel="canonical" href="{base}/story">'
    for path in ("/story-amp", "/story"):
        srv.expect_request(path).respond_with_data(article("One", head), content_type=HTML_TYPE)
    ctx = context(tmp_path, "run-1", urls=[f"{base}/story-amp", f"{base}/story?page=1"])
    discover_and_plan(ctx, known={})
    assert stages.fetch(ctx, SOURCE)["ok"] == 2
    assert stages.parse(ctx, SOURCE) == {"ok": 2, "processes": 1}
    ids = {a["article_id"] for a in stagefiles.read_jsonl(ctx.file("articles", SOURCE))}
    assert ids == {article_id_for(f"{base}/story")}


def test_fetch_parse_and_enrich_in_several_processes_write_what_one_process_writes(
        srv, tmp_path, monkeypatch):
    base = base_url(srv)
    urls = [f"{base}/story-{n}" for n in range(5)]
    for n in range(5):
        srv.expect_request(f"/story-{n}").respond_with_data(
            article(f"Minister {n} resigns"), content_type=HTML_TYPE)
    srv.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private\n")
    ctx = context(tmp_path, "run-1", urls=urls, obey_robots=True, max_concurrency=3)
    discover_and_plan(ctx, known={})
    log = ctx.file("fetches", SOURCE)

    def fetched() -> list[tuple]:
        return sorted((row["url"], row["status"], row["content_sha256"])
                      for row in stagefiles.read_jsonl(log))

    monkeypatch.setenv(stages.FETCH_PROCESSES_ENV, "1")
    assert stages.fetch(ctx, SOURCE)["processes"] == 1
    one_process = fetched()
    log.unlink()
    srv.clear_log()
    monkeypatch.setattr(stages, "MIN_PAGES_PER_FETCH_PROCESS", 1)
    monkeypatch.setenv(stages.FETCH_PROCESSES_ENV, "2")
    assert stages.fetch(ctx, SOURCE) == {"planned": 5, "resumed_done": 0, "ok": 5,
                                         "processes": 2}
    assert fetched() == one_process  # robots.txt once (fetched before sharing), each page once
    assert sorted(paths(srv)) == ["/robots.txt", *(f"/story-{n}" for n in range(5))]
    articles, enrichments = ctx.file("articles", SOURCE), ctx.file("enrichments")

    monkeypatch.setenv(stages.PARSE_PROCESSES_ENV, "1")
    assert stages.parse(ctx, SOURCE) == {"ok": 5, "processes": 1}
    one_process = articles.read_bytes()
    monkeypatch.setattr(stages, "MIN_PAGES_PER_PARSE_PROCESS", 1)
    monkeypatch.setenv(stages.PARSE_PROCESSES_ENV, "3")
    assert stages.parse(ctx, SOURCE) == {"ok": 5, "processes": 3}
    assert articles.read_bytes() == one_process  # each process a run of pages, in order

    def enriched() -> list[dict]:
        return sorted(stagefiles.read_jsonl(enrichments), key=lambda row: row["article_id"])

    monkeypatch.setenv(stages.NLP_PROCESSES_ENV, "1")
    counts = stages.enrich(ctx)
    assert counts["articles"] == 5 and counts["processes"] == 1
    one_process = enriched()
    monkeypatch.setattr(stages, "MIN_ARTICLES_PER_NLP_PROCESS", 1)
    monkeypatch.setenv(stages.NLP_PROCESSES_ENV, "2")
    assert stages.enrich(ctx) == {**counts, "processes": 2}
    assert enriched() == one_process
    assert not list(ctx.run_dir.rglob("*.parts"))  # the processes' files are joined, then gone


def test_a_crawl_delay_keeps_the_fetch_in_one_process(srv, tmp_path, monkeypatch):
    # Processes could keep a delay between requests only on average: one process keeps it.
    monkeypatch.setattr(stages, "MIN_PAGES_PER_FETCH_PROCESS", 1)
    monkeypatch.setenv(stages.FETCH_PROCESSES_ENV, "2")
    base = base_url(srv)
    started: list[float] = []

    def page(request: Request) -> Response:
        started.append(time.monotonic())
        return Response(article("A"), content_type=HTML_TYPE)

    for n in range(2):
        srv.expect_request(f"/story-{n}").respond_with_handler(page)
    srv.expect_request("/robots.txt").respond_with_data("User-agent: *\nCrawl-delay: 0.2\n")
    urls = [f"{base}/story-{n}" for n in range(2)]
    delayed_by_robots = context(tmp_path, "run-1", urls=urls, obey_robots=True,
                                max_concurrency=2)
    discover_and_plan(delayed_by_robots, known={})
    assert stages.fetch(delayed_by_robots, SOURCE)["processes"] == 1
    # ... which keeps the delay robots.txt asks for, though it was read before sharing.
    assert len(started) == 2 and started[1] - started[0] >= 0.19
    delayed_by_source = context(tmp_path, "run-2", urls=urls, crawl_delay=0.2,
                                max_concurrency=2)
    discover_and_plan(delayed_by_source, known={})
    assert stages.fetch(delayed_by_source, SOURCE)["processes"] == 1
    one_slot = context(tmp_path, "run-3", urls=urls, max_concurrency=1)
    discover_and_plan(one_slot, known={})
    assert stages.fetch(one_slot, SOURCE)["processes"] == 1  # a process per slot at most


# --- conditional GET on the next run ---------------------------------------------------


def test_unchanged_page_is_304_on_the_second_run_and_costs_no_parse(srv, tmp_path):
    base = base_url(srv)
    lastmod = ["2026-05-01T10:00:00Z"]
    conditional: list[tuple[str | None, str | None]] = []

    def sitemap(request: Request) -> Response:
        body = (
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{base}/story</loc><lastmod>{lastmod[0]}</lastmod></url></urlset>"
        )
        return Response(body, content_type="application/xml")

    def page(request: Request) -> Response:
        conditional.append(
            (request.headers.get("If-None-Match"), request.headers.get("If-Modified-Since"))
        )
        validators = {"ETag": '"v1"', "Last-Modified": "Fri, 01 May 2026 10:00:00 GMT"}
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers=validators)
        return Response(article("Story"), content_type=HTML_TYPE, headers=validators)

    srv.expect_request("/sitemap.xml").respond_with_handler(sitemap)
    srv.expect_request("/story").respond_with_handler(page)
    sitemaps = [f"{base}/sitemap.xml"]

    first = context(tmp_path, "run-1", sitemaps=sitemaps)
    discover_and_plan(first, known={})
    assert stages.fetch(first, SOURCE)["ok"] == 1
    assert stages.parse(first, SOURCE) == {"ok": 1, "processes": 1}

    # Nothing changed: the next run does not even ask.
    second = context(tmp_path, "run-2", sitemaps=sitemaps)
    discover_and_plan(second, known=known_from(first))
    assert list(stagefiles.read_jsonl(second.file("plan", SOURCE))) == []

    # The sitemap says it changed; the server says it did not.
    lastmod[0] = "2026-05-03T10:00:00Z"
    third = context(tmp_path, "run-3", sitemaps=sitemaps)
    discover_and_plan(third, known=known_from(first))
    counts = stages.fetch(third, SOURCE)
    assert counts["not_modified"] == 1 and "ok" not in counts
    assert conditional == [(None, None), ('"v1"', "Fri, 01 May 2026 10:00:00 GMT")]
    assert stages.parse(third, SOURCE) == {"processes": 0}  # a 304 costs no parse
    assert list(stagefiles.read_jsonl(third.file("articles", SOURCE))) == []
    # ... and no enrichment: no worker starts and no model loads for an empty run
    from extractors.nlp.model import _load

    loads = _load.cache_info().misses
    assert stages.enrich(third)["processes"] == 0
    assert list(stagefiles.read_jsonl(third.file("enrichments"))) == []
    assert _load.cache_info().misses == loads


# --- the archive on any fsspec URL ------------------------------------------------------


@pytest.mark.parametrize("scheme", ["memory", "file"])
def test_archive_on_an_fsspec_url_without_code_changes(srv, tmp_path, monkeypatch, scheme):
    url = {
        "memory": f"memory://crawler-archive-{uuid.uuid4().hex}",
        "file": f"file://{tmp_path}/elsewhere/archive",
    }[scheme]
    monkeypatch.setenv("NEWS_ARCHIVE_URL", url)
    srv.expect_request("/story").respond_with_data(article("Archived"), content_type=HTML_TYPE)
    ctx = context(tmp_path, "run-1", urls=[f"{base_url(srv)}/story"])
    discover_and_plan(ctx, known={})

    assert stages.fetch(ctx, SOURCE)["ok"] == 1
    srv.clear()  # parse must not need the network: it re-reads the archive
    assert stages.parse(ctx, SOURCE) == {"ok": 1, "processes": 1}

    (fetched,) = final_fetches(ctx.file("fetches", SOURCE)).values()
    (parsed,) = stagefiles.read_jsonl(ctx.file("articles", SOURCE))
    assert parsed["title"] == "Archived" and parsed["content_sha256"] == fetched["content_sha256"]
    assert Archive(url).get(fetched["content_sha256"]) == article("Archived")
    assert not (tmp_path / "archive").exists()  # not the default folder beside the warehouse
    assert srv.log == []


# --- SIGKILL in the middle of a fetch ---------------------------------------------------

PAGES = 40  # at 2 at a time, 0.1 s each: seconds of margin for the kill to land mid-run
KILL_AFTER_RECORDS = 8


@pytest.mark.parametrize("processes", [1, 2])
def test_sigkill_mid_fetch_then_rerun_fetches_nothing_twice_and_loses_nothing(
        srv, tmp_path, processes):
    lock = threading.Lock()
    hits: Counter[str] = Counter()

    def slow_page(request: Request) -> Response:
        with lock:
            hits[request.path] += 1
        time.sleep(0.1)  # so the kill lands with requests in flight
        return Response(article(request.path), content_type=HTML_TYPE)

    for i in range(PAGES):
        srv.expect_request(f"/p{i}").respond_with_handler(slow_page)
    srv.expect_request("/p-missing").respond_with_data("", status=404)
    urls = [f"{base_url(srv)}/p{i}" for i in range(PAGES)] + [f"{base_url(srv)}/p-missing"]
    ctx = context(tmp_path, "run-1", urls=urls, max_concurrency=2)
    discover_and_plan(ctx, known={})
    log = ctx.file("fetches", SOURCE)

    # The fetch task, as a worker runs it, killed once a fifth of its URLs are logged.
    code = (
        "from extractors import stages; stages.MIN_PAGES_PER_FETCH_PROCESS = 1; "
        f"stages.fetch(stages.RunContext(run_id='run-1', sources_file={ctx.sources_file!r}, "
        f"warehouse={ctx.warehouse!r}), {SOURCE!r})"
    )
    env = {**os.environ, stages.FETCH_PROCESSES_ENV: str(processes)}
    child = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env)

    def logs() -> list[Path]:  # the log, and the processes' own logs when there are several
        return [log, *stages.parts_folder(log).glob("*.jsonl")]

    def logged() -> int:
        return sum(f.read_text().count("\n") for f in logs() if f.exists())

    try:
        deadline = time.monotonic() + 60
        while logged() < KILL_AFTER_RECORDS:
            assert child.poll() is None, "the fetch finished before it could be killed"
            assert time.monotonic() < deadline, "the fetch made no progress"
            time.sleep(0.01)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL
    done_before = {url for f in logs() for url in final_fetches(f)}
    assert KILL_AFTER_RECORDS <= len(done_before) < len(urls)

    counts = stages.fetch(ctx, SOURCE)  # Airflow's retry of the task, in the same run

    final = final_fetches(log)
    assert set(final) == set(urls)  # nothing lost
    assert counts["resumed_done"] == len(done_before)
    assert (counts["ok"], counts["failed:http_404"]) == (PAGES, 1)
    rows = [r for r in stagefiles.read_jsonl(log) if r["status"] != "retrying"]
    assert len(rows) == len({r["url"] for r in rows}) == len(urls)  # no duplicate rows
    # Only URLs that were in flight when the kill hit can have been requested twice: at most
    # max_concurrency of them, however many processes share it (and none die after it).
    twice = {path for path, n in hits.items() if n > 1}
    assert all(n <= 2 for n in hits.values()) and len(twice) <= 2
    assert not stages.parts_folder(log).exists()
    assert not {f"{base_url(srv)}{p}" for p in twice} & done_before
    archive = Archive(ctx.paths.archive)
    assert all(archive.exists(r["content_sha256"]) for r in final.values() if r["status"] == "ok")
