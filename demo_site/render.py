"""Render every page, feed, sitemap and robots.txt of the demo site for one base URL.

Everything is rendered once when the server starts (about forty small documents), so
each response has fixed bytes, a content-hash ETag and a Last-Modified that a
conditional GET can be checked against.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from demo_site.content import HERE, SITES, Article, load_articles

FEED_ITEMS = 10  # capital-wire's RSS lists the newest ten ...
SITEMAP_SKIPS_NEWEST = 2  # ... and its news sitemap all but the newest two: both overlap
TRACKED_EVERY = 2  # every other feed link carries ?utm_source=rss
URLS_ONLY_STORIES = 1  # old-gazette's oldest story is only reachable through sources `urls:`
SITE_EPOCH = datetime(2026, 5, 1, tzinfo=UTC)  # Last-Modified of the static pages
PRIVATE_PATH = "/capital-wire/private/2026/05/draft-sanctions-list.html"

HTML = "text/html; charset={charset}"
XML = "application/xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"

_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html", "xml"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _gmt(moment: datetime) -> str:
    """old-gazette's only date: "Posted: 12 May 2026 14:05 GMT"."""
    utc = moment.astimezone(UTC)
    return f"{utc.day} {utc:%B %Y %H:%M} GMT"


_env.filters.update(
    longdate=lambda d: f"{d:%B} {d.day}, {d:%Y %H:%M} (UTC{d:%z})",
    shortdate=lambda d: f"{d.day} {d:%b %Y}",
    gmt=_gmt,
    rfc822=lambda d: format_datetime(d),
)


@dataclass(frozen=True)
class Resource:
    body: bytes
    content_type: str
    last_modified: datetime

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'


def _html(template: str, charset: str, modified: datetime, **context) -> Resource:
    text = _env.get_template(template).render(charset=charset, **context)
    # xmlcharrefreplace: a character windows-1252 lacks becomes &#...; as old CMSes do.
    body = text.encode(charset, errors="xmlcharrefreplace")
    return Resource(body, HTML.format(charset=charset), modified)


def xml_resource(template: str, content_type: str, modified: datetime, **context) -> Resource:
    return Resource(_env.get_template(template).render(**context).encode(), content_type,
                    modified)


def _json_ld(article: Article, base_url: str) -> Markup:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.description,
        "datePublished": article.published.isoformat(),
        "dateModified": article.modified.isoformat(),
        "author": [{"@type": "Person", "name": name} for name in article.authors],
        "articleSection": article.section,
        "keywords": ", ".join(article.tags),
        "image": [f"{base_url}/{article.site}/img/{article.slug}.jpg"],
        "mainEntityOfPage": base_url + article.path,
        "publisher": {"@type": "Organization", "name": SITES[article.site].display_name,
                      "logo": {"@type": "ImageObject", "url": f"{base_url}/capital-wire/logo.png"}},
    }
    if article.json_ld_body:
        data["articleBody"] = "\n\n".join(article.paragraphs)
    # "</" inside a script would end it early; JSON allows the escaped form.
    return Markup(json.dumps(data, ensure_ascii=False, indent=2).replace("</", "<\\/"))


def _related(article: Article, site_articles: list[Article]) -> list[Article]:
    return [a for a in site_articles if a is not article][:4]


def article_page(article: Article, site_articles: list[Article], base_url: str) -> Resource:
    site = SITES[article.site]
    blocks = [(b.kind, Markup(b.html(base_url))) for b in article.blocks]
    return _html(
        f"{article.site}.html", site.charset, article.modified,
        a=article, site=site, base=base_url, blocks=blocks,
        related=_related(article, site_articles),
        json_ld=_json_ld(article, base_url) if article.site == "capital-wire" else None,
    )


def _feed_link(article: Article, base_url: str, index: int) -> str:
    url = base_url + article.path
    return url + "?utm_source=rss&utm_medium=feed" if index % TRACKED_EVERY == 0 else url


def _feeds(site_articles: dict[str, list[Article]], base_url: str) -> dict[str, Resource]:
    cw, ht, og = (site_articles[s] for s in SITES)
    newest = {s: max((a.modified for a in arts), default=SITE_EPOCH)
              for s, arts in site_articles.items()}
    rss_items = [(a, _feed_link(a, base_url, i)) for i, a in enumerate(cw[:FEED_ITEMS])]
    atom_items = [(a, _feed_link(a, base_url, i)) for i, a in enumerate(ht)]
    return {
        "/capital-wire/rss.xml": xml_resource(
            "rss.xml", RSS, newest["capital-wire"], base=base_url,
            site=SITES["capital-wire"], items=rss_items),
        "/capital-wire/news-sitemap.xml": xml_resource(
            "news-sitemap.xml", XML, newest["capital-wire"], base=base_url,
            site=SITES["capital-wire"], articles=cw[SITEMAP_SKIPS_NEWEST:],
            extra_paths=[PRIVATE_PATH]),
        "/harbour-times/atom.xml": xml_resource(
            "atom.xml", ATOM, newest["harbour-times"], base=base_url,
            site=SITES["harbour-times"], items=atom_items, updated=newest["harbour-times"]),
        "/old-gazette/news-sitemap.xml": xml_resource(
            "news-sitemap.xml", XML, newest["old-gazette"], base=base_url,
            site=SITES["old-gazette"], articles=og[:-URLS_ONLY_STORIES], extra_paths=[]),
    }


def urls_only_paths() -> list[str]:
    """Articles no feed or sitemap lists; sources.yml names them under `urls:`."""
    og = [a for a in load_articles() if a.site == "old-gazette"]
    return [a.path for a in og[-URLS_ONLY_STORIES:]]


def robots_txt(base_url: str) -> str:
    return (
        "User-agent: *\n"
        "Disallow: /capital-wire/private/\n"
        "Disallow: /harbour-times/search\n"
        "\n"
        f"Sitemap: {base_url}/capital-wire/news-sitemap.xml\n"
        f"Sitemap: {base_url}/old-gazette/news-sitemap.xml\n"
    )


def build_site(base_url: str) -> dict[str, Resource]:
    """Every servable path -> its Resource, absolute links pointing at base_url."""
    articles = load_articles()
    by_site = {s: [a for a in articles if a.site == s] for s in SITES}
    resources = {a.path: article_page(a, by_site[a.site], base_url) for a in articles}
    resources.update(_feeds(by_site, base_url))
    for name, site in SITES.items():
        home = _html("home.html", site.charset,
                     max((a.modified for a in by_site[name]), default=SITE_EPOCH),
                     site=site, base=base_url, articles=by_site[name])
        resources[f"/{name}/index.html"] = resources[f"/{name}/"] = home
    resources["/"] = _html("index.html", "utf-8", SITE_EPOCH, sites=SITES.values())
    resources[PRIVATE_PATH] = _html("private.html", "utf-8", SITE_EPOCH, base=base_url)
    resources["/robots.txt"] = Resource(robots_txt(base_url).encode(), TEXT, SITE_EPOCH)
    return resources


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)
