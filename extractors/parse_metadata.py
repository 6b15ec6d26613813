"""Article metadata from structured data first, then the page's own conventions.

Order of trust for each field: JSON-LD (NewsArticle & co., also inside @graph), then
OpenGraph / article:* / common <meta> names, then microdata (itemprop), then the visible
page (h1, byline, <time>). Everything works on the elements `parse_body.Tree` collected in
its single walk, so no extra pass over the document is needed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import urljoin

from bs4 import Tag

from extractors.parse_body import attr_text
from extractors.parse_dates import to_iso

ARTICLE_TYPES = frozenset({
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "blogposting",
    "socialmediaposting", "liveblogposting", "techarticle", "scholarlyarticle", "report",
    "advertisercontentarticle", "satiricalarticle", "askpublicnewsarticle", "posting",
})
PAGE_TYPES = frozenset({"webpage", "itempage", "collectionpage", "website", "searchresultspage"})
MAX_LD_OBJECTS = 200  # a page listing thousands of items is not worth reading whole
TITLE_SEPARATORS_RE = re.compile(r"\s+(?:\||-|–|—|::|:|·|•|»)\s+")
MAX_SUFFIX_WORDS = 6  # a " | Site Name" suffix is short
# Bylines that are not people: desks, wires, the publication itself.
NON_PERSON_RE = re.compile(
    r"^(staff|staff writers?|staff reporter|editorial( staff| team| board)?|news desk|"
    r"newsroom|web desk|the associated press|associated press|ap|reuters|afp|agence france"
    r"[- ]presse|bloomberg|dpa|upi|pa|pa media|press association|cnn|bbc|bbc news|guest|"
    r"admin|administrator|editor|editors|contributor|anonymous|wire services?|"
    r"ap staff|the editors|news service|.*\b(staff|desk|wire|news service|reporters)$)$",
    re.I,
)
BY_PREFIX_RE = re.compile(r"^\s*(?:written\s+|posted\s+|reported\s+)?by[:\s]+", re.I)
AUTHOR_SPLIT_RE = re.compile(r"\s*(?:,|;|\band\b|&|\bund\b|\bet\b|\by\b|\be\b)\s*", re.I)
MAX_AUTHOR_WORDS = 5
CREDIT_HINT_RE = re.compile(r"credit|copyright|source|photographer|byline|attribution", re.I)
CREDIT_TEXT_RE = re.compile(
    r"(?:\(|\b)((?:photo|image|picture|credit|foto|illustration)s?\s*(?:by|:)\s*[^)]{2,80})\)?\s*$",
    re.I)
NOT_FOUND_RE = re.compile(r"\b(404|page not found|not found|no longer available|"
                          r"page (?:does not|doesn't) exist)\b", re.I)


def clean(text) -> str:
    return " ".join(str(text).split()) if text is not None else ""


def node_text(tag: Tag) -> str:
    return clean(tag.get_text(" "))


# --- JSON-LD -------------------------------------------------------------------------

def jsonld_objects(scripts: list[str]) -> list[dict]:
    """Every JSON object in the page's ld+json blocks, @graph and lists flattened."""
    out: list[dict] = []
    for raw in scripts:
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            try:  # trailing commas and stray control characters are common
                data = json.loads(re.sub(r",\s*([}\]])", r"\1", raw.strip()), strict=False)
            except (ValueError, RecursionError):
                continue
        pending = [data]
        while pending and len(out) < MAX_LD_OBJECTS:
            item = pending.pop()
            if isinstance(item, list):
                pending.extend(reversed(item))
            elif isinstance(item, dict):
                out.append(item)
                graph = item.get("@graph")
                if isinstance(graph, list):
                    pending.extend(reversed(graph))
                main = item.get("mainEntity")
                if isinstance(main, dict | list):
                    pending.append(main)
    return out


def types_of(obj: dict) -> set[str]:
    t = obj.get("@type")
    if isinstance(t, str):
        return {t.lower()}
    if isinstance(t, list):
        return {x.lower() for x in t if isinstance(x, str)}
    return set()


def pick_article(objs: list[dict]) -> dict | None:
    """The article object: the first of an article type (with a headline or body)."""
    articles = [o for o in objs if types_of(o) & ARTICLE_TYPES]
    if not articles:
        return None
    articles.sort(key=lambda o: (not o.get("articleBody"), not o.get("headline")))
    return articles[0]


