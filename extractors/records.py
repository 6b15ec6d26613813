"""The records passed between pipeline stages.

Data flows one way: discover -> fetch -> parse -> enrich -> load. Each stage takes and
returns these plain dataclasses; the loader turns each one into a row of the table named
in its docstring (`raw.<table>`), so a field added here is a column added there.
Lists are stored as JSON text in `raw` (portable across warehouse engines); dbt turns
them into lists in `marts`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DiscoveredUrl:
    """A candidate article URL found in a feed, sitemap or URL list. Table: raw.discoveries."""

    source: str
    url: str  # normalised (see extractors.urls.normalize_url)
    discovered_via: str  # the feed/sitemap URL, or "urls" for a configured list
    lastmod: str | None = None  # ISO 8601 from sitemap <lastmod> / feed <updated>, if any
    title: str | None = None  # from the feed item / news sitemap, if any
    published_at: str | None = None  # ISO 8601 from the feed item / news sitemap, if any


@dataclass(frozen=True)
class KnownPage:
    """What earlier runs recorded about a URL (read from raw.fetches / raw.discoveries)."""

    url: str
    fetched_at: str  # ISO 8601 UTC of the last completed fetch (ok or not_modified)
    etag: str | None = None
    last_modified: str | None = None
    lastmod: str | None = None  # the sitemap/feed lastmod seen when it was last fetched


@dataclass(frozen=True)
class FetchRequest:
    """One URL to fetch, with what we know from earlier runs for a conditional GET."""

    source: str
    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class FetchRecord:
    """One HTTP attempt (or a refusal before any attempt). Table: raw.fetches.

    status is one of:
      ok            2xx HTML/XHTML body archived under content_sha256
      not_modified  304 on a conditional GET (costs no parse)
      skipped       not fetched on purpose: robots_disallowed, not_html, duplicate, ...
      failed        gave up: error_class says why (timeout, http_404, too_large, ...)
      retrying      a failed attempt that will be retried (attempt < max)
    """

    run_id: str
    source: str
    url: str
    attempt: int
    status: str
    fetched_at: str  # ISO 8601 UTC
    final_url: str | None = None
    http_status: int | None = None
    error_class: str | None = None
    error_message: str | None = None
    content_type: str | None = None
    charset: str | None = None  # from the Content-Type header, if any
    bytes: int | None = None
    elapsed_ms: int | None = None
    content_sha256: str | None = None  # key into the raw archive
    etag: str | None = None
    last_modified: str | None = None
    is_feed: bool = False  # a feed/sitemap/robots fetch rather than an article page


@dataclass
class ParsedArticle:
    """One parsed page. Table: raw.articles (one row per article_id + content_hash).

    parse_status: "ok", or the reason there is no article: not_an_article, empty_body,
    parse_error (parse_error holds the message).
    Paragraphs keep subheadings and block quotes as their own entries; body_text is
    "\\n\\n".join(paragraphs), and every NLP character offset points into body_text.
    """

    url: str
    parse_status: str
    article_id: str = ""  # sha256 of the normalised canonical URL (or url), first 16 hex
    source: str = ""
    run_id: str = ""
    canonical_url: str | None = None
    title: str | None = None
    subtitle: str | None = None
    authors: list[str] = field(default_factory=list)
    published_at: str | None = None  # ISO 8601 with offset
    modified_at: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    language: str | None = None
    site_name: str | None = None
    image_url: str | None = None
    image_caption: str | None = None
    image_credit: str | None = None
    key_points: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    body_text: str = ""
    word_count: int = 0
    content_hash: str = ""  # sha256 of the normalised body, for syndicated-copy dedup
    content_sha256: str = ""  # archive key of the page it was parsed from
    fetched_at: str | None = None
    parse_error: str | None = None
    extraction_method: str | None = None  # json_ld, profile, generic, ...


@dataclass
class EntityMention:
    """A named entity as written in one article. Table: raw.entity_mentions."""

    article_id: str
    content_hash: str
    mention_index: int  # order within the article
    mention_text: str  # as written: "Marsh", "the U.S."
    canonical_name: str  # resolved within the article: "Helen Marsh", "United States"
    entity_type: str  # person | organization | location | group
    paragraph_index: int
    start_char: int  # offsets into ParsedArticle.body_text
    end_char: int
    role: str | None = None  # "Foreign Secretary", "Interior Minister"
    role_country: str | None = None  # the country the role belongs to


@dataclass
class QuoteRecord:
    """A direct or reported quote. Table: raw.quotes."""

    article_id: str
    content_hash: str
    quote_index: int
    quote_text: str
    is_direct: bool
    is_fragment: bool
    paragraph_index: int
    start_char: int
    end_char: int
    cue: str | None = None  # reporting verb: said, told, condemned, according to ...
    speaker_text: str | None = None  # as written: "he", "Marsh", "a spokesman"
    speaker_name: str | None = None  # resolved canonical name, None when unknown
    speaker_start: int | None = None
    speaker_end: int | None = None


@dataclass
class SanctionRecord:
    """One sanctions event on one target (A, B and C => three rows). Table: raw.sanctions."""

    article_id: str
    content_hash: str
    sanction_index: int
    action: str  # imposed | lifted | threatened | extended | called_for | eased | ...
    target_name: str
    evidence_text: str  # the sentence
    paragraph_index: int
    start_char: int
    end_char: int
    authority_name: str | None = None  # canonical: "United States Department of the Treasury"
    target_type: str | None = None  # person | organization | vessel | location
    target_role: str | None = None
    target_country: str | None = None
    reason: str | None = None
    program: str | None = None  # e.g. "Global Magnitsky"
    measure: str | None = None  # asset freeze, travel ban, embargo ...


@dataclass
class Enrichment:
    """Everything the enrich stage found in one article version."""

    article_id: str
    content_hash: str
    status: str = "ok"  # ok | skipped_empty | too_long | error
    error: str | None = None
    mentions: list[EntityMention] = field(default_factory=list)
    quotes: list[QuoteRecord] = field(default_factory=list)
    sanctions: list[SanctionRecord] = field(default_factory=list)
