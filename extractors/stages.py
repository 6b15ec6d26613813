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

Only load, transform, validate and publish open the work database read-write, one at a
time; discover and enrich open it read-only to learn what earlier runs already did.
Heavy libraries (spaCy, dbt, GX) are imported inside the functions that need them.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from multiprocessing import get_context
from pathlib import Path
from urllib.parse import urlsplit

from extractors import stagefiles
from extractors.config import Source, load_sources
from extractors.load import (
    LOAD_MEMORY_LIMIT,
    create_raw_tables,
    load_enrichments,
    load_stream,
    transaction,
)
from extractors.records import (
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


def _read_work_db(ctx: RunContext, sql: str, params: list) -> list[tuple]:
    """Query the work database read-only; a first run has no database or tables yet."""
    if not ctx.paths.work.exists():
        return []
    with connect(ctx.paths.work, read_only=True) as con:
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


# --- discover -> fetch -> parse: one source at a time (mapped per source in Airflow) ---

def discover(ctx: RunContext, source_name: str) -> dict:
    from extractors.discover import discover_source, plan_fetches
    from extractors.fetch import HttpClient

    source = ctx.sources[source_name]
    with HttpClient(source) as client:
        discovered, feed_records = discover_source(source, ctx.run_id, client)
    known = {} if ctx.full_refresh else known_pages(ctx, source_name)
    to_fetch, unchanged = plan_fetches(source, discovered, known, datetime.now(UTC))
    stagefiles.write_jsonl(ctx.file("feeds", source_name), feed_records)
    stagefiles.write_jsonl(ctx.file("discovered", source_name), discovered)
    stagefiles.write_jsonl(ctx.file("plan", source_name), to_fetch)
    feeds_failed = sum(r.status == "failed" for r in feed_records)
    return {"discovered": len(discovered), "to_fetch": len(to_fetch),
            "unchanged": len(unchanged), "feeds_failed": feeds_failed}


def final_fetches(path: Path) -> dict[str, dict]:
    """The last finished attempt per page URL in a fetch log (robots.txt fetches left out)."""
    final = {}
    for row in stagefiles.read_jsonl(path):
        if row["status"] in FINAL_FETCH_STATUSES and not row.get("is_feed"):
            final[row["url"]] = row
    return final


def fetch(ctx: RunContext, source_name: str) -> dict:
    from extractors.archive import Archive
    from extractors.fetch import fetch_source

    source = ctx.sources[source_name]
    log_path = ctx.file("fetches", source_name)
    done = final_fetches(log_path)  # a resumed run does not fetch a finished URL again
    plan = [FetchRequest(**r) for r in stagefiles.read_jsonl(ctx.file("plan", source_name))]
    todo = [r for r in plan if r.url not in done]
    with stagefiles.open_append(log_path) as f:
        fetch_source(source, todo, ctx.run_id, Archive(ctx.paths.archive),
                     on_record=lambda record: stagefiles.append_line(f, record))
    final = final_fetches(log_path)
    counts = Counter(r["status"] for r in final.values())
    counts.update(f"failed:{r['error_class']}" for r in final.values() if r["status"] == "failed")
    counts.update(f"skipped:{r['error_class']}" for r in final.values() if r["status"] == "skipped")
    return {"planned": len(plan), "resumed_done": len(done), **counts}


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


def parse(ctx: RunContext, source_name: str) -> dict:
    from extractors.archive import Archive

    source = ctx.sources[source_name]
    archive = Archive(ctx.paths.archive)
    pages = [r for r in final_fetches(ctx.file("fetches", source_name)).values()
             if r["status"] == "ok"]
    articles = [parse_page(archive.get(r["content_sha256"]), r, source, ctx.run_id)
                for r in pages]
    stagefiles.write_jsonl(ctx.file("articles", source_name), articles)
    return dict(Counter(a.parse_status for a in articles))


# --- enrich: all sources together, so the model loads once ---

def _enriched_versions(ctx: RunContext) -> set[tuple[str, str]]:
    # Only an 'error' is retried: 'too_long' and 'skipped_empty' would come out the same.
    rows = _read_work_db(ctx, "select article_id, content_hash from raw.enrichments "
                              "where status <> 'error'", [])
    return set(rows)


def article_from(row: dict) -> ParsedArticle:
    names = {f.name for f in dataclasses.fields(ParsedArticle)}
    return ParsedArticle(**{k: v for k, v in row.items() if k in names})


NLP_PROCESSES_ENV = "NEWS_NLP_PROCESSES"  # enrich's worker processes; default one per CPU
# Below this many articles per process, starting a process and loading the model into it
# costs more than it saves.
MIN_ARTICLES_PER_PROCESS = 50


def _parsed_rows(ctx: RunContext) -> Iterator[dict]:
    for path in ctx.stage_files("articles"):
        for row in stagefiles.read_jsonl(path):
            if row["parse_status"] == "ok":
                yield row


def _enrich_share(ctx: RunContext, keys: set[tuple[str, str]], out: Path) -> None:
    """Enrich the articles whose (article_id, content_hash) is in keys into `out`, streaming:
    only a batch of articles is in memory at a time, whatever the run's size."""
    from extractors.enrich import enrich_articles

    def wanted() -> Iterator[ParsedArticle]:
        for row in _parsed_rows(ctx):
            key = (row["article_id"], row["content_hash"])
            if key in keys:
                keys.discard(key)  # a syndicated copy of the same body is enriched once
                yield article_from(row)

    stagefiles.write_jsonl(out, enrich_articles(wanted()))


def _processes_for(articles: int) -> int:
    wanted = int(os.environ.get(NLP_PROCESSES_ENV) or os.cpu_count() or 1)
    return max(1, min(wanted, articles // MIN_ARTICLES_PER_PROCESS))


def enrich(ctx: RunContext) -> dict:
    done = set() if ctx.full_refresh else _enriched_versions(ctx)
    pending = [key for key in ((row["article_id"], row["content_hash"])
                               for row in _parsed_rows(ctx)) if key not in done]
    # One body can reach us twice in a run (a syndicated copy keeps its own article_id).
    unique = list(dict.fromkeys(pending))
    processes = _processes_for(len(unique))
    # NLP is CPU-bound: one share of the articles per process, each with its own model.
    parts = [ctx.run_dir / "enrichments.parts" / f"{k}.jsonl" for k in range(processes)]
    shares = [set(unique[k::processes]) for k in range(processes)]
    if processes == 1:
        _enrich_share(ctx, shares[0], parts[0])
    else:
        with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
            list(pool.map(_enrich_share, [ctx] * processes, shares, parts))
    counts = Counter(articles=0, mentions=0, quotes=0, sanctions=0)

    def merged() -> Iterator[dict]:
        for part in parts:
            for row in stagefiles.read_jsonl(part):
                counts.update(articles=1, mentions=len(row["mentions"]), quotes=len(
                    row["quotes"]), sanctions=len(row["sanctions"]))
                counts[f"status:{row['status']}"] += 1
                yield row

    stagefiles.write_jsonl(ctx.file("enrichments"), merged())
    shutil.rmtree(parts[0].parent)
    return {**counts, "already_enriched": len(pending) - len(unique), "processes": processes}


# --- load -> transform -> validate -> publish: the work database, one writer at a time ---

def load(ctx: RunContext) -> dict:
    """Stream the run's files into raw in bounded Arrow batches (memory does not grow with
    the run's size)."""
    def rows(*stage_names: str) -> Iterator[dict]:
        for stage in stage_names:
            for path in ctx.stage_files(stage):
                yield from stagefiles.read_jsonl(path)

    with connect(ctx.paths.work) as con:
        # DuckDB would otherwise cache up to 80% of RAM: a big run's load must stay small.
        con.execute(f"SET memory_limit = '{LOAD_MEMORY_LIMIT}'")
        create_raw_tables(con)
        with transaction(con):
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
    result = run_dbt(["build", *select], ctx.paths.work, full_refresh=ctx.full_refresh)
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


PUBLISHED_SCHEMAS = ("marts", "audit")


def publish(ctx: RunContext) -> dict:
    """Copy the validated marts into a new file and rename it over the published one.

    The rename is atomic, so a reader opens either the previous publication or this one;
    readers that already have the old file open keep reading it undisturbed.
    """
    published = ctx.paths.published
    staging = published.with_name(f".{published.name}.publishing")
    staging.unlink(missing_ok=True)
    # A publish killed mid-copy also leaves the staging file's WAL; never replay it.
    staging.with_name(staging.name + ".wal").unlink(missing_ok=True)
    counts = {}
    with connect(staging) as con:
        escaped = str(ctx.paths.work).replace("'", "''")  # our own path, never scraped text
        con.execute(f"ATTACH '{escaped}' AS work (READ_ONLY)")
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"CREATE SCHEMA {schema}")
            tables = con.execute(
                "select table_name from information_schema.tables "
                "where table_catalog = 'work' and table_schema = ? order by 1", [schema]
            ).fetchall()
            for (table,) in tables:
                con.execute(f'CREATE TABLE {schema}."{table}" AS '
                            f'SELECT * FROM work.{schema}."{table}"')
                counts[f"{schema}.{table}"] = con.execute(
                    f'select count(*) from {schema}."{table}"').fetchone()[0]
        con.execute("CREATE TABLE audit.publication AS SELECT ? AS run_id, ? AS published_at",
                    [ctx.run_id, datetime.now(UTC)])
        con.execute("DETACH work")
        con.execute("CHECKPOINT")
    staging.replace(published)
    return counts
