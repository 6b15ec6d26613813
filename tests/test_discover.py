"""discover_source (feeds, sitemaps, robots Sitemap: lines) and plan_fetches."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest
from dateutil import parser as dateutil_parser

from extractors.config import Source
from extractors.discover import (
    MAX_SITEMAP_DEPTH,
    PreviousDocument,
    discover_source,
    plan_fetches,
)
from extractors.fetch import HttpClient
from extractors.records import DiscoveredUrl, KnownPage
from extractors.sitemaps import Entry, parse_iso
from tests import http_site
from tests.http_site import base_url, local_source, paths

XML = "application/xml"

local_server, srv = http_site.local_server, http_site.srv


def discover(source: Source, previous: dict[str, PreviousDocument] | None = None):
    with HttpClient(source, backoff_base=0.01, backoff_max=0.05) as client:
        return discover_source(source, "run-1", client, previous)


def by_url(found: list[DiscoveredUrl]) -> dict[str, DiscoveredUrl]:
    assert len({d.url for d in found}) == len(found), "URLs must be unique"
    return {d.url: d for d in found}


def urlset(*locs: str, extra: str = "") -> str:
    body = "".join(f"<url><loc>{loc}</loc>{extra}</url>" for loc in locs)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>'


def sitemapindex(*locs: str) -> str:
    body = "".join(
        f"<sitemap><loc>{loc}</loc><lastmod>2026-05-0{i + 1}</lastmod></sitemap>"
        for i, loc in enumerate(locs)
    )
    return f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>'


# --- feeds ----------------------------------------------------------------------------


def rss(base: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>A</title><link>{base}/</link>
<item><title>Story One</title>
<link>{base}/2026/05/01/one.html?utm_source=rss&amp;utm_medium=feed</link>
<pubDate>Fri, 01 May 2026 10:00:00 GMT</pubDate></item>
<item><title>Not web</title><link>mailto:desk@example.com</link></item>
</channel></rss>"""


