"""Article metadata from structured data first, then the page's own conventions.

Order of trust for each field: JSON-LD (NewsArticle & co., also inside @graph), then
OpenGraph / article:* / common <meta> names, then microdata (itemprop), then the visible
page (h1, byline, <time>). Everything works on the elements `parse_body.Tree` collected in
its single walk, so no extra pass over the document is needed.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from urllib.parse import urljoin

from bs4 import Tag

from extractors.parse_body import attr_text, one_line
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
MAX_TITLE_SEPARATORS = 6
TAGLINE_SEPARATOR_RE = re.compile(r"\s+[|–—]\s+")  # "LinkNaija | Nigeria's news platform"
# Bylines that are not people: desks, wires, the publication itself.
NON_PERSON_RE = re.compile(
    r"^(staff|staff writers?|staff reporter|editorial( staff| team| board)?|news desk|"
    r"newsroom|web desk|the associated press|associated press|ap|reuters|afp|agence france"
    r"[- ]presse|bloomberg|dpa|upi|pa|pa media|press association|cnn|bbc|bbc news|guest|"
    r"admin|administrator|editor|editors|contributor|anonymous|wire services?|"
    r"ap staff|the editors|news service|canadian press|"
    r".*\b(staff|desk|wires?|news service|services?|reports|reporters?|writers?|"
    r"correspondents?|editors?|columnists?|contributors?|agency|bureau)$)$",
    re.I,
)
BY_PREFIX_RE = re.compile(r"^\s*(?:written\s+|posted\s+|reported\s+)?by(?:[:\s]+|$)", re.I)
# What follows a name in a byline: " | Site", " - 5 min read", "Updated ...", " on Monday, ...".
BYLINE_DATE_RE = re.compile(
    r"\s+on\s+(?=\d|(?:mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|"
    r"nov|dec)[a-z]*\b)", re.I)
BYLINE_TAIL_RE = re.compile(
    r"\s+[|–—]\s+|\s+-\s+|\bupdated\b|\bpublished\b|\bposted\b|" + BYLINE_DATE_RE.pattern,
    re.I)
# Lists of names. "und", "et", "y", "e" only in lower case: "Sarah E. Needleman" is one name.
AUTHOR_SPLIT_RE = re.compile(r"\s*(?:,|;|&|\b(?i:and)\b|\b(?:und|et|y|e)\b(?!\.))\s*")
# "Needleman, Sarah": surname first, as library-style metadata writes it.
SURNAME_FIRST_RE = re.compile(r"^([A-Z][\w'’-]+),\s*([A-Z][a-z][\w'’.-]*)$")
AFFILIATION_RE = re.compile(r"\s+\([^()]*\)$")  # "Margaret Lowe (AFP)"
DOMAIN_RE = re.compile(r"\w\.[a-z]{2,}\b")  # "Cleveland.com": a site, never a person
MAX_AUTHOR_WORDS = 5
NAME_EDGES = " .,:;|-–—"  # punctuation around a name in a byline
MIN_NAME_WORDS = 2  # what must be left of a byline after a trailing affiliation is cut
MAX_ACRONYM = 4
CREDIT_HINT_RE = re.compile(r"credit|copyright|source|photographer|byline|attribution", re.I)
CREDIT_TEXT_RE = re.compile(
    r"(?:\(|\b)((?:photo|image|picture|credit|foto|illustration)s?\s*(?:by|:)\s*[^)]{2,80})\)?\s*$",
    re.I)
NOT_FOUND_RE = re.compile(r"\b(404|page not found|not found|no longer available|"
                          r"page (?:does not|doesn't) exist)\b", re.I)


def clean(text) -> str:
    """One-line text. Entities are decoded once more: JSON-LD is not HTML-decoded at all,
    and some sites escape <meta> content twice ('&#8216;Quoted&#8217; title')."""
    if text is None:
        return ""
    text = str(text)
    if "&" in text:
        text = html.unescape(text)
    return one_line(text)


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
        # "Headline - Section | Site", "Headline | Section | Site": drop a short section
        # label too (not after a colon: "Ferries: fares rise" is one headline)
        if len(seps) > 1 and site and seps[-2].group().strip() not in (":", "::"):
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


def site_from_title(title_tag: str | None, title: str | None) -> str | None:
    """'Headline - Town News' -> 'Town News' (either side), for pages that name their site
    nowhere else."""
    if not title_tag or not title:
        return None
    title_tag = clean(title_tag)
    seps = list(TITLE_SEPARATORS_RE.finditer(title_tag))
    if title_tag.startswith(title) and seps and seps[-1].start() >= len(title):
        rest = title_tag[seps[-1].end():]
    elif title_tag.endswith(title) and seps and seps[0].end() <= len(title_tag) - len(title):
        rest = title_tag[: seps[0].start()]
    else:
        return None
    return rest if len(rest.split()) <= MAX_SUFFIX_WORDS else None


def title_shown_on_page(title_tag: str, page_text: Callable[[], str]) -> str | None:
    """'The Old Gazette :: Headline' -> 'Headline': of the runs of separator-split parts,
    the longest that the page also shows as text (its headline), whatever side it is on."""
    title = clean(title_tag)
    # Real titles have a few parts; the runs grow with the square of their number.
    seps = list(TITLE_SEPARATORS_RE.finditer(title))[:MAX_TITLE_SEPARATORS]
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
    site = squash(site_name)
    for value in raw:
        if not value:
            continue
        value = clean(value)
        if value.startswith(("http://", "https://")):
            continue
        value = BY_PREFIX_RE.sub("", value)
        value = before_sentence_break(BYLINE_TAIL_RE.split(value)[0])
        first = value.split(",", 1)[0].strip(NAME_EDGES)
        if "," in value and (NON_PERSON_RE.match(first) or is_acronym(first)):
            continue  # "PTI, Washington, Nov 20": a wire and its dateline, no person
        for part in split_names(value):
            name = person_name(part, site)
            if name and name.lower() not in seen:
                seen.add(name.lower())
                out.append(name)
    return out


def byline_date(byline: str) -> str | None:
    """'By Jo Ng on Monday, May 11, 2026 at 9:05 a.m.' -> 'Monday, May 11, 2026 at 9:05 a.m.'"""
    m = BYLINE_DATE_RE.search(byline)
    return byline[m.end():] if m else None


def squash(text: str | None) -> str:
    """Letters and digits only, lowercased: 'Florida Today' and 'floridatoday' compare equal."""
    return "".join(ch for ch in (text or "").lower() if ch.isalnum())


def before_sentence_break(value: str) -> str:
    """'Finian Cunningham. Sputnik International' -> 'Finian Cunningham'; an initial or a
    title before the full stop ('Troy L. Smith', 'Dr. Jo Ng') is not a break."""
    for m in re.finditer(r"\.\s+", value):
        head = value[: m.start()].split()
        if len(head) >= MIN_NAME_WORDS and len(head[-1]) > 2:
            return value[: m.start()]
    return value


def split_names(value: str) -> list[str]:
    m = SURNAME_FIRST_RE.match(value)
    if m and not any(NON_PERSON_RE.match(part) for part in m.groups()):
        return [f"{m.group(2)} {m.group(1)}"]
    return AUTHOR_SPLIT_RE.split(value)


def person_name(name: str, site: str) -> str | None:
    """The name if it reads as a person's, without a trailing affiliation; else None."""
    name = BY_PREFIX_RE.sub("", clean(name).strip(NAME_EDGES))
    name = AFFILIATION_RE.sub("", name)
    if NON_PERSON_RE.match(name) or is_acronym(name):
        return None
    words = name.split()
    # "Jill Lawless Associated Press", "Elliot Brownstein Florida Today": the shortest
    # trailing run of words that is a wire, desk or the site itself goes.
    for cut in range(len(words) - 1, MIN_NAME_WORDS - 1, -1):
        tail = " ".join(words[cut:])
        if NON_PERSON_RE.match(tail) or (site and squash(tail) == site):
            words = words[:cut]
            break
    name = " ".join(words)
    if (not name or "@" in name or re.search(r"\d|https?:|www\.|\(", name)
            or DOMAIN_RE.search(name) or len(words) > MAX_AUTHOR_WORDS):
        return None
    if site and (squash(name) in site or names_site(words, site)):
        return None
    if name.isupper() and len(name) > 3:  # "JANE DOE" bylines
        name = name.title()
    return name


def is_acronym(part: str) -> bool:
    """'PTI', 'MS', 'RDN': an agency or a credential, not a name."""
    return part.isupper() and len(part) <= MAX_ACRONYM and " " not in part


def names_site(words: list[str], site: str) -> bool:
    """True when a run of the words is the site's name ('CNN Business' on CNN)."""
    return any(squash(" ".join(words[i:j])) == site
               for i in range(len(words)) for j in range(i + 1, len(words) + 1))


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
