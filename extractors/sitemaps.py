"""Sitemap parsing (sitemaps.org urlset / sitemapindex, Google News, text, gzip): bytes in.

No network here: discover.py fetches, this module only reads bytes. lxml is configured so
a hostile document cannot expand entities, load DTDs or reach the network.
"""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

from dateutil import parser as dateparser
from lxml import etree

GZIP_MAGIC = b"\x1f\x8b"
MAX_ENTRIES = 50_000  # the sitemaps.org per-file limit; more is not a sitemap we trust
TEXT_SNIFF_LINES = 20
FEED_ROOTS = frozenset({"rss", "feed", "RDF", "channel"})


class DocumentError(Exception):
    """A feed/sitemap body we cannot use; error_class goes into the FetchRecord."""

    def __init__(self, error_class: str, message: str):
        super().__init__(message)
        self.error_class = error_class


@dataclass
class Entry:
    url: str
    lastmod: str | None = None
    title: str | None = None
    published_at: str | None = None


@dataclass
class Sitemap:
    kind: str  # "urlset", "index", "text" or "feed" (the caller hands feeds to feedparser)
    entries: list[Entry] = field(default_factory=list)  # pages (urlset/text)
    children: list[Entry] = field(default_factory=list)  # child sitemaps (index)


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers are not thread-safe.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


# Tried in order. The standard library's C parser reads the usual sitemap and feed forms as
# dateutil does, 0.45 us a call against 8.3, and discovery parses every listed URL's dates
# on every run; dateutil reads the rest (2026-05, 24:00, RFC 822, ...).
DATE_PARSERS = (datetime.fromisoformat, dateparser.isoparse, dateparser.parse)


def parse_iso(text: str | None) -> datetime | None:
    """An ISO 8601 / W3C datetime (or a looser date) as an aware UTC datetime."""
    if not text or not isinstance(text, str):
        return None
    text = text.strip()
    for parse in DATE_PARSERS:
        try:
            value = parse(text)
            break
        except (ValueError, OverflowError, TypeError):
            continue
    else:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # sitemaps without an offset: assume UTC
    try:
        return value.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def iso_or_none(text: str | None) -> str | None:
    value = parse_iso(text)
    return value.isoformat() if value else None


def maybe_gunzip(body: bytes, limit: int) -> bytes:
    """Decompress a gzip file body (e.g. sitemap.xml.gz), refusing more than limit bytes."""
    if not body.startswith(GZIP_MAGIC):
        return body
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
            data = stream.read(limit + 1)  # bounded: a gzip bomb stops here
    except (OSError, EOFError, zlib.error) as exc:
        raise DocumentError("malformed_sitemap", f"bad gzip: {exc}") from exc
    if len(data) > limit:
        raise DocumentError("too_large", f"decompressed sitemap exceeds {limit} bytes")
    return data


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _child_text(element, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name:
            text = (child.text or "").strip()
            return text or None
    return None


def _news(element) -> tuple[str | None, str | None]:
    """(title, publication_date) from a <news:news> block, if any."""
    for child in element:
        if _local(child.tag) == "news":
            return _child_text(child, "title"), _child_text(child, "publication_date")
    return None, None


def _text_sitemap(text: str, base_url: str) -> Sitemap | None:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or not all(
        line.startswith(("http://", "https://")) for line in lines[:TEXT_SNIFF_LINES]
    ):
        return None
    entries = [Entry(urljoin(base_url, line)) for line in lines[:MAX_ENTRIES] if " " not in line]
    return Sitemap(kind="text", entries=entries)


def parse_sitemap(body: bytes, base_url: str) -> Sitemap:
    """Parse a (decompressed) sitemap body; raises DocumentError if it is not one."""
    body = body.lstrip(b" \t\r\n")
    if not body.startswith((b"<", b"\xef\xbb\xbf<")):
        text = _text_sitemap(body.decode("utf-8", errors="replace"), base_url)
        if text is not None:
            return text
        raise DocumentError("malformed_sitemap", "neither XML nor a list of URLs")
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        raise DocumentError("malformed_sitemap", f"XML error: {exc}") from exc
    if root is None:
        raise DocumentError("malformed_sitemap", "empty document")
    kind = _local(root.tag)
    if kind in FEED_ROOTS:
        return Sitemap(kind="feed")
    if kind not in ("urlset", "sitemapindex"):
        raise DocumentError("malformed_sitemap", f"unexpected root element <{kind}>")
    result = Sitemap(kind="urlset" if kind == "urlset" else "index")
    item_tag = "url" if kind == "urlset" else "sitemap"
    for element in root:
        if _local(element.tag) != item_tag:
            continue
        loc = _child_text(element, "loc")
        if not loc:
            continue
        entry = Entry(urljoin(base_url, loc), lastmod=iso_or_none(_child_text(element, "lastmod")))
        if kind == "urlset":
            title, published = _news(element)
            entry.title, entry.published_at = title, iso_or_none(published)
            result.entries.append(entry)
        else:
            result.children.append(entry)
        if len(result.entries) + len(result.children) >= MAX_ENTRIES:
            break
    return result
