"""The pipeline's stages as plain functions over one run's files and the work database.

Airflow tasks (dags/news_pipeline.py) are thin wrappers around these, so `make run`, the
tests and the benchmark all exercise the same code. A run's files live under
<warehouse dir>/runs/<run_id>/:

    feeds/<source>.jsonl       FetchRecord for each feed/sitemap fetch   (discover)
    discovered/<source>.jsonl  DiscoveredUrl                             (discover)
    plan/<source>.jsonl        FetchRequest: what fetch will get         (discover)
    fetches/<source>.jsonl     FetchRecord per attempt, appended         (fetch)
    articles/<source>.jsonl    ParsedArticle                             (parse)
    enrichments.jsonl          Enrichment per article version            (enrich)

A stage that runs in several processes (fetch, parse, enrich) has each write its own file
in a folder beside its output (articles/<source>.parts/), joined into it when all are done.

Only load, transform, validate and publish open the work database read-write, one at a
time; discover and enrich open it read-only to learn what earlier runs already did.
Heavy libraries (spaCy, dbt, GX, and pyarrow for the load) are imported inside the
functions that need them: every stage runs in a process of its own, which pays for what
it imports.
"""

from __future__ import annotations

import ctypes
import dataclasses
import itertools
import logging
import os
import shutil
import signal
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property, partial
from multiprocessing import get_context
from pathlib import Path
from urllib.parse import urlsplit

from extractors import stagefiles
from extractors.config import Source, load_sources
from extractors.publish import publish_marts
from extractors.records import (
    Enrichment,
    FetchRequest,
    KnownPage,
    ParsedArticle,
)
from extractors.warehouse import WarehousePaths, connect, paths_for

log = logging.getLogger(__name__)

FINAL_FETCH_STATUSES = {"ok", "not_modified", "skipped", "failed"}


@dataclass(frozen=True)
class RunContext:
    """Everything a stage needs to find its inputs: one DAG run's parameters."""

    run_id: str
    sources_file: str
    warehouse: str
    max_articles: int | None = None  # overrides every source's max_articles when set
    full_refresh: bool = False
    # Airflow's run type ("scheduled", "manual", "backfill", ...) and data interval.
    run_type: str = "manual"
    data_interval_start: datetime | None = None
    data_interval_end: datetime | None = None

    @property
    def is_backfill(self) -> bool:
        """A backfill re-processes its data interval's discoveries; other runs take what
        is new or changed since the last run."""
        return self.run_type == "backfill" and None not in (self.data_interval_start,
                                                              self.data_interval_end)

    @cached_property
    def paths(self) -> WarehousePaths:
        return paths_for(self.warehouse)

    @cached_property
    def run_dir(self) -> Path:
        return self.paths.run_dir(self.run_id)

    @cached_property
    def sources(self) -> dict[str, Source]:
        sources = load_sources(self.sources_file)
        if self.max_articles:
            sources = [dataclasses.replace(s, max_articles=self.max_articles) for s in sources]
        return {s.name: s for s in sources}

    def file(self, stage: str, source: str | None = None) -> Path:
        return self.run_dir / (f"{stage}/{source}.jsonl" if source else f"{stage}.jsonl")

    def stage_files(self, stage: str) -> list[Path]:
        return sorted((self.run_dir / stage).glob("*.jsonl"))


def _read_work_db(ctx: RunContext, sql: str, params: list, **tables) -> list[tuple]:
    """Query the work database read-only; a first run has no database or tables yet.
    `tables` (name=Arrow table) are registered for the query to join with."""
    if not ctx.paths.work.exists():
        return []
    with connect(ctx.paths.work, read_only=True) as con:
        for name, table in tables.items():
            con.register(name, table)
        try:
            return con.execute(sql, params).fetchall()
        except Exception as exc:  # duckdb.CatalogException before the first load
            if "does not exist" in str(exc):
                return []
            raise


