"""Parse stage: one decoded HTML page -> ParsedArticle.

    parse_article(html, url, profile=None) -> ParsedArticle

BeautifulSoup (lxml backend) builds the tree once; `parse_body.Tree` walks it once
(iteratively: pages can nest thousands of levels) and gathers both the text statistics
for the generic content extractor and the elements metadata needs. Structured data
(JSON-LD, OpenGraph, microdata) fills metadata first; the visible page fills the gaps.
The body comes from a site profile (CSS selectors from config), else the page's microdata
articleBody, else the generic extractor; a complete JSON-LD articleBody replaces a much
shorter page text (a paywall teaser).

Bad input never raises: empty/oversized/garbage documents come back with parse_status
"empty_body", "not_an_article" or "parse_error" (+ parse_error message). Input above
MAX_HTML_CHARS characters or MAX_TAGS tags is truncated before parsing (logged), so time
per page stays bounded; every walk over the tree is iterative, so depth costs no recursion.
"""

from __future__ import annotations

import hashlib
import logging
import re
import warnings
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag
from bs4.builder import ParserRejectedMarkup
from bs4.element import AttributeDict

from extractors import parse_metadata as md
from extractors.encoding import decode_html
from extractors.parse_body import Tree, emit_paragraphs, extract_body, extract_under
from extractors.parse_dates import to_iso, url_date, visible_dates
from extractors.records import ParsedArticle

log = logging.getLogger(__name__)

MAX_HTML_CHARS = 5_000_000  # larger input is truncated: parse time grows with size
# ...and with the number of elements, about 60 µs each: a page of tiny tags is cut at this
# many "<" (a few seconds of parsing; the largest benchmark page has 3,229).
MAX_TAGS = 100_000
MIN_ARTICLE_WORDS = 40  # less text and no article metadata: not an article
NOT_FOUND_MAX_WORDS = 150  # a "404 / not found" title with this little text: an error page
HOMEPAGE_GOOD_CHARS = 200  # article-like paragraph text a page needs to be more than a hub
LD_BODY_GAIN = 1.5  # JSON-LD articleBody replaces the DOM text only when this much longer
BODY_MIN_WORDS = 50  # a structured-data body shorter than this is not the whole article
LANGID_CHARS = 3000  # enough text for py3langid, bounded cost
MAX_KEY_POINTS = 12
MAX_STANDFIRST = 600
MAX_BYLINES = 3
PAGE_LINE_MAX = 120  # bylines, date lines and captions are short
PAGE_LINE_HEAD = 4  # bylines and date lines sit at the top of the body
DATE_LINE_RE = re.compile(r"^(posted|published|updated|first published|last updated|on\b|"
                          r"\w+day|\d{1,2}|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)",
                          re.I)
CLOCK_END_RE = re.compile(r"\b[ap]\.m\.$", re.I)  # "... at 11:08 a.m.": not a sentence's end
WORD_RE = re.compile(r"\w+")
# "LONDON (AP) — ", "BEIJING, Nov 20 (Reuters) - ", "PARIS — ": a wire story's dateline
WIRE_DATELINE_RE = re.compile(
    r"^[A-Z][A-Z.'’-]+(?: [A-Z][A-Z.'’-]+){0,3}(?:,[^()\n—–]{1,30})?\s*"
    r"(?:\([^()\n]{1,40}\))?\s*[—–-]{1,2}\s+")
WIRE_CREDIT_MAX = 200  # a credit line is short
WIRE_CREDIT_RE = re.compile(r"contributed to this (report|story)|^\(?(additional )?"
                            r"(reporting|writing|editing) by\b", re.I)
# Control characters, C1 codes and U+FFFD: a decoded binary file is full of them, HTML is not.
BINARY_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")
BINARY_SAMPLE = 8192  # binary content shows in the first bytes (git looks at 8000)
BINARY_SHARE = 0.05
# The parse is most of the time spent per page. Keeping class/rel as the strings lxml gives
# (not split into lists) and a plain attribute dict (lxml's values are always strings, so
# bs4's per-attribute conversion checks do nothing) make it about 15% faster.
SOUP_OPTIONS = {"multi_valued_attributes": None, "attribute_dict_class": AttributeDict}