def ld_text(value) -> str | None:
    """A plain string from a JSON-LD value that may be a string, list or {name|@value}."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or value.get("url")
    if isinstance(value, str | int | float):
        text = clean(value)
        return text or None
    return None


def ld_names(value, people_only: bool = True) -> list[str]:
    """Names from an author/creator value (string, object, list); organisations skipped."""
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        if isinstance(item, dict):
            if people_only and types_of(item) & {"organization", "newsmediaorganization",
                                                 "corporation"}:
                continue
            name = item.get("name")
            if isinstance(name, list):
                name = name[0] if name else None
            if isinstance(name, str):
                names.append(name)
        elif isinstance(item, str):
            names.append(item)
    return names


# --- <meta> ---------------------------------------------------------------------------

def meta_map(metas: list[Tag]) -> dict[str, list[str]]:
    """{lowercased name/property/itemprop: [content, ...]} in document order."""
    out: dict[str, list[str]] = {}
    for m in metas:
        content = m.get("content")
        if content is None:
            continue
        content = clean(content)
        if not content:
            continue
        for key in ("property", "name", "itemprop", "http-equiv"):
            k = m.get(key)
            if isinstance(k, str) and k:
                out.setdefault(k.strip().lower(), []).append(content)
    return out


def first_meta(meta: dict[str, list[str]], *keys: str) -> str | None:
    for k in keys:
        if meta.get(k):
            return meta[k][0]
    return None


# --- fields ---------------------------------------------------------------------------

def strip_site_suffix(title: str, site_name: str | None) -> str:
    """'Story headline | Site' -> 'Story headline' (also '- Site', '— Site', 'Site | ...')."""
    title = clean(title)
    seps = list(TITLE_SEPARATORS_RE.finditer(title))
    if not seps:
        return title
    site = (site_name or "").lower()
    last = seps[-1]
    suffix = title[last.end():]
    if site and site in title[: seps[0].start()].lower() and len(seps) == 1 \
            and site not in suffix.lower():
        return title[seps[0].end():]  # "Site | Headline"
    if (site and site in suffix.lower()) or (
            len(suffix.split()) <= MAX_SUFFIX_WORDS and len(suffix) < len(title) / 2
            and "|" in last.group()):
        head = title[: last.start()]
        # "Headline - Section | Site": drop a short section label too
        if len(seps) > 1 and site and "|" in seps[-2].group():
            prev = title[seps[-2].end(): last.start()]
            if len(prev.split()) <= 3:
                head = title[: seps[-2].start()]
        return head
    if site and site in suffix.lower():
        return title[: last.start()]
    return title


def pick_title(article_ld: dict | None, meta: dict, h1s: list[str], title_tag: str | None,
               site_name: str | None, page_text: Callable[[], str]) -> str | None:
    candidates = [ld_text(article_ld.get("headline")) if article_ld else None,
                  first_meta(meta, "og:title", "twitter:title", "headline",
                             "sailthru.title", "parsely-title", "dc.title"),
                  h1s[0] if h1s else None]
    for c in candidates:
        if c:
            return strip_site_suffix(c, site_name) or None
    if title_tag:
        return title_shown_on_page(title_tag, page_text) or \
            strip_site_suffix(title_tag, site_name) or None
    return None


def title_shown_on_page(title_tag: str, page_text: Callable[[], str]) -> str | None:
    """'The Old Gazette :: Headline' -> 'Headline': of the runs of separator-split parts,
    the longest that the page also shows as text (its headline), whatever side it is on."""
    title = clean(title_tag)
    seps = list(TITLE_SEPARATORS_RE.finditer(title))
    if not seps:
        return None
    starts = [0] + [m.end() for m in seps]
    ends = [m.start() for m in seps] + [len(title)]
    text = clean(page_text())
    spans = [title[a:b] for i, a in enumerate(starts) for b in ends[i:]
             if (a, b) != (0, len(title))]
    shown = [span for span in spans if span in text]
    return max(shown, key=len) if shown else None


def clean_authors(raw: list[str], site_name: str | None) -> list[str]:
    """People only, de-duplicated, 'By X and Y' split, desks/wires/the site dropped."""
    out: list[str] = []
    seen: set[str] = set()
    site = (site_name or "").lower()
    for value in raw:
        if not value:
            continue
        value = clean(value)
        if value.startswith(("http://", "https://")):
            continue
        value = BY_PREFIX_RE.sub("", value)
        value = re.split(r"\s+[|–—]\s+|\s+-\s+|\bupdated\b|\bpublished\b|\bposted\b", value,
                         flags=re.I)[0]
        for name in AUTHOR_SPLIT_RE.split(value):
            name = clean(name).strip(" .,:;|")
            name = BY_PREFIX_RE.sub("", name)
            if not name or "@" in name or re.search(r"\d|https?:|www\.", name):
                continue
            words = name.split()
            if len(words) > MAX_AUTHOR_WORDS or NON_PERSON_RE.match(name):
                continue
            if site and (name.lower() == site or name.lower() in site):
                continue
            if name.isupper() and len(name) > 3:  # "JANE DOE" bylines
                name = name.title()
            key = name.lower()
            if key not in seen:
                seen.add(key)
                out.append(name)
    return out


def pick_authors(article_ld: dict | None, meta: dict, itemprop_authors: list[str],
                 bylines: list[str], site_name: str | None) -> list[str]:
    sources: list[list[str]] = []
    if article_ld:
        sources.append(ld_names(article_ld.get("author")) or
                       ld_names(article_ld.get("creator")))
    sources.append([v for k in ("author", "article:author", "parsely-author", "sailthru.author",
                                "dc.creator", "byl") for v in meta.get(k, [])])
    sources.append(itemprop_authors)
    sources.append(bylines)
    for names in sources:
        people = clean_authors(names, site_name)
        if people:
            return people
    return []


def ld_image(value) -> tuple[str | None, str | None, str | None]:
    """(url, caption, credit) from a JSON-LD image value."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str):
        return value, None, None
    if isinstance(value, dict):
        credit = ld_text(value.get("creditText")) or ld_text(value.get("copyrightHolder")) \
            or ld_text(value.get("author"))
        return ld_text(value.get("url") or value.get("contentUrl")), \
            ld_text(value.get("caption")), credit
    return None, None, None