def known_pages(ctx: RunContext, source: str) -> dict[str, KnownPage]:
    """Pages earlier runs fetched, counting only runs that got as far as validation: a run
    killed during its raw load has its fetches in raw but not (all) its articles, and if
    its pages counted as known the next run would skip them and they would never load."""
    rows = _read_work_db(
        ctx,
        """
        select f.url,
               max(f.fetched_at),
               arg_max(f.etag, f.fetched_at) filter (where f.status = 'ok'),
               arg_max(f.last_modified, f.fetched_at) filter (where f.status = 'ok'),
               (select max(d.lastmod) from raw.discoveries d
                 where d.url = f.url and d.run_id in (select run_id from raw.fetches g
                                                      where g.url = f.url))
        from raw.fetches f
        where f.source = ? and not f.is_feed and f.status in ('ok', 'not_modified')
          and f.run_id in (select run_id from audit.validation_runs)
        group by f.url
        """,
        [source],
    )
    return {r[0]: KnownPage(url=r[0], fetched_at=r[1], etag=r[2], last_modified=r[3],
                            lastmod=r[4]) for r in rows}


def previous_documents(ctx: RunContext, source: str) -> dict:
    """The feeds and sitemaps that listed articles in the last validated run that fetched
    them, with their validators and those articles: discover asks them again conditionally
    (discover.PreviousDocument). Validated runs only, as in known_pages: a run killed during
    its raw load may have its fetches in raw without all its discoveries. A URL listed by
    several documents is stored under the first; should that one change and drop it while
    another answers 304, the run does not list it again: it is known, and the unchanged
    document holds no newer lastmod for it."""
    from extractors.discover import PreviousDocument
    from extractors.sitemaps import Entry

    rows = _read_work_db(
        ctx,
        """
        with last_fetch as (
            select url, run_id, etag, last_modified from raw.fetches
            where source = ? and is_feed and status in ('ok', 'not_modified')
              and run_id in (select run_id from audit.validation_runs)
            qualify row_number() over (partition by url order by fetched_at desc) = 1
        )
        select f.url, f.etag, f.last_modified, d.url, d.lastmod, d.title, d.published_at
        from last_fetch f
        join raw.discoveries d
          on d.run_id = f.run_id and d.source = ? and d.discovered_via = f.url
        where f.etag is not null or f.last_modified is not null
        """,
        [source, source],
    )
    documents: dict[str, PreviousDocument] = {}
    for url, etag, last_modified, *entry in rows:
        documents.setdefault(url, PreviousDocument(etag, last_modified, [])).entries.append(
            Entry(*entry))
    return documents


# --- worker processes for the CPU-bound stages (fetch, parse, enrich) ---

# Each defaults to one process per CPU. A process pays for its start and imports (and
# enrich's for loading the model, 1 to 2 s): below this much work per process, one more
# costs more than it saves.
FETCH_PROCESSES_ENV = "NEWS_FETCH_PROCESSES"
MIN_PAGES_PER_FETCH_PROCESS = 500
PARSE_PROCESSES_ENV = "NEWS_PARSE_PROCESSES"
MIN_PAGES_PER_PARSE_PROCESS = 500
NLP_PROCESSES_ENV = "NEWS_NLP_PROCESSES"
MIN_ARTICLES_PER_NLP_PROCESS = 50
PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies


