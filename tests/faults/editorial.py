"""A small newsroom site whose stories get corrected between two runs (scenario 6), and
whose third story carries hostile strings in its URL, title and body (scenario 8).

  lastmod story   sitemap <lastmod> moves when it is edited (source "edit-lastmod")
  etag story      edited silently: only its ETag changes; its source re-checks known
                  pages every run (refresh_after_hours: 0) with a conditional GET
  hostile story   never edited: the conditional GET must come back 304
"""

from __future__ import annotations

from tests.faults.sites import Site, article_html, sitemap_xml, static, versioned

LASTMOD_PATH = "/e/2026/05/budget-talks.html"
ETAG_PATH = "/e/2026/05/port-strike.html"
HOSTILE_PATH = "/e/2026/05/o'brien;1=1--.html"
FIRST_MODIFIED = "2026-05-04T08:00:00+00:00"
EDITED_MODIFIED = "2026-05-04T16:30:00+00:00"
HTTP_DATE = "Mon, 04 May 2026 08:00:00 GMT"

OLD_QUOTE = '"We will not raise taxes this year," said Finance Minister Ana Reyes.'
NEW_QUOTE = '"We will not raise taxes next year," said Finance Minister Ana Reyes.'
NEW_PARAGRAPH = ("Update: the finance committee has scheduled a second hearing for "
                 "Thursday morning, officials confirmed.")
OLD_STRIKE_QUOTE = '"The strike ends tonight," said union leader Tomas Berg.'
NEW_STRIKE_QUOTE = '"The strike ends on Friday," said union leader Tomas Berg.'

HOSTILE_TITLE = ("O'Brien says \"no\"; DROP TABLE raw.articles; -- <script>alert(1)</script>"
                 " 100% {braces} $1 \\x00")
HOSTILE_AUTHOR = "Seán O'Neill"
HOSTILE_PARAGRAPH = "Robert'); DELETE FROM marts.articles WHERE ('1'='1 was not amused."


def budget_story(quote: str, extra: list[str]) -> str:
    return article_html("Budget talks stall over tax pledge",
                        ["Negotiations on the budget stalled on Monday.", quote, *extra],
                        "2026-05-04T07:00:00+00:00")


def strike_story(quote: str) -> str:
    return article_html("Port strike enters third day",
                        ["Dock workers stayed out for a third day.", quote],
                        "2026-05-04T06:00:00+00:00")


def hostile_story() -> str:
    return article_html(HOSTILE_TITLE, [HOSTILE_PARAGRAPH], "2026-05-04T05:00:00+00:00",
                        author=HOSTILE_AUTHOR)


def _sitemap(site: Site, path: str, lastmod: str | None):
    return static(sitemap_xml([(site.url(path), lastmod)]), "application/xml")


def publish_first_versions(site: Site) -> dict[str, str]:
    site.routes.update({
        "/robots.txt": static("User-agent: *\nAllow: /\n", "text/plain"),
        LASTMOD_PATH: versioned(budget_story(OLD_QUOTE, []), HTTP_DATE),
        ETAG_PATH: versioned(strike_story(OLD_STRIKE_QUOTE), HTTP_DATE),
        HOSTILE_PATH: versioned(hostile_story(), HTTP_DATE),
        "/e/lastmod-sitemap.xml": _sitemap(site, LASTMOD_PATH, FIRST_MODIFIED),
        "/e/etag-sitemap.xml": static(sitemap_xml([(site.url(ETAG_PATH), None),
                                                   (site.url(HOSTILE_PATH), None)]),
                                      "application/xml"),
    })
    return {"lastmod": site.url(LASTMOD_PATH), "etag": site.url(ETAG_PATH),
            "hostile": site.url(HOSTILE_PATH)}


def publish_corrections(site: Site) -> None:
    site.routes[LASTMOD_PATH] = versioned(budget_story(NEW_QUOTE, [NEW_PARAGRAPH]), HTTP_DATE)
    site.routes["/e/lastmod-sitemap.xml"] = _sitemap(site, LASTMOD_PATH, EDITED_MODIFIED)
    site.routes[ETAG_PATH] = versioned(strike_story(NEW_STRIKE_QUOTE), HTTP_DATE)


def sources(site: Site) -> list[dict]:
    return [{"name": "edit-lastmod", "sitemaps": [site.url("/e/lastmod-sitemap.xml")]},
            {"name": "edit-etag", "sitemaps": [site.url("/e/etag-sitemap.xml")],
             "refresh_after_hours": 0}]
