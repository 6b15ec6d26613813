"""Scenario 8: what the crawler refuses, and scraped text that must stay plain data."""

import socket

import duckdb
import pytest

from extractors.config import ConfigError, Source, parse_sources
from extractors.fetch import HttpClient
from tests.faults import editorial
from tests.faults.sites import Site, static

pytestmark = pytest.mark.faults


@pytest.fixture
def site():
    with Site() as running:
        running.routes["/page.html"] = static("<html><body>secret admin page</body></html>")
        yield running


def client(allow_private: bool, **kwargs) -> HttpClient:
    source = Source(name="t", urls=("http://example.com/",), crawl_delay=0, max_retries=0,
                    timeout_connect=1, timeout_read=1, allow_private_network=allow_private,
                    obey_robots=False)
    return HttpClient(source, **kwargs)


def private_urls(port: int) -> list[str]:
    """Loopback, private, link-local and unspecified hosts, in every common disguise."""
    return [f"http://127.0.0.1:{port}/page.html", f"http://localhost:{port}/page.html",
            f"http://2130706433:{port}/page.html", f"http://0x7f000001:{port}/page.html",
            f"http://127.1:{port}/page.html", f"http://0.0.0.0:{port}/page.html",
            f"http://[::1]:{port}/page.html", f"http://[::ffff:127.0.0.1]:{port}/page.html",
            "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://192.168.1.1/",
            "http://[fe80::1]/", "http://100.64.0.1/"]


def test_private_addresses_are_refused_without_a_connection(site, measured):
    port = site.server.server_address[1]
    with client(allow_private=False) as http:
        outcomes = {url: http.get(url).record for url in private_urls(port)}
    refused = {u: (r.status, r.error_class) for u, r in outcomes.items()}
    assert set(refused.values()) == {("skipped", "private_address")}, refused
    assert sum(site.hits.values()) == 0
    measured(private_urls_refused=len(refused), requests_reaching_server=0)


def test_private_addresses_are_fetched_when_the_source_allows_them(site):
    with client(allow_private=True) as http:
        record = http.get(site.url("/page.html")).record
    assert record.status == "ok" and site.hits["/page.html"] == 1


def test_dns_rebinding_is_caught_at_connect_time(site):
    """The name checks out as public, but the connection lands on loopback."""
    def public_resolver(host, port, *args):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]

    port = site.server.server_address[1]
    with client(allow_private=False, resolver=public_resolver) as http:
        record = http.get(f"http://localhost:{port}/page.html").record
    assert (record.status, record.error_class) == ("skipped", "private_address")
    assert sum(site.hits.values()) == 0


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://x/",
                                 "data:text/html,<h1>x</h1>", "javascript:alert(1)",
                                 "jar:file:///x!/y", "//127.0.0.1/x"])
def test_other_schemes_are_refused(url):
    with client(allow_private=True) as http:
        record = http.get(url).record
    assert record.status == "skipped"
    assert record.error_class in ("unsupported_scheme", "invalid_url")


def test_a_redirect_to_file_is_refused(site):
    site.routes["/jump"] = static("", status=302, Location="file:///etc/passwd")
    with client(allow_private=True) as http:
        record = http.get(site.url("/jump")).record
    assert (record.status, record.error_class) == ("skipped", "unsupported_scheme")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/feed.xml"])
def test_sources_file_refuses_other_schemes(url):
    with pytest.raises(ConfigError):
        parse_sources(f"sources:\n  - name: x\n    feeds: ['{url}']\n")


def test_hostile_strings_reach_the_marts_intact(editorial_runs):
    """Quotes, semicolons, comment markers and markup in a URL, title, author and body go
    through parse, load, dbt and publish as data: byte for byte, and nothing dropped."""
    with duckdb.connect(str(editorial_runs.warehouse), read_only=True) as con:
        row = con.execute("select title, authors, body_text from marts.articles where url = ?",
                          [editorial_runs.urls["hostile"]]).fetchone()
        articles = con.execute("select count(*) from marts.articles").fetchone()[0]
    assert row is not None, "the article with the hostile URL is missing"
    title, authors, body = row
    assert title == editorial.HOSTILE_TITLE
    assert editorial.HOSTILE_PARAGRAPH in body
    assert authors == [editorial.HOSTILE_AUTHOR]
    assert articles == 3  # the DROP/DELETE in the text did nothing
    assert "'" in editorial_runs.urls["hostile"] and ";" in editorial_runs.urls["hostile"]


def test_reports_never_carry_page_markup_unescaped(editorial_runs):
    """The GX Data Docs are the HTML reports: scraped <script> must not appear raw."""
    docs = editorial_runs.warehouse.parent / "validation"
    pages = list(docs.rglob("*.html"))
    assert pages
    assert not [p for p in pages if "<script>alert(1)" in p.read_text(errors="replace")]