def atom(base: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>B</title><id>urn:b</id>
<updated>2026-05-02T09:00:00Z</updated>
<entry><title>Story One, again</title><id>urn:1</id>
<link href="{base}/2026/05/01/one.html#comments"/><updated>2026-05-02T09:00:00Z</updated></entry>
<entry><title>Two</title><id>urn:2</id><link href="/2026/05/02/two.html"/>
<published>2026-05-02T07:00:00+02:00</published><updated>2026-05-02T08:00:00Z</updated></entry>
</feed>"""


def test_feeds_are_merged_into_one_record_per_url(srv):
    base = base_url(srv)
    srv.expect_request("/rss.xml").respond_with_data(rss(base), content_type="application/rss+xml")
    srv.expect_request("/atom.xml").respond_with_data(
        atom(base), content_type="application/atom+xml"
    )
    source = local_source(feeds=(f"{base}/rss.xml", f"{base}/atom.xml"))
    found, records = discover(source)
    urls = by_url(found)
    assert set(urls) == {f"{base}/2026/05/01/one.html", f"{base}/2026/05/02/two.html"}
    one = urls[f"{base}/2026/05/01/one.html"]
    assert one.title == "Story One" and one.discovered_via == f"{base}/rss.xml"
    assert one.published_at == "2026-05-01T10:00:00+00:00"  # from the RSS item
    assert one.lastmod == "2026-05-02T09:00:00+00:00"  # from the Atom entry
    two = urls[f"{base}/2026/05/02/two.html"]  # relative link resolved against the feed
    assert two.published_at == "2026-05-02T05:00:00+00:00" and two.source == "test"
    assert [(r.url, r.status, r.is_feed) for r in records] == [
        (f"{base}/rss.xml", "ok", True),
        (f"{base}/atom.xml", "ok", True),
    ]
    assert paths(srv) == ["/rss.xml", "/atom.xml"]  # feedparser did no fetching of its own


def test_bad_and_dead_feeds_are_recorded_and_the_rest_continues(srv):
    base = base_url(srv)
    srv.expect_request("/html-not-feed").respond_with_data(
        "<html><body>Nope</body></html>", content_type="text/xml"
    )
    srv.expect_request("/garbage").respond_with_data(b"\x00\x01\xff<<<", content_type=XML)
    srv.expect_request("/dead").respond_with_data("", status=404)
    srv.expect_request("/rss.xml").respond_with_data(rss(base), content_type="application/rss+xml")
    feeds = ("/html-not-feed", "/garbage", "/dead", "/rss.xml")
    found, records = discover(local_source(feeds=tuple(base + f for f in feeds)))
    assert [d.url for d in found] == [f"{base}/2026/05/01/one.html"]
    assert [(r.status, r.error_class) for r in records] == [
        ("failed", "malformed_feed"),
        ("failed", "malformed_feed"),
        ("failed", "http_404"),
        ("ok", None),
    ]


def test_configured_urls_are_normalised_and_only_http(srv):
    source = local_source(
        urls=(
            "https://Example.com/a/?utm_source=x",
            "https://example.com/a",
            "https://example.com/b",
        )
    )
    found, records = discover(source)
    assert [(d.url, d.discovered_via) for d in found] == [
        ("https://example.com/a", "urls"),
        ("https://example.com/b", "urls"),
    ]
    assert records == []


# --- sitemaps -------------------------------------------------------------------------


def test_sitemap_index_recursion_with_gzip_child(srv):
    base = base_url(srv)
    srv.expect_request("/index.xml").respond_with_data(
        sitemapindex(f"{base}/pages.xml", f"{base}/sub-index.xml"), content_type=XML
    )
    srv.expect_request("/pages.xml").respond_with_data(
        urlset(f"{base}/p1", extra="<lastmod>2026-04-30T12:00:00+01:00</lastmod>"), content_type=XML
    )
    srv.expect_request("/sub-index.xml").respond_with_data(
        sitemapindex(f"{base}/archive.xml.gz"), content_type=XML
    )
    srv.expect_request("/archive.xml.gz").respond_with_data(
        gzip.compress(urlset(f"{base}/p2", f"{base}/p3?utm_campaign=x").encode()),
        content_type="application/x-gzip",
    )
    found, records = discover(local_source(sitemaps=(f"{base}/index.xml",)))
    urls = by_url(found)
    assert set(urls) == {f"{base}/p1", f"{base}/p2", f"{base}/p3"}
    assert urls[f"{base}/p1"].lastmod == "2026-04-30T11:00:00+00:00"
    assert urls[f"{base}/p2"].discovered_via == f"{base}/archive.xml.gz"
    assert all(r.status == "ok" and r.is_feed for r in records) and len(records) == 4
    # Newest child sitemap first: sub-index.xml has the later <lastmod>.
    assert paths(srv) == ["/index.xml", "/sub-index.xml", "/pages.xml", "/archive.xml.gz"]


def test_a_document_that_listed_articles_is_asked_conditionally_and_304_keeps_them(srv):
    base = base_url(srv)
    # 304 only for the validator the last run saw; a changed sitemap answers 200
    srv.expect_request("/feed.xml", headers={"If-None-Match": '"f1"'}).respond_with_data(
        "", status=304, headers={"ETag": '"f1"'})
    srv.expect_request("/index.xml").respond_with_data(
        sitemapindex(f"{base}/pages.xml"), content_type=XML)
    srv.expect_request("/pages.xml").respond_with_data(urlset(f"{base}/new"), content_type=XML)
    previous = {
        f"{base}/feed.xml": PreviousDocument('"f1"', None, [
            Entry(f"{base}/kept", "2026-05-01T10:00:00+00:00", "Kept", None)]),
        f"{base}/pages.xml": PreviousDocument(None, "Fri, 01 May 2026 10:00:00 GMT", [
            Entry(f"{base}/gone")]),
    }
    found, records = discover(
        local_source(feeds=(f"{base}/feed.xml",), sitemaps=(f"{base}/index.xml",)), previous)

    urls = by_url(found)
    assert set(urls) == {f"{base}/kept", f"{base}/new"}
    assert urls[f"{base}/kept"].discovered_via == f"{base}/feed.xml"
    assert urls[f"{base}/kept"].title == "Kept"
    assert [(r.url.removeprefix(base), r.status) for r in records] == [
        ("/feed.xml", "not_modified"), ("/index.xml", "ok"), ("/pages.xml", "ok")]
    sent = {request.path: request.headers for request, _ in srv.log}
    assert "If-Modified-Since" in sent["/pages.xml"]  # asked, and it had changed
    # an index lists no articles: its children may change under an unchanged index
    assert "If-None-Match" not in sent["/index.xml"]
    assert "If-Modified-Since" not in sent["/index.xml"]


def test_sitemap_depth_is_bounded(srv):
    base = base_url(srv)
    for level in range(1, MAX_SITEMAP_DEPTH + 1):
        srv.expect_request(f"/level{level}.xml").respond_with_data(
            sitemapindex(f"{base}/level{level + 1}.xml"), content_type=XML
        )
    srv.expect_request(f"/level{MAX_SITEMAP_DEPTH + 1}.xml").respond_with_data(
        urlset(f"{base}/too-deep"), content_type=XML
    )
    found, records = discover(local_source(sitemaps=(f"{base}/level1.xml",)))
    assert found == []
    assert paths(srv) == [f"/level{n}.xml" for n in range(1, MAX_SITEMAP_DEPTH + 1)]
    last = records[-1]
    assert (last.url, last.status, last.error_class) == (
        f"{base}/level{MAX_SITEMAP_DEPTH + 1}.xml",
        "skipped",
        "too_deep",
    )


def test_news_sitemap_gives_title_and_publication_date(srv):
    base = base_url(srv)
    news = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>{base}/2026/05/03/sanctions.html</loc>
    <news:news>
      <news:publication><news:name>Capital Wire</news:name><news:language>en</news:language>
      </news:publication>
      <news:publication_date>2026-05-03T08:30:00+02:00</news:publication_date>
      <news:title>New sanctions announced</news:title>
    </news:news>
  </url>
</urlset>"""
    srv.expect_request("/news-sitemap.xml").respond_with_data(news, content_type="text/xml")
    found, _ = discover(local_source(sitemaps=(f"{base}/news-sitemap.xml",)))
    assert found == [
        DiscoveredUrl(
            source="test",
            url=f"{base}/2026/05/03/sanctions.html",
            discovered_via=f"{base}/news-sitemap.xml",
            title="New sanctions announced",
            published_at="2026-05-03T06:30:00+00:00",
        )
    ]


def test_plain_url_list_document(srv):
    base = base_url(srv)
    listing = f"{base}/list-1?utm_source=txt\n\n  {base}/list-2  \n{base}/list-1\n"
    srv.expect_request("/urls.txt").respond_with_data(listing, content_type="text/plain")
    found, records = discover(local_source(sitemaps=(f"{base}/urls.txt",)))
    assert [(d.url, d.discovered_via) for d in found] == [
        (f"{base}/list-1", f"{base}/urls.txt"),
        (f"{base}/list-2", f"{base}/urls.txt"),
    ]
    assert [(r.status, r.is_feed) for r in records] == [("ok", True)]


def test_malformed_sitemap_is_recorded_and_others_continue(srv):
    base = base_url(srv)
    srv.expect_request("/broken.xml").respond_with_data(
        '<?xml version="1.0"?><urlset><url><loc>http://x/</loc></url', content_type=XML
    )
    srv.expect_request("/wrong-root.xml").respond_with_data(
        "<html><p>hi</p></html>", content_type=XML
    )
    srv.expect_request("/good.xml").respond_with_data(urlset(f"{base}/ok"), content_type=XML)
    sitemaps = tuple(f"{base}/{n}" for n in ("broken.xml", "wrong-root.xml", "good.xml"))
    found, records = discover(local_source(sitemaps=sitemaps))
    assert [d.url for d in found] == [f"{base}/ok"]
    assert [(r.status, r.error_class) for r in records] == [
        ("failed", "malformed_sitemap"),
        ("failed", "malformed_sitemap"),
        ("ok", None),
    ]


def test_sitemap_entities_are_not_expanded(srv):
    base = base_url(srv)
    evil = f"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{base}/x&xxe;</loc></url><url><loc>{base}/y&b;</loc></url></urlset>"""
    srv.expect_request("/evil.xml").respond_with_data(evil, content_type=XML)
    found, _ = discover(local_source(sitemaps=(f"{base}/evil.xml",)))
    assert all("root" not in d.url and "aaaa" not in d.url for d in found)


def test_gzip_bomb_sitemap_is_refused(srv):
    base = base_url(srv)
    bomb = gzip.compress(b"<" * 20_000_000, compresslevel=9)
    srv.expect_request("/bomb.xml.gz").respond_with_data(bomb, content_type="application/gzip")
    found, records = discover(local_source(sitemaps=(f"{base}/bomb.xml.gz",), max_bytes=1_000_000))
    assert found == [] and records[-1].error_class == "too_large"


def test_robots_sitemap_lines_are_ignored_by_default(srv):
    base = base_url(srv)
    srv.expect_request("/robots.txt").respond_with_data(f"Sitemap: {base}/from-robots.xml\n")
    srv.expect_request("/rss.xml").respond_with_data(rss(base), content_type="application/rss+xml")
    found, _ = discover(local_source(feeds=(f"{base}/rss.xml",), obey_robots=True))
    assert [d.url for d in found] == [f"{base}/2026/05/01/one.html"]
    assert "/from-robots.xml" not in paths(srv)


def test_robots_sitemap_lines_used_when_switched_on(srv):
    base = base_url(srv)
    srv.expect_request("/robots.txt").respond_with_data(
        f"User-agent: *\nAllow: /\nSitemap: {base}/from-robots.xml\n", content_type="text/plain"
    )
    srv.expect_request("/rss.xml").respond_with_data(rss(base), content_type="application/rss+xml")
    srv.expect_request("/from-robots.xml").respond_with_data(urlset(f"{base}/r1"), content_type=XML)
    found, records = discover(local_source(feeds=(f"{base}/rss.xml",), obey_robots=True,
                                           robots_sitemaps=True))
    assert {d.url for d in found} == {f"{base}/2026/05/01/one.html", f"{base}/r1"}
    assert [r.url.removeprefix(base) for r in records] == [
        "/robots.txt",
        "/rss.xml",
        "/from-robots.xml",
    ]
    assert paths(srv).count("/robots.txt") == 1


def test_robots_disallowed_feed_is_skipped(srv):
    base = base_url(srv)
    srv.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /feeds/\n")
    source = local_source(
        feeds=(f"{base}/feeds/rss.xml",), sitemaps=(f"{base}/s.xml",), obey_robots=True
    )
    srv.expect_request("/s.xml").respond_with_data(urlset(f"{base}/s1"), content_type=XML)
    found, records = discover(source)
    assert [d.url for d in found] == [f"{base}/s1"]
    assert ("skipped", "robots_disallowed") in [(r.status, r.error_class) for r in records]


# --- plan_fetches ---------------------------------------------------------------------

NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)


