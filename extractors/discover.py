"""Discover stage: feeds + sitemaps + configured URLs -> DiscoveredUrl; then plan fetches.

Sitemaps from robots.txt (`Sitemap:` lines) are read only for a source that sets
`robots_sitemaps: true`: by default a source gets exactly the feeds and sitemaps it lists.
Reason: robots.txt is per host, not per publication, so on a shared host (the demo serves
three papers from one origin) a feed-only source would pull in every other paper's sitemap,
and on a real site it would turn "the latest items of this feed" into "the whole archive".
With the switch on, the robots.txt of every host the source lists (feeds, sitemaps, URLs)
adds its sitemaps (robots.txt is only read when obey_robots is on).

A feed or sitemap that listed articles in an earlier validated run is asked for again with
its ETag/Last-Modified; a 304 Not Modified means the same list, which discovery takes from
that run (PreviousDocument) instead of downloading and parsing it again. A sitemap index
lists no articles, so it is always fetched: its child sitemaps may have changed.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from extractors.config import Source
from extractors.feeds import parse_feed
from extractors.fetch import HttpClient
from extractors.records import DiscoveredUrl, FetchRecord, FetchRequest, KnownPage
from extractors.sitemaps import DocumentError, Entry, maybe_gunzip, parse_iso, parse_sitemap
from extractors.urls import is_http_url, normalize_url

MAX_SITEMAP_DEPTH = 3  # a configured sitemap is depth 1; an index at depth 3 is not followed
MAX_DOCUMENTS = 100  # feeds + sitemaps fetched per source per run (crawl-delay adds up)
URLS_VIA = "urls"


def _skipped(source: Source, run_id: str, url: str, error_class: str, message: str) -> FetchRecord:
    return FetchRecord(
        run_id=run_id,
        source=source.name,
        url=url,
        attempt=1,
        status="skipped",
        fetched_at=datetime.now(UTC).isoformat(timespec="milliseconds"),
        error_class=error_class,
        error_message=message,
        is_feed=True,
    )


def _fail(record: FetchRecord, exc: DocumentError) -> None:
    record.status, record.error_class, record.error_message = "failed", exc.error_class, str(exc)


@dataclass(frozen=True)
class PreviousDocument:
    """A feed or sitemap as the last validated run got it: its validators, and the article
    URLs it listed then (what a 304 now stands for)."""

    etag: str | None
    last_modified: str | None
    entries: list[Entry]


def _fetch_document(source, run_id, client, url, records,
                    previous: PreviousDocument | None = None) -> tuple[bytes, str] | None:
    """Fetch a feed/sitemap, gunzip if needed; (body, final url) or None (recorded, or 304)."""
    result = client.get(url, accept_feed=True, run_id=run_id,
                        etag=previous.etag if previous else None,
                        last_modified=previous.last_modified if previous else None)
    records.extend(result.all_records)
    if result.record.status != "ok" or result.body is None:
        return None
    try:
        return maybe_gunzip(result.body, source.max_bytes), result.record.final_url or url
    except DocumentError as exc:
        _fail(result.record, exc)
        return None


def _read_feed(body: bytes, url: str, record: FetchRecord) -> list[Entry]:
    try:
        return parse_feed(body, url)[1]
    except DocumentError as feed_error:
        try:  # a sitemap configured as a feed still yields its URLs
            sitemap = parse_sitemap(body, url)
        except DocumentError:
            _fail(record, feed_error)
            return []
        if sitemap.kind in ("urlset", "text"):
            return sitemap.entries
        _fail(record, feed_error)
        return []


def _sitemap_urls_from_robots(source, run_id, client, records) -> list[str]:
    if not source.robots_sitemaps:
        return []
    urls: list[str] = []
    listed = (*source.feeds, *source.sitemaps, *source.urls)
    for origin in dict.fromkeys(f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in listed):
        policy, robots_records = client.robots_policy(origin, run_id)
        records.extend(robots_records)
        urls.extend(u for u in policy.sitemap_urls if u not in source.sitemaps)
    return urls


def _newest_first(entries: list[Entry]) -> list[Entry]:
    floor = datetime.min.replace(tzinfo=UTC)
    return sorted(entries, key=lambda e: parse_iso(e.lastmod) or floor, reverse=True)


def _merge(old: DiscoveredUrl, new: DiscoveredUrl) -> DiscoveredUrl:
    """One record per URL, keeping the newest lastmod and any title/published_at seen."""
    old_mod, new_mod = parse_iso(old.lastmod), parse_iso(new.lastmod)
    lastmod = old.lastmod
    if new_mod and (old_mod is None or new_mod > old_mod):
        lastmod = new.lastmod
    return replace(
        old,
        lastmod=lastmod,
        title=old.title or new.title,
        published_at=old.published_at or new.published_at,
    )


def discover_source(
    source: Source, run_id: str, client: HttpClient,
    previous: dict[str, PreviousDocument] | None = None,
) -> tuple[list[DiscoveredUrl], list[FetchRecord]]:
    """All candidate article URLs of a source, and a record of every feed/sitemap fetch.

    A dead or malformed feed/sitemap is a failed record (http_404, malformed_feed,
    malformed_sitemap, too_large, ...) and discovery carries on with the rest. `previous`
    (by feed/sitemap URL) makes the fetch conditional; a 304 adds the entries it holds.
    """
    found: dict[str, DiscoveredUrl] = {}
    records: list[FetchRecord] = []
    previous = previous or {}

    def add(entries: list[Entry], via: str) -> None:
        for entry in entries:
            if not is_http_url(entry.url):
                continue
            url = normalize_url(entry.url)
            item = DiscoveredUrl(
                source.name, url, via, entry.lastmod, entry.title, entry.published_at
            )
            found[url] = _merge(found[url], item) if url in found else item

    def fetch(url: str) -> tuple[bytes, str] | None:
        known = previous.get(url)
        document = _fetch_document(source, run_id, client, url, records, known)
        if document is None and known and records[-1].status == "not_modified":
            add(known.entries, url)
        return document

    fetched = 0
    for feed_url in source.feeds:
        if fetched >= MAX_DOCUMENTS:
            records.append(
                _skipped(source, run_id, feed_url, "document_limit", f"over {MAX_DOCUMENTS}")
            )
            continue
        fetched += 1
        document = fetch(feed_url)
        if document is not None:
            add(_read_feed(document[0], document[1], records[-1]), feed_url)

    queue = deque(
        (url, 1)
        for url in [*source.sitemaps, *_sitemap_urls_from_robots(source, run_id, client, records)]
    )
    visited: set[str] = set()
    while queue:
        url, depth = queue.popleft()
        if url in visited:
            continue
        visited.add(url)
        if fetched >= MAX_DOCUMENTS:
            records.append(_skipped(source, run_id, url, "document_limit", f"over {MAX_DOCUMENTS}"))
            continue
        fetched += 1
        document = fetch(url)
        if document is None:
            continue
        body, final_url = document
        record = records[-1]
        try:
            sitemap = parse_sitemap(body, final_url)
        except DocumentError as exc:
            _fail(record, exc)
            continue
        if sitemap.kind == "feed":
            add(_read_feed(body, final_url, record), url)
            continue
        add(sitemap.entries, url)
        for child in _newest_first(sitemap.children):  # newest child sitemaps first
            if depth >= MAX_SITEMAP_DEPTH:
                records.append(
                    _skipped(
                        source,
                        run_id,
                        child.url,
                        "too_deep",
                        f"sitemap depth > {MAX_SITEMAP_DEPTH}",
                    )
                )
            else:
                queue.append((child.url, depth + 1))

    for url in source.urls:
        add([Entry(url)], URLS_VIA)
    return list(found.values()), records


def _as_utc(now: datetime) -> datetime:
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def _needs_fetch(
    item: DiscoveredUrl, page: KnownPage | None, source: Source, now: datetime
) -> bool:
    if page is None:
        return True
    fetched_at = parse_iso(page.fetched_at)
    # Changed since: compare with the lastmod we saw when we fetched it, else the fetch time.
    reference = parse_iso(page.lastmod) or fetched_at
    discovered = parse_iso(item.lastmod)
    if discovered and (reference is None or discovered > reference):
        return True
    if source.refresh_after_hours is not None:
        if fetched_at is None or now - fetched_at >= timedelta(hours=source.refresh_after_hours):
            return True
    return False


def plan_fetches(
    source: Source,
    discovered: list[DiscoveredUrl],
    known: dict[str, KnownPage],
    now: datetime,
) -> tuple[list[FetchRequest], list[DiscoveredUrl]]:
    """(requests to make, discoveries skipped as unchanged).

    New URLs are fetched; a known URL only if its discovered lastmod is newer than what we
    had (KnownPage.lastmod, else its fetched_at) or refresh_after_hours has passed, and then
    with etag/last_modified for a conditional GET. Newest first (the later of lastmod and
    published_at; undated last), capped at source.max_articles: URLs past the cap are in
    neither list and come up again next run.
    """
    now = _as_utc(now)
    # DiscoveredUrl.url is normalised already; a stored URL is normalised again, so that a
    # page recorded before a normalising rule changed is still known by its new spelling.
    known_by_url = {normalize_url(url): page for url, page in known.items()}
    floor = datetime.min.replace(tzinfo=UTC)
    to_fetch: list[DiscoveredUrl] = []
    unchanged: list[DiscoveredUrl] = []
    for item in discovered:
        page = known_by_url.get(item.url)
        (to_fetch if _needs_fetch(item, page, source, now) else unchanged).append(item)

    def newest(item: DiscoveredUrl) -> datetime:
        dates = [d for d in (parse_iso(item.lastmod), parse_iso(item.published_at)) if d]
        return max(dates) if dates else floor

    to_fetch.sort(key=newest, reverse=True)
    requests = []
    for item in to_fetch[: source.max_articles]:
        page = known_by_url.get(item.url)
        requests.append(
            FetchRequest(
                source=source.name,
                url=item.url,
                etag=page.etag if page else None,
                last_modified=page.last_modified if page else None,
            )
        )
    return requests, unchanged