def content_hash(body_text: str) -> str:
    """sha256 of lowercased words joined by single spaces: markup, punctuation and
    whitespace differences between syndicated copies do not change it, nor do the parts
    sites add to or cut from a wire story (the "LONDON (AP) —" dateline, "X contributed to
    this report", "(Reporting by X; Editing by Y)")."""
    paragraphs = [p for p in body_text.split("\n\n")
                  if len(p) > WIRE_CREDIT_MAX or not WIRE_CREDIT_RE.search(p)]
    text = WIRE_DATELINE_RE.sub("", "\n\n".join(paragraphs), count=1)
    words = WORD_RE.findall(text.lower())
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


def _failed(url: str, status: str, message: str | None = None) -> ParsedArticle:
    return ParsedArticle(url=url, parse_status=status, parse_error=message)


def parse_article(html: str, url: str, profile: dict | None = None) -> ParsedArticle:
    if isinstance(html, bytes | bytearray):  # the pipeline decodes first; callers may not
        html, _ = decode_html(bytes(html), None)
    if not isinstance(html, str):
        return _failed(url, "parse_error", f"expected str html, got {type(html).__name__}")
    if len(html) > MAX_HTML_CHARS:
        log.warning("parse: %s is %d chars, truncated to %d", url, len(html), MAX_HTML_CHARS)
        html = html[:MAX_HTML_CHARS]
    if html.count("<") > MAX_TAGS:
        html = _first_tags(html, MAX_TAGS)
        log.warning("parse: %s has over %d tags, truncated to %d chars", url, MAX_TAGS,
                    len(html))
    sample = html[:BINARY_SAMPLE]
    if sample and len(BINARY_RE.findall(sample)) > BINARY_SHARE * len(sample):
        return _failed(url, "parse_error", "binary or non-text content")
    if not html.strip():
        return _failed(url, "empty_body", "empty document")
    try:
        with warnings.catch_warnings():  # a page whose whole text is "a.html" is a page too
            warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
            soup = BeautifulSoup(html, "lxml", **SOUP_OPTIONS)
        if profile and profile.get("remove"):
            for sel in _as_list(profile["remove"]):
                for el in soup.select(sel):
                    el.decompose()
        tree = Tree(soup)
    except (ParserRejectedMarkup, ValueError, RecursionError, UnicodeError,
            AssertionError) as exc:
        return _failed(url, "parse_error", f"{type(exc).__name__}: {exc}"[:500])
    return _build(soup, tree, html, url, profile or {})


def _first_tags(html: str, limit: int) -> str:
    """html up to (not including) its limit-th "<"."""
    pos = -1
    for _ in range(limit):
        pos = html.find("<", pos + 1)
    return html[:pos]