def d(url, lastmod=None, published_at=None) -> DiscoveredUrl:
    return DiscoveredUrl("test", url, "urls", lastmod=lastmod, published_at=published_at)


def test_plan_fetches_incremental_rules():
    discovered = [
        d("https://ex.com/new", published_at="2026-05-09T00:00:00+00:00"),
        d("https://ex.com/unchanged", lastmod="2026-05-01T00:00:00+00:00"),
        d("https://ex.com/updated", lastmod="2026-05-08T00:00:00+00:00"),
        d("https://ex.com/no-lastmod"),
        d("https://ex.com/newer-than-fetch", lastmod="2026-05-07T00:00:00Z"),
    ]
    known = {
        "https://ex.com/unchanged": KnownPage(
            "https://ex.com/unchanged",
            "2026-05-02T00:00:00+00:00",
            lastmod="2026-05-01T00:00:00+00:00",
        ),
        "https://ex.com/updated": KnownPage(
            "https://ex.com/updated",
            "2026-05-02T00:00:00+00:00",
            etag='"e1"',
            last_modified="Fri, 01 May 2026 00:00:00 GMT",
            lastmod="2026-05-01T00:00:00+00:00",
        ),
        "https://ex.com/no-lastmod": KnownPage(
            "https://ex.com/no-lastmod", "2026-05-02T00:00:00+00:00"
        ),
        "https://ex.com/newer-than-fetch": KnownPage(
            "https://ex.com/newer-than-fetch", "2026-05-05T00:00:00+00:00", etag='"e2"'
        ),
    }
    requests, unchanged = plan_fetches(local_source(), discovered, known, NOW)
    assert [r.url for r in requests] == [
        "https://ex.com/new",
        "https://ex.com/updated",
        "https://ex.com/newer-than-fetch",
    ]
    assert (requests[0].etag, requests[0].last_modified) == (None, None)
    assert (requests[1].etag, requests[1].last_modified) == (
        '"e1"',
        "Fri, 01 May 2026 00:00:00 GMT",
    )
    assert requests[2].etag == '"e2"'
    assert [u.url for u in unchanged] == ["https://ex.com/unchanged", "https://ex.com/no-lastmod"]


