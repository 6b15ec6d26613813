"""Feed parsing (RSS 0.9x/1.0/2.0, Atom) with feedparser, from bytes only.

feedparser.parse() fetches by itself when given a URL, and even opens a local file when
given a string that happens to be a path; handing it a BytesIO avoids both.
"""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime
from urllib.parse import urljoin

import feedparser

from extractors.sitemaps import DocumentError, Entry


def _iso(parsed: time.struct_time | None) -> str | None:
    # feedparser normalises every date it understands to a UTC struct_time.
    if not parsed:
        return None
    try:
        return datetime(*parsed[:6], tzinfo=UTC).isoformat()
    except (TypeError, ValueError, OverflowError):
        return None


def _link(entry) -> str | None:
    link = entry.get("link")
    if not link:
        for candidate in entry.get("links") or []:
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link = candidate["href"]
                break
    if not link:
        guid = entry.get("id") or ""
        link = guid if guid.startswith(("http://", "https://")) else None  # RSS permalink guid
    return link.strip() if link else None


def parse_feed(body: bytes, base_url: str) -> tuple[str, list[Entry]]:
    """(feed version, entries); raises DocumentError("malformed_feed") if unusable."""
    try:
        parsed = feedparser.parse(io.BytesIO(body), response_headers={"content-location": base_url})
    except Exception as exc:  # feedparser is lenient; anything it raises means garbage in
        raise DocumentError("malformed_feed", f"{type(exc).__name__}: {exc}") from exc
    entries = []
    for item in parsed.entries:
        link = _link(item)
        if not link:
            continue
        entries.append(
            Entry(
                url=urljoin(base_url, link),
                # dict.get: skip feedparser's deprecated updated->published fallback, so
                # an RSS pubDate is never mistaken for a modification date.
                lastmod=_iso(dict.get(item, "updated_parsed")),
                title=(item.get("title") or "").strip() or None,
                published_at=_iso(item.get("published_parsed") or item.get("created_parsed")),
            )
        )
    # feedparser reads almost anything leniently: a document it flagged as broken (bozo) or
    # could not identify is only an error if nothing usable came out of it.
    # .get: an empty body comes back without a "version" key at all.
    version = parsed.get("version")
    if not entries and (parsed.get("bozo") or not version):
        reason = parsed.get("bozo_exception") or "not a recognised feed"
        raise DocumentError("malformed_feed", str(reason)[:500])
    return version or "unknown", entries