def _as_list(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _build(soup: BeautifulSoup, tree: Tree, html: str, url: str,
           profile: dict) -> ParsedArticle:
    art = ParsedArticle(url=url, parse_status="ok")
    meta = md.meta_map(tree.metas)
    objs = md.jsonld_objects(tree.ld_json)
    art_ld = md.pick_article(objs)
    hints: dict[str, list[Tag]] = {}
    for kind, node in tree.hints:
        hints.setdefault(kind, []).append(node)

    art.site_name = _site_name(meta, objs, art_ld)
    h1s = [t for t in (md.node_text(h) for h in tree.h1s[:3]) if t]
    art.title = md.pick_title(art_ld, meta, h1s, tree.title_tag, art.site_name,
                              page_text=lambda: (soup.body or soup).get_text(" "))
    if profile.get("title"):
        el = soup.select_one(profile["title"])
        if el is not None and md.node_text(el):
            art.title = md.node_text(el)
    art.site_name = art.site_name or md.site_from_title(tree.title_tag, art.title)
    art.canonical_url = _canonical(tree, meta, url)

    # --- body ---
    paragraphs, method = _page_body(soup, tree, art.title, profile)
    paragraphs, body_bylines, body_datelines = _strip_page_lines(paragraphs)
    if method != "profile":
        ld_paras = _ld_body(art_ld)
        ld_words = _words(ld_paras)
        if ld_words >= BODY_MIN_WORDS and ld_words > _words(paragraphs) * LD_BODY_GAIN:
            paragraphs, method = ld_paras, "json_ld"
    art.paragraphs = paragraphs
    art.body_text = "\n\n".join(paragraphs)
    art.word_count = len(art.body_text.split())
    art.content_hash = content_hash(art.body_text) if art.body_text else ""
    art.extraction_method = method

    # --- metadata ---
    bylines = [md.node_text(n) for n in hints.get("byline", [])[:MAX_BYLINES]] + body_bylines
    art.authors = md.pick_authors(art_ld, meta, _itemprop_authors(tree), bylines,
                                  art.site_name)
    art.published_at, art.modified_at = _dates(tree, meta, art_ld, hints, bylines,
                                               body_datelines, paragraphs[:3], url, html)
    art.subtitle = _standfirst(hints, art_ld, meta, art.title, paragraphs)
    art.section = _section(art_ld, meta, art.site_name)
    art.tags = md.split_keywords(
        ([art_ld["keywords"]] if art_ld and art_ld.get("keywords") else [])
        + meta.get("article:tag", []) + meta.get("news_keywords", [])
        + (meta.get("keywords", []) if not meta.get("article:tag") else []))
    art.key_points = _key_points(hints)
    _image(art, art_ld, meta, tree, url)
    art.language = _language(soup, meta, art_ld, art.body_text)
    art.parse_status = _status(art, art_ld, meta, tree, url)
    return art


def _page_body(soup: BeautifulSoup, tree: Tree, title: str | None,
               profile: dict) -> tuple[list[str], str]:
    """(paragraphs, method) from the page itself: a site profile's selector, else the
    element the page marks as the article body in microdata, else the generic extractor."""
    if profile.get("body"):
        found = [p for el in soup.select(profile["body"]) for p in extract_under(tree, el, title)]
        if found:
            return found, "profile"
    # itemprops holds only elements the walk kept: a hidden articleBody is not trusted
    marked = next((el for el in tree.itemprops
                   if str(el.get("itemprop")).lower() == "articlebody"), None)
    if marked is not None:
        tree.strip_unlikely()  # ads and share bars sit inside marked bodies too
        found = extract_under(tree, marked, title)
        if _words(found) >= BODY_MIN_WORDS:
            return found, "microdata"
        tree.relax()
    return extract_body(tree, title), "generic"


def _words(paragraphs: list[str]) -> int:
    return sum(len(p.split()) for p in paragraphs)


def _strip_page_lines(paragraphs: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Drop byline / date lines from the top of the body and caption lines anywhere.
    Returns (paragraphs, bylines, date lines): they feed the author and date fallbacks."""
    out, bylines, datelines = [], [], []
    for n, p in enumerate(paragraphs):
        short = len(p) <= PAGE_LINE_MAX
        if short and n < PAGE_LINE_HEAD:
            if md.BY_PREFIX_RE.match(p) and (not p.endswith(".") or CLOCK_END_RE.search(p)):
                bylines.append(p)
                continue
            if DATE_LINE_RE.match(p) and (visible_dates(p) != (None, None)
                                          or to_iso(p, fuzzy=False)):
                datelines.append(p)
                continue
        if short and md.CREDIT_TEXT_RE.search(p) and not p.endswith((".", "\"", "”")):
            continue
        out.append(p)
    return out, bylines, datelines


def _site_name(meta: dict, objs: list[dict], art_ld: dict | None) -> str | None:
    name = md.first_meta(meta, "og:site_name", "application-name", "twitter:app:name:iphone")
    if not name and art_ld:
        name = md.ld_text(art_ld.get("publisher"))
    if not name:
        for o in objs:
            if md.types_of(o) & {"website", "newsmediaorganization"} and o.get("name"):
                name = md.ld_text(o.get("name"))
                break
    # "The Jerusalem Post | JPost.com", "Autoracing | F1 | Indy": the name comes first
    return md.TAGLINE_SEPARATOR_RE.split(name)[0] if name else None


def _canonical(tree: Tree, meta: dict, url: str) -> str | None:
    for link in tree.links_rel:
        if "canonical" in str(link.get("rel") or "").lower().split() and link.get("href"):
            found = md.absolute(link["href"], url)
            if found:
                return found
    return md.absolute(md.first_meta(meta, "og:url"), url) or url or None


def _ld_body(art_ld: dict | None) -> list[str]:
    body = art_ld.get("articleBody") if art_ld else None
    if isinstance(body, list):
        body = "\n".join(b for b in body if isinstance(b, str))
    if not isinstance(body, str) or not body.strip():
        return []
    if "<" in body and ">" in body:  # some sites put HTML in articleBody
        body = re.sub(r"(?i)</?(p|br|div|h\d|li|blockquote)\b[^>]*>", "\n", body)
        body = re.sub(r"<[^>]+>", " ", body)
    return [md.clean(p) for p in re.split(r"\n\s*", body) if md.clean(p)]


def _itemprop_authors(tree: Tree) -> list[str]:
    out = []
    for el in tree.itemprops:
        prop = str(el.get("itemprop") or "").lower()
        if "author" not in prop and "creator" not in prop:
            continue
        name_el = el.find(attrs={"itemprop": "name"}) if el.name != "meta" else None
        if name_el is not None:
            out.append(name_el.get("content") or md.node_text(name_el))
        elif el.get("content"):
            out.append(el["content"])
        else:
            out.append(md.node_text(el))
    return out


def _dates(tree: Tree, meta: dict, art_ld: dict | None, hints: dict, bylines: list[str],
           datelines: list[str], lines: list[str], url: str,
           html: str) -> tuple[str | None, str | None]:
    item_dates: dict[str, list[str]] = {}
    for el in tree.itemprops:
        prop = str(el.get("itemprop") or "").lower()
        if prop in ("datepublished", "datemodified", "datecreated"):
            value = el.get("content") or el.get("datetime") or md.node_text(el)
            item_dates.setdefault("datepublished" if prop == "datecreated" else prop,
                                  []).append(value)
    published, modified = md.dates_from(art_ld, meta, item_dates, tree.times)
    # A date-only value (midnight) is read as well from the page, which may show the time.
    if not published or not modified or _is_midnight(published):
        shown = [md.node_text(n) for n in hints.get("dateline", [])[:10]]
        vis_pub, vis_mod = visible_dates("\n".join(shown + bylines + datelines + lines))
        if not vis_pub:  # a bare date line, or a byline's "... on Monday, May 11, 2026"
            bare = datelines + shown + [md.byline_date(b) for b in bylines]
            vis_pub = next((d for d in (to_iso(t, fuzzy=False) for t in bare
                                        if t and len(t) <= PAGE_LINE_MAX) if d), None)
        published = _more_precise(published, vis_pub)
        modified = modified or vis_mod
    published = published or url_date(url)
    if not published:
        published = _htmldate(html)
    return published, modified


def _is_midnight(iso: str) -> bool:
    return iso[10:19] == "T00:00:00"


def _more_precise(structured: str | None, shown: str | None) -> str | None:
    """The structured date, unless it is a bare day and the page shows that day's time."""
    if not structured or not shown:
        return structured or shown
    if _is_midnight(structured) and not _is_midnight(shown) and shown[:10] == structured[:10]:
        return shown
    return structured


def _htmldate(html: str) -> str | None:
    """Last resort: htmldate's heuristics (slower, so only when nothing else matched)."""
    try:
        from htmldate import find_date

        # Bytes, never str: htmldate downloads a str that looks like a URL, and a page whose
        # text is "http://169.254.169.254/..." would make the parser fetch it, past netguard.
        found = find_date(html.encode("utf-8", "replace"), extensive_search=False,
                          original_date=True, outputformat="%Y-%m-%dT%H:%M:%S")
    except Exception as exc:  # noqa: BLE001 - a fallback must not fail the page
        log.debug("htmldate failed: %s", exc)
        return None
    return to_iso(found) if found else None


def _standfirst(hints: dict, art_ld: dict | None, meta: dict, title: str | None,
                paragraphs: list[str]) -> str | None:
    body = set(paragraphs)  # a "subheadline" inside the body is a subheading, not a dek
    for node in hints.get("standfirst", [])[:5]:
        text = md.node_text(node)
        if text and text != title and len(text) <= MAX_STANDFIRST and text not in body:
            return text
    desc = (md.ld_text(art_ld.get("description")) if art_ld else None) or md.first_meta(
        meta, "og:description", "description", "twitter:description")
    return desc if desc and desc != title else None


def _section(art_ld: dict | None, meta: dict, site_name: str | None) -> str | None:
    section = (md.ld_text(art_ld.get("articleSection")) if art_ld else None) or md.first_meta(
        meta, "article:section", "parsely-section", "section", "category", "sailthru.section")
    # "gizmodo.com", or the site's own name: a section field filled with the site
    if section and (md.DOMAIN_RE.search(section) or md.squash(section) == md.squash(site_name)):
        return None
    return section


def _key_points(hints: dict) -> list[str]:
    for node in hints.get("key_points", []):
        items = [md.node_text(li) for li in node.find_all("li", limit=MAX_KEY_POINTS)]
        items = [i for i in items if i]
        if items:
            return items
    return []


def _image(art: ParsedArticle, art_ld: dict | None, meta: dict, tree: Tree, url: str) -> None:
    img, caption, credit = md.ld_image(art_ld.get("image")) if art_ld else (None, None, None)
    img = img or md.first_meta(meta, "og:image", "og:image:url", "og:image:secure_url",
                               "twitter:image", "twitter:image:src", "thumbnailurl")
    if not img and tree.figcaptions:  # no structured image: the first captioned figure's
        shown = tree.figcaptions[0].parent.find("img")
        img = shown.get("src") if shown else None
    art.image_url = md.absolute(img, url)
    if not caption and tree.figcaptions:
        caption, fig_credit = md.split_caption(tree.figcaptions[0])
        credit = credit or fig_credit
    art.image_caption = caption or md.first_meta(meta, "og:image:alt", "twitter:image:alt")
    art.image_credit = credit


def _language(soup: BeautifulSoup, meta: dict, art_ld: dict | None, body: str) -> str | None:
    html_tag = soup.find("html")
    declared = html_tag.get("lang") if isinstance(html_tag, Tag) else None
    declared = declared or md.first_meta(meta, "content-language", "language", "dc.language",
                                         "og:locale")
    if not declared and art_ld:
        declared = md.ld_text(art_ld.get("inLanguage"))
    lang = md.norm_lang(declared if isinstance(declared, str) else None)
    if lang or not body:
        return lang
    try:
        import py3langid

        return py3langid.classify(body[:LANGID_CHARS])[0]
    except Exception as exc:  # noqa: BLE001 - language is optional
        log.debug("langid failed: %s", exc)
        return None


def _status(art: ParsedArticle, art_ld: dict | None, meta: dict, tree: Tree, url: str) -> str:
    og_type = (md.first_meta(meta, "og:type") or "").lower()
    signals = bool(art_ld) or og_type == "article" or "article:published_time" in meta
    if art.word_count == 0:
        return "empty_body" if signals else "not_an_article"
    looks_404 = md.NOT_FOUND_RE.search(" ".join(filter(None, [tree.title_tag, art.title])))
    if looks_404 and art.word_count < NOT_FOUND_MAX_WORDS:
        return "not_an_article"
    if not signals:
        if art.word_count < MIN_ARTICLE_WORDS:
            return "not_an_article"
        path = urlsplit(url or "").path
        if path in ("", "/") or tree.good[0] < HOMEPAGE_GOOD_CHARS:
            return "not_an_article"
    return "ok"


__all__ = ["parse_article", "content_hash", "emit_paragraphs"]