def test_plan_fetches_refresh_after_hours():
    discovered = [d("https://ex.com/old"), d("https://ex.com/recent")]
    known = {
        "https://ex.com/old": KnownPage("https://ex.com/old", "2026-05-09T00:00:00Z", etag='"o"'),
        "https://ex.com/recent": KnownPage("https://ex.com/recent", "2026-05-10T06:00:00Z"),
    }
    requests, unchanged = plan_fetches(local_source(refresh_after_hours=24), discovered, known, NOW)
    assert [(r.url, r.etag) for r in requests] == [("https://ex.com/old", '"o"')]
    assert [u.url for u in unchanged] == ["https://ex.com/recent"]


def test_plan_fetches_newest_first_and_capped():
    discovered = [
        d("https://ex.com/undated"),
        d("https://ex.com/d1", published_at="2026-05-01T00:00:00Z"),
        d("https://ex.com/d3", lastmod="2026-05-03T00:00:00Z"),
        d("https://ex.com/d2", published_at="2026-05-02T00:00:00+00:00"),
    ]
    requests, unchanged = plan_fetches(local_source(max_articles=3), discovered, {}, NOW)
    assert [r.url for r in requests] == [
        "https://ex.com/d3",
        "https://ex.com/d2",
        "https://ex.com/d1",
    ]
    assert unchanged == [] and all(r.source == "test" for r in requests)