def split_caption(figcaption: Tag) -> tuple[str | None, str | None]:
    """(caption, credit) from a <figcaption>: a credit-classed child, or '(Photo: X)'."""
    credit = None
    text = node_text(figcaption)
    for el in figcaption.find_all(True, limit=50):
        if CREDIT_HINT_RE.search(attr_text(el.attrs)):
            credit = node_text(el)
            if credit:
                text = clean(text.replace(credit, ""))
                break
    if not credit:
        m = CREDIT_TEXT_RE.search(text)
        if m:
            credit = clean(re.sub(r"^(?:photo|image|picture|credit|foto|illustration)s?\s*"
                                  r"(?:by|:)\s*", "", m.group(1), flags=re.I))
            text = clean(text[: m.start()]).rstrip("(")
    return text or None, credit or None


def split_keywords(values: list) -> list[str]:
    out, seen = [], set()
    for v in values:
        parts = v if isinstance(v, list) else re.split(r"\s*[,;]\s*", str(v))
        for p in parts:
            if not isinstance(p, str):
                continue
            p = clean(p)
            if p and len(p) < 100 and p.lower() not in seen:
                seen.add(p.lower())
                out.append(p)
    return out


def absolute(url: str | None, base: str) -> str | None:
    if not url:
        return None
    url = url.strip()
    if url.startswith(("data:", "javascript:")):
        return None
    try:
        return urljoin(base, url)
    except ValueError:
        return None


def norm_lang(value: str | None) -> str | None:
    if not value:
        return None
    m = re.match(r"\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*$", value)
    return m.group(1).lower() if m else None


def dates_from(article_ld: dict | None, meta: dict, itemprop_dates: dict[str, list[str]],
               times: list[Tag]) -> tuple[str | None, str | None]:
    """(published, modified) from structured sources, most trusted first."""
    published = modified = None
    if article_ld:
        published = to_iso(ld_text(article_ld.get("datePublished"))) or \
            to_iso(ld_text(article_ld.get("dateCreated")))
        modified = to_iso(ld_text(article_ld.get("dateModified")))
    for key in ("article:published_time", "og:published_time", "article:published",
                "datepublished", "pubdate", "publishdate", "publish-date", "publish_date",
                "date", "dc.date", "dc.date.issued", "dcterms.created", "dcterms.issued",
                "sailthru.date", "parsely-pub-date", "article.published", "og:pubdate",
                "original-publish-date", "displaydate", "citation_publication_date"):
        if published:
            break
        for v in meta.get(key, []):
            published = to_iso(v)
            if published:
                break
    for key in ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified",
                "last-modified", "article.updated", "lastmod", "revised"):
        if modified:
            break
        for v in meta.get(key, []):
            modified = to_iso(v)
            if modified:
                break
    published = published or next(
        (d for d in map(to_iso, itemprop_dates.get("datepublished", [])) if d), None)
    modified = modified or next(
        (d for d in map(to_iso, itemprop_dates.get("datemodified", [])) if d), None)
    if not published and times:
        # <time pubdate> or a "published"-classed <time> first, else the first <time>.
        ranked = sorted(times, key=lambda t: not (
            t.has_attr("pubdate") or "publish" in str(t.get("class") or "").lower()))
        for t in ranked:
            published = to_iso(t.get("datetime")) or to_iso(node_text(t))
            if published:
                break
    return published, modified