def _processes_for(items: int, env: str, min_per_process: int) -> int:
    """Worker processes for this many items: none for none, so nothing is started."""
    if not items:
        return 0
    wanted = int(os.environ.get(env) or os.cpu_count() or 1)
    return max(1, min(wanted, items // min_per_process))


def _die_with_parent(parent: int) -> None:
    """Worker start (Linux): a killed task's workers die with it. Left running, they would
    fetch beside the task's retry, over the host's limits, into files it has moved on from."""
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def parts_folder(out: Path) -> Path:
    """Where in_processes' workers write their parts of `out`."""
    return out.with_name(f"{out.stem}.parts")


def in_processes(work: Callable[[object, Path], Counter], shares: list, out: Path,
                 append: bool = False) -> Counter:
    """work(share, part_file) for each share, one process per share (in this one when there
    is a single share), the part files joined into `out` in share order; their counts
    summed; no share writes an empty `out`. With append, `out` is a log the parts are added
    to, and work appends to its file too. Processes are spawned: forking would copy
    pyarrow's threads into the child."""
    if not shares:
        if not append:
            stagefiles.write_jsonl(out, [])
        return Counter()
    if len(shares) == 1:
        return work(shares[0], out)
    folder = parts_folder(out)
    shutil.rmtree(folder, ignore_errors=True)  # an earlier try's parts are not this one's
    parts = [folder / f"{k}.jsonl" for k in range(len(shares))]
    with ProcessPoolExecutor(len(shares), mp_context=get_context("spawn"),
                             initializer=_die_with_parent, initargs=(os.getpid(),)) as pool:
        counts = sum(pool.map(work, shares, parts), Counter())
    (stagefiles.append_files if append else stagefiles.concatenate)(parts, out)
    shutil.rmtree(folder)
    return counts


# --- discover -> fetch -> parse: one source at a time (mapped per source in Airflow) ---

def discover(ctx: RunContext, source_name: str) -> dict:
    from extractors.discover import discover_source, plan_fetches
    from extractors.fetch import HttpClient
    from extractors.window import split_by_window

    source = ctx.sources[source_name]
    # A full refresh reads every feed and sitemap again, whatever the server says.
    previous = {} if ctx.full_refresh else previous_documents(ctx, source_name)
    with HttpClient(source) as client:
        discovered, feed_records = discover_source(source, ctx.run_id, client, previous)
    if ctx.is_backfill:
        # The window's discoveries, known or not, fetched without ETag/Last-Modified: a
        # 304 would leave the backfill nothing to re-parse. Same body, same article
        # version (raw.articles is keyed by article and archived body), so re-running a
        # backfill adds no version.
        window = split_by_window(discovered, ctx.data_interval_start, ctx.data_interval_end)
        to_fetch, _ = plan_fetches(source, window.inside, {}, datetime.now(UTC))
        counts = {"in_window": len(window.inside), "outside_window": len(window.outside),
                  "undated": len(window.undated)}
    else:
        known = {} if ctx.full_refresh else known_pages(ctx, source_name)
        to_fetch, unchanged = plan_fetches(source, discovered, known, datetime.now(UTC))
        counts = {"unchanged": len(unchanged)}
    stagefiles.write_jsonl(ctx.file("feeds", source_name), feed_records)
    stagefiles.write_jsonl(ctx.file("discovered", source_name), discovered)
    stagefiles.write_jsonl(ctx.file("plan", source_name), to_fetch)
    # A new plan starts a new fetch log. Fetch resumes from the log when only it is retried;
    # a run whose discover runs again (cleared, or a backfill re-run with the same run_id)
    # means to fetch its plan again, not to reuse what an earlier try fetched.
    ctx.file("fetches", source_name).unlink(missing_ok=True)
    shutil.rmtree(parts_folder(ctx.file("fetches", source_name)), ignore_errors=True)
    feeds_failed = sum(r.status == "failed" for r in feed_records)
    feeds_not_modified = sum(r.status == "not_modified" for r in feed_records)
    return {"discovered": len(discovered), "to_fetch": len(to_fetch),
            "feeds_failed": feeds_failed, "feeds_not_modified": feeds_not_modified, **counts}


def _is_final(row: dict) -> bool:
    return row["status"] in FINAL_FETCH_STATUSES and not row.get("is_feed")


def final_fetch_rows(path: Path) -> Iterator[dict]:
    """The last finished attempt per page URL in a fetch log (robots.txt fetches left out),
    in log order, streaming: the first pass keeps only each URL's last line number, so
    memory holds the URLs, never the rows."""
    last_line = {row["url"]: n for n, row in enumerate(stagefiles.read_jsonl(path))
                 if _is_final(row)}
    for n, row in enumerate(stagefiles.read_jsonl(path)):
        if last_line.get(row["url"]) == n:
            yield row


def final_fetches(path: Path) -> dict[str, dict]:
    """final_fetch_rows by URL, for callers that look rows up (tests, the run summary)."""
    return {row["url"]: row for row in final_fetch_rows(path)}


def _fetch_share(ctx: RunContext, source_name: str, robots: dict, sharers: int,
                 share: tuple[int, list[FetchRequest]], log: Path) -> Counter:
    """Fetch the share-th list of requests, appending every attempt to `log`."""
    from extractors.archive import Archive
    from extractors.fetch import HttpClient, fetch_source

    number, requests = share
    source = ctx.sources[source_name]
    with (HttpClient(source, robots=robots, share=(number, sharers)) as client,
          stagefiles.open_append(log) as f):
        fetch_source(source, requests, ctx.run_id, Archive(ctx.paths.archive),
                     on_record=lambda record: stagefiles.append_line(f, record), client=client)
    return Counter()


def _robots_before_sharing(ctx: RunContext, source: Source, todo: list[FetchRequest],
                           log: Path) -> dict:
    """robots.txt for every host in todo, fetched once here for all the fetch processes
    (each would fetch its own otherwise); its records go to the log."""
    from extractors.fetch import HttpClient

    first_url = {}
    for request in todo:
        try:
            parts = urlsplit(request.url)
        except ValueError:
            continue  # the fetch records it as invalid
        if parts.scheme.lower() in ("http", "https"):
            first_url.setdefault(f"{parts.scheme}://{parts.netloc}".lower(), request.url)
    with HttpClient(source) as client, stagefiles.open_append(log) as f:
        with ThreadPoolExecutor(8) as pool:
            for _, records in pool.map(partial(client.robots_policy, run_id=ctx.run_id),
                                       first_url.values()):
                for record in records:
                    stagefiles.append_line(f, record)
        return client.robots_policies()


def fetch(ctx: RunContext, source_name: str) -> dict:
    """A source's requests are shared out among processes (one per CPU) only when no crawl
    delay applies: a delay bounds the rate, not the CPU, and n processes could keep it
    only on average. Each process takes its share of the concurrency cap."""
    source = ctx.sources[source_name]
    log_path = ctx.file("fetches", source_name)
    # Parts a killed try left join the log first: their pages are done.
    leftovers = sorted(parts_folder(log_path).glob("*.jsonl"))
    stagefiles.append_files(leftovers, log_path)
    shutil.rmtree(parts_folder(log_path), ignore_errors=True)
    # A resumed run does not fetch a finished URL again.
    done = {row["url"] for row in stagefiles.read_jsonl(log_path) if _is_final(row)}
    plan = [FetchRequest(**r) for r in stagefiles.read_jsonl(ctx.file("plan", source_name))]
    todo = [r for r in plan if r.url not in done]
    processes, robots = 1, {}
    if not source.crawl_delay:
        processes = max(1, min(source.max_concurrency, _processes_for(
            len(todo), FETCH_PROCESSES_ENV, MIN_PAGES_PER_FETCH_PROCESS)))
    if processes > 1:
        robots = _robots_before_sharing(ctx, source, todo, log_path)
        if any(policy.crawl_delay(source.user_agent) for policy in robots.values()):
            processes = 1
    shares = [(k, todo[k::processes]) for k in range(processes)]
    in_processes(partial(_fetch_share, ctx, source_name, robots, processes), shares, log_path,
                 append=True)
    counts = Counter()
    for row in final_fetch_rows(log_path):
        counts[row["status"]] += 1
        if row["status"] in {"failed", "skipped"}:
            counts[f"{row['status']}:{row['error_class']}"] += 1
    return {"planned": len(plan), "resumed_done": len(done), **counts, "processes": processes}


def _article_id(article: ParsedArticle, page_url: str) -> str:
    """The canonical URL names the article when it is on the page's own host: two URLs of
    one story share an id, while a wire copy pointing at the agency's site keeps its own."""
    from extractors.urls import article_id_for

    canonical = article.canonical_url
    if canonical and urlsplit(canonical).hostname == urlsplit(page_url).hostname:
        return article_id_for(canonical)
    return article_id_for(page_url)


def parse_page(body: bytes, record: dict, source: Source, run_id: str) -> ParsedArticle:
    from extractors.encoding import decode_html
    from extractors.parse import parse_article

    page_url = record.get("final_url") or record["url"]
    try:
        html, _ = decode_html(body, record.get("charset"))
        article = parse_article(html, page_url, source.profile or None)
    except Exception as exc:  # one bad page never stops the run; the reason is kept
        article = ParsedArticle(url=page_url, parse_status="parse_error",
                                parse_error=f"{type(exc).__name__}: {exc}")
    article.article_id = _article_id(article, page_url)
    article.source = source.name
    article.run_id = run_id
    article.content_sha256 = record["content_sha256"]
    article.fetched_at = record["fetched_at"]
    return article


def _fetched_pages(ctx: RunContext, source_name: str) -> Iterator[dict]:
    """The source's pages fetched with a body in this run, in fetch log order."""
    for row in final_fetch_rows(ctx.file("fetches", source_name)):
        if row["status"] == "ok":
            yield row


def _parse_share(ctx: RunContext, source_name: str, pages: range, out: Path) -> Counter:
    """Parse the fetched pages numbered `pages` into `out`, one page in memory at a time."""
    from extractors.archive import Archive

    source = ctx.sources[source_name]
    archive = Archive(ctx.paths.archive)
    counts = Counter()

    def articles() -> Iterator[ParsedArticle]:
        for row in itertools.islice(_fetched_pages(ctx, source_name), pages.start, pages.stop):
            article = parse_page(archive.get(row["content_sha256"]), row, source, ctx.run_id)
            counts[article.parse_status] += 1
            yield article

    stagefiles.write_jsonl(out, articles())
    return counts


def parse(ctx: RunContext, source_name: str) -> dict:
    """Each process parses a contiguous share of the pages, so the articles file comes out
    in fetch log order however many processes ran."""
    pages = sum(1 for _ in _fetched_pages(ctx, source_name))
    processes = _processes_for(pages, PARSE_PROCESSES_ENV, MIN_PAGES_PER_PARSE_PROCESS)
    bounds = [pages * k // processes for k in range(processes + 1)] if processes else []
    shares = [range(start, stop) for start, stop in itertools.pairwise(bounds)]
    counts = in_processes(partial(_parse_share, ctx, source_name), shares,
                          ctx.file("articles", source_name))
    return {**counts, "processes": processes}


# --- enrich: all sources together, so the model loads once ---

def _enriched_versions(ctx: RunContext, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of this run's (article_id, content_hash) earlier runs enriched: asked of the
    database for these keys only, so the answer costs what the run holds, not the history.
    Only an 'error' is retried: 'too_long' and 'skipped_empty' would come out the same."""
    import pyarrow as pa

    if not keys:
        return set()
    wanted = pa.table({"article_id": [k[0] for k in keys], "content_hash": [k[1] for k in keys]})
    return set(_read_work_db(ctx, "select article_id, content_hash from raw.enrichments "
                                  "semi join wanted using (article_id, content_hash) "
                                  "where status <> 'error'", [], wanted=wanted))


def article_from(row: dict) -> ParsedArticle:
    names = {f.name for f in dataclasses.fields(ParsedArticle)}
    return ParsedArticle(**{k: v for k, v in row.items() if k in names})


def _parsed_rows(ctx: RunContext) -> Iterator[dict]:
    for path in ctx.stage_files("articles"):
        for row in stagefiles.read_jsonl(path):
            if row["parse_status"] == "ok":
                yield row


def _enrich_share(ctx: RunContext, keys: set[tuple[str, str]], out: Path) -> Counter:
    """Enrich the articles whose (article_id, content_hash) is in keys into `out`, streaming:
    only a batch of articles is in memory at a time, whatever the run's size."""
    from extractors.enrich import enrich_articles

    counts = Counter()

    def wanted() -> Iterator[ParsedArticle]:
        for row in _parsed_rows(ctx):
            key = (row["article_id"], row["content_hash"])
            if key in keys:
                keys.discard(key)  # a syndicated copy of the same body is enriched once
                yield article_from(row)

    def counted(enrichments: Iterator[Enrichment]) -> Iterator[Enrichment]:
        for row in enrichments:
            counts.update(articles=1, mentions=len(row.mentions), quotes=len(row.quotes),
                          sanctions=len(row.sanctions))
            counts[f"status:{row.status}"] += 1
            yield row

    stagefiles.write_jsonl(out, counted(enrich_articles(wanted())))
    return counts


def enrich(ctx: RunContext) -> dict:
    parsed = [(row["article_id"], row["content_hash"]) for row in _parsed_rows(ctx)]
    done = set() if ctx.full_refresh else _enriched_versions(ctx, parsed)
    pending = [key for key in parsed if key not in done]
    # One body can reach us twice in a run (a syndicated copy keeps its own article_id).
    unique = list(dict.fromkeys(pending))
    processes = _processes_for(len(unique), NLP_PROCESSES_ENV, MIN_ARTICLES_PER_NLP_PROCESS)
    shares = [set(unique[k::processes]) for k in range(processes)]
    counts = in_processes(partial(_enrich_share, ctx), shares, ctx.file("enrichments"))
    return {"articles": 0, "mentions": 0, "quotes": 0, "sanctions": 0, **counts,
            "already_enriched": len(pending) - len(unique), "processes": processes}


# --- load -> transform -> validate -> publish: the work database, one writer at a time ---

def load(ctx: RunContext) -> dict:
    """Stream the run's files into raw in bounded Arrow batches, each committed (memory does
    not grow with the run's size). A load killed midway leaves some batches in raw: loading
    the run again replaces them, and until the run is validated its pages do not count as
    known (known_pages), so nothing is skipped."""
    from extractors.load import create_raw_tables, load_enrichments, load_stream

    def rows(*stage_names: str) -> Iterator[dict]:
        for stage in stage_names:
            for path in ctx.stage_files(stage):
                yield from stagefiles.read_jsonl(path)

    with connect(ctx.paths.work) as con:
        create_raw_tables(con)
        counts = {
            "discoveries": load_stream(con, "discoveries", rows("discovered"), ctx.run_id),
            "fetches": load_stream(con, "fetches", rows("feeds", "fetches"), ctx.run_id),
            "articles": load_stream(con, "articles", rows("articles"), ctx.run_id),
        }
        enrichments = stagefiles.read_jsonl(ctx.file("enrichments"))
        counts.update(load_enrichments(con, enrichments, ctx.run_id))
        return counts


def transform(ctx: RunContext, layer: str | None = None) -> dict:
    """dbt build of one layer, or of the whole project."""
    from extractors.transform import LAYERS, run_dbt

    select = ["--select", *LAYERS[layer]] if layer else []
    # Unit tests check the SQL against fixed fixtures, not the run's data: every run would
    # get the same answer, at a fixed cost per run. They run where the SQL changes, in the
    # test suite (tests/test_dbt.py builds the whole project), as dbt advises.
    select += ["--exclude-resource-type", "unit_test"]
    # A target folder per warehouse: two warehouses built at once would otherwise read each
    # other's run results (and partial-parse state) in dbt_project/target.
    result = run_dbt(["build", *select], ctx.paths.work, full_refresh=ctx.full_refresh,
                     target_dir=ctx.paths.dbt_target)
    return {**result.counts, "seconds": result.elapsed_s, "warnings": len(result.warnings)}


class ValidationFailed(RuntimeError):
    """The run's data broke an expectation: it is not published."""


def validate(ctx: RunContext) -> dict:
    from extractors.validate import validate as run_validation

    outcome = run_validation(ctx.paths.work, ctx.run_id, ctx.paths.validation)
    if not outcome.success:
        raise ValidationFailed(
            f"validation failed, not published ({len(outcome.failures)} failing "
            "expectations):\n  " + "\n  ".join(outcome.failures)
            + f"\nreport: {outcome.docs_path}")
    return {"expectations": len(outcome.results), "docs": str(outcome.docs_path)}


def publish(ctx: RunContext) -> dict:
    """The validated marts become the published file (extractors/publish.py)."""
    outcome = publish_marts(ctx.paths.work, ctx.paths.published, ctx.run_id,
                            from_scratch=ctx.full_refresh)
    return {**outcome.rows, "rows_written": outcome.rows_written,
            "reused_previous": outcome.reused_previous}
