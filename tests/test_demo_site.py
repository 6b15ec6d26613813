"""The bundled demo site: real HTTP on 127.0.0.1, its feeds, sources file and gold."""

import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections import Counter

import feedparser
import pytest
from bs4 import BeautifulSoup

from demo_site.content import load_registry
from demo_site.gold import GOLD_JSON, SANCTION_ACTIONS, find_mentions, gold_json, load_gold
from demo_site.render import urls_only_paths
from demo_site.serve import demo_server
from extractors.config import load_sources
from tests.conftest import ROOT

MIN_ARTICLES, MIN_SITES = 30, 3
FEEDS = ("/capital-wire/rss.xml", "/harbour-times/atom.xml")
SITEMAPS = ("/capital-wire/news-sitemap.xml", "/old-gazette/news-sitemap.xml")
DISALLOWED_PREFIX = "/capital-wire/private/"


@pytest.fixture(scope="module")
def base_url():
    with demo_server() as url:
        yield url


@pytest.fixture(scope="module")
def gold():
    return load_gold()


def get(url: str, headers: dict | None = None):
    """(status, headers, body); HTTP errors and 304 are answers, not exceptions."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def page_text(headers, body: bytes) -> str:
    charset = headers.get_content_charset() or "utf-8"
    return " ".join(BeautifulSoup(body.decode(charset), "lxml").get_text().split())


def norm(text: str) -> str:
    return " ".join(text.split())


def sitemap_locs(body: bytes) -> list[str]:
    return [loc.get_text() for loc in BeautifulSoup(body, "xml").find_all("loc")]


def path_of(url: str, base_url: str) -> str:
    return url.removeprefix(base_url).split("?")[0]


def test_article_has_validators_and_answers_conditional_gets(base_url, gold):
    url = base_url + gold[0]["path"]
    status, headers, body = get(url)
    assert status == 200 and body
    assert headers["Content-Type"].startswith("text/html; charset=")
    etag, last_modified = headers["ETag"], headers["Last-Modified"]
    assert etag and last_modified
    assert get(url, {"If-None-Match": etag})[0] == 304
    assert get(url, {"If-Modified-Since": last_modified})[0] == 304
    assert get(url, {"If-None-Match": '"stale"'})[0] == 200
    assert get(url, {"If-Modified-Since": "Thu, 01 Jan 2026 00:00:00 GMT"})[0] == 200


def test_unknown_path_is_404_and_query_strings_are_ignored(base_url, gold):
    assert get(base_url + "/capital-wire/2026/01/01/no-such-story.html")[0] == 404
    assert get(base_url + gold[0]["path"] + "?utm_source=rss")[0] == 200


def test_enough_articles_over_enough_sites(gold):
    per_site = Counter(g["site"] for g in gold)
    assert len(gold) >= MIN_ARTICLES and len(per_site) >= MIN_SITES
    assert len({g["path"] for g in gold}) == len(gold)


def test_every_gold_paragraph_is_on_the_served_page(base_url, gold):
    for g in gold:
        status, headers, body = get(base_url + g["path"])
        assert status == 200, g["path"]
        text = page_text(headers, body)
        assert norm(g["title"]) in text
        for paragraph in g["body_paragraphs"]:
            assert norm(paragraph) in text, (g["path"], paragraph[:60])


def test_feeds_and_sitemaps_list_only_existing_articles(base_url, gold):
    article_paths = {g["path"] for g in gold}
    discovered = set()
    for feed_path in FEEDS:
        feed = feedparser.parse(get(base_url + feed_path)[2])
        assert not feed.bozo and feed.entries, feed_path
        discovered |= {path_of(e.link, base_url) for e in feed.entries}
    assert any("utm_source=rss" in e.link for e in feed.entries)
    for sitemap_path in SITEMAPS:
        locs = sitemap_locs(get(base_url + sitemap_path)[2])
        discovered |= {path_of(loc, base_url) for loc in locs}
    allowed = {p for p in discovered if not p.startswith(DISALLOWED_PREFIX)}
    assert allowed <= article_paths
    assert article_paths - allowed == set(urls_only_paths())
    for path in discovered | set(urls_only_paths()):
        assert get(base_url + path)[0] == 200, path


def test_robots_and_homepages(base_url):
    status, _, body = get(base_url + "/robots.txt")
    robots = body.decode()
    assert status == 200 and f"Disallow: {DISALLOWED_PREFIX}" in robots
    assert f"Sitemap: {base_url}/capital-wire/news-sitemap.xml" in robots
    for site in ("capital-wire", "harbour-times", "old-gazette"):
        assert get(f"{base_url}/{site}/index.html")[0] == 200


def test_sources_file_loads(monkeypatch):
    monkeypatch.setenv("DEMO_BASE_URL", "http://127.0.0.1:9")
    sources = load_sources(ROOT / "demo_site" / "sources.yml")
    assert {s.name for s in sources} == {"capital-wire", "harbour-times", "old-gazette"}
    assert all(s.allow_private_network and s.crawl_delay == 0 for s in sources)
    assert any(s.urls for s in sources)


def test_direct_quotes_occur_in_the_body(gold):
    for g in gold:
        body = "\n\n".join(g["body_paragraphs"])
        for quote in g["quotes"]:
            assert quote["text"] in body, (g["path"], quote["text"][:60])


def test_gold_names_are_registered_and_mentioned(gold):
    registry = load_registry()
    problems = []
    for g in gold:
        found = find_mentions(g["body_paragraphs"], registry)
        speakers = {q["speaker"] for q in g["quotes"]} - {None}
        problems += [(g["path"], "speaker", s) for s in speakers if s not in found]
        for sanction in g["sanctions"]:
            # The authority may only be implied ("British sanctions"), the target never.
            if sanction["target"] not in found or sanction["authority"] not in registry:
                problems.append((g["path"], "sanction", sanction["target"]))
            if sanction["action"] not in SANCTION_ACTIONS:
                problems.append((g["path"], "action", sanction["action"]))
    assert not problems


def test_gold_json_is_up_to_date():
    assert GOLD_JSON.read_text(encoding="utf-8") == gold_json(), (
        "run: python -m demo_site.gold")


def test_wrapper_runs_the_command_with_the_base_url():
    child = ("import os, sys, urllib.request; base = os.environ['DEMO_BASE_URL'];"
             "urllib.request.urlopen(base + '/robots.txt'); sys.exit(7)")
    done = subprocess.run([sys.executable, "-m", "demo_site.serve", "--", sys.executable,
                           "-c", child], cwd=ROOT, env=os.environ.copy(), timeout=60,
                          capture_output=True, text=True)
    assert done.returncode == 7, done.stderr
    assert done.stderr == ""  # no request logging by default