# The W3C datetime forms sitemaps and feeds carry, and looser ones. parse_iso reads the
# common ones with the standard library (fast) and the rest with dateutil; either way it
# must give what dateutil alone gives, in UTC.
@pytest.mark.parametrize("text", [
    "2026-05-13T10:00:00+00:00", "2026-05-13T10:00:00Z", "2026-05-13T10:00Z", "2026-05-13",
    "2026-05-13T10:00:00.123+05:30", "2026-05-13T10:00:00-0400", "2026-05-13 10:00:00",
    "20260513T100000Z", "2026-05-13T10:00:00.123456789Z", "2026-W20-3", "2026-05", "2026",
    "2026-05-13T24:00:00Z", " 2026-05-13T10:00:00+01:00 ",
])
def test_parse_iso_reads_dates_as_dateutil_does(text):
    expected = dateutil_parser.isoparse(text.strip())
    expected = expected if expected.tzinfo else expected.replace(tzinfo=UTC)
    assert parse_iso(text) == expected.astimezone(UTC)


@pytest.mark.parametrize("text", ["Wed, 13 May 2026 10:00:00 GMT", "13 May 2026 10:00 +0000"])
def test_parse_iso_falls_back_to_loose_dates(text):
    assert parse_iso(text) == datetime(2026, 5, 13, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["", "garbage", "2026-13-45", None])
def test_parse_iso_gives_none_for_what_is_no_date(text):
    assert parse_iso(text) is None
