"""Parse stage on bad input: every page gives a record with a reason, never an exception.

Time per page is bounded by design, not measured here: input is cut at MAX_HTML_CHARS
characters and MAX_TAGS tags before parsing, and every walk over the tree is iterative
(no recursion, whatever the depth). The tests check those caps and that deep or huge
pages still give their text; `hang_guard` only turns a hang into a failure (a minute is
far above any page's parse time, so load from other jobs cannot make it flaky).
"""

from __future__ import annotations

import logging
import re
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors.parse import MAX_HTML_CHARS, MAX_TAGS, parse_article
from extractors.records import ParsedArticle

FIXTURES = Path(__file__).parent / "fixtures" / "parse"
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f]")
STATUSES = {"ok", "not_an_article", "empty_body", "parse_error"}
HANG_SECONDS = 60
PARAGRAPH = ("<p>The harbour board met on Friday to agree the budget for repairs to the sea "
             "wall, which storms breached twice last winter.</p>")
PARAGRAPH_WORDS = 22


@pytest.fixture(autouse=True)
def hang_guard():
    """Fail a test that runs for a minute: a hang, not a slow machine."""
    def hung(signum, frame):
        raise TimeoutError(f"parse still running after {HANG_SECONDS}s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(HANG_SECONDS)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def load(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def story(paragraphs: int = 6) -> str:
    return PARAGRAPH * paragraphs


# --- empty and truncated documents ---------------------------------------------------

@pytest.mark.parametrize("html", ["", "   \n\t", "<html></html>", "<html><body></body></html>",
                                  "<!-- only a comment -->", "<!doctype html>"])
def test_empty_documents(html):
    a = parse_article(html, "https://example.com/a")
    assert a.parse_status in {"empty_body", "not_an_article"}
    assert a.paragraphs == [] and a.body_text == "" and a.content_hash == ""


def test_article_page_with_no_text_is_empty_body():
    html = ('<html><head><meta property="og:type" content="article">'
            '<meta property="og:title" content="Harbour board meets"></head><body><article>'
            "<h1>Harbour board meets</h1></article></body></html>")
    a = parse_article(html, "https://example.com/board")
    assert (a.parse_status, a.title) == ("empty_body", "Harbour board meets")


def test_truncated_html_still_parses():
    html = load("jsonld_article.html")
    cut = html[: html.index("Engineers say")]
    a = parse_article(cut, "https://ledger.example.org/x")
    assert a.parse_status == "ok"
    assert a.paragraphs[0].startswith("Councillors in three harbour towns")


@pytest.mark.parametrize("cut_inside", [
    '<a href="https://example.com/next', "<!-- a comment never closed", "<p class='x",
    "<table><tr><td>A cell", "<script>var a = 1;",
])
def test_document_cut_inside_a_tag_keeps_the_text_before_it(cut_inside):
    html = "<html><body><article>" + story() + cut_inside
    a = parse_article(html, "https://example.com/2026/05/08/board")
    assert a.parse_status == "ok"
    assert len(a.paragraphs) >= 6 and a.paragraphs[0].startswith("The harbour board met")


def test_control_characters_never_reach_the_record():
    html = ("<html><head><title>Harbour\x01 wall | Ledger</title></head><body><article>"
            + "<p>The wall\x00 was\x1b repaired\x0b on Monday, the council said today.</p>" * 5
            + "</article></body></html>")
    a = parse_article(html, "https://example.com/2026/05/12/wall")
    assert a.title == "Harbour wall"
    assert not CONTROL_CHARS.search(a.body_text)
    assert a.paragraphs[0].endswith(" was repaired on Monday, the council said today.")


# --- binary garbage and encodings ----------------------------------------------------

@pytest.mark.parametrize("garbage", [
    bytes(range(256)) * 200,
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 50,  # an image served as text/html
    b"%PDF-1.7\n" + bytes(range(128, 256)) * 100,
    b"\x1f\x8b\x08\x00" + bytes(range(256)) * 50,  # gzip bytes nobody decompressed
])
@pytest.mark.parametrize("as_text", [False, True])
def test_binary_garbage_is_a_parse_error(garbage, as_text):
    page = garbage.decode("latin-1") if as_text else garbage
    a = parse_article(page, "https://example.com/bin")
    assert (a.parse_status, a.parse_error) == ("parse_error", "binary or non-text content")
    assert a.body_text == ""


@pytest.mark.parametrize("text", ["story.html", "https://example.com/story", "a/b.txt"])
def test_text_that_looks_like_a_file_name_or_url_is_just_text(text, recwarn):
    a = parse_article(text, "https://example.com/x")
    assert a.parse_status == "not_an_article"
    assert not recwarn.list  # bs4 warns about such input; the parser knows it is a page


def test_non_text_input_type_is_a_parse_error():
    a = parse_article(None, "https://example.com/none")  # type: ignore[arg-type]
    assert a.parse_status == "parse_error" and "NoneType" in a.parse_error


def test_bytes_input_is_decoded():
    a = parse_article(load("og_only.html").encode("utf-8"), "https://example.com/a")
    assert a.parse_status == "ok"


BODY_TEXT = ("The café on the quay reopened on Monday with a new owner and “the same old "
             "menu”, locals said.")


@pytest.mark.parametrize(("declared", "actual"), [
    ("utf-8", "cp1252"),  # declared UTF-8, written in Windows-1252
    ("iso-8859-1", "utf-8"),  # declared Latin-1, written in UTF-8
    ("shift_jis", "utf-8"),  # a declaration that does not fit the bytes at all
    ("no-such-encoding", "utf-8"),
    ("utf-7", "utf-8"),  # refused: UTF-7 can hide markup
])
def test_misdeclared_encoding(declared, actual):
    html = (f'<html><head><meta charset="{declared}"><title>Café reopens</title></head><body>'
            f"<article><h1>Café reopens</h1>{f'<p>{BODY_TEXT}</p>' * 5}</article></body></html>")
    a = parse_article(html.encode(actual), "https://example.com/cafe")
    assert a.title == "Café reopens"
    assert a.paragraphs[0] == BODY_TEXT


# --- size and depth ------------------------------------------------------------------

@pytest.mark.parametrize(("opening", "closing"), [
    ("<div>", "</div>"),  # closed
    ("<div>", ""),  # never closed
    ("<span>", "</span>"),  # inline
    ("<blockquote>", ""),
    ("<table><tr><td>", ""),
    ("<ul><li>", ""),
    ("<x-box>", ""),  # custom elements
])
def test_ten_thousand_levels_of_nesting_keep_their_text(opening, closing):
    depth = 10_000
    html = "<html><body>" + opening * depth + story() + closing * depth + "</body></html>"
    a = parse_article(html, "https://example.com/2026/05/12/deep")
    assert a.parse_status == "ok"
    assert a.word_count == 6 * PARAGRAPH_WORDS


def test_deeper_than_a_hundred_thousand_levels():
    html = "<html><body>" + "<div>" * 120_000 + story()
    a = parse_article(html, "https://example.com/2026/05/12/deeper")
    assert a.parse_status in STATUSES  # cut at MAX_TAGS before the story: no RecursionError


def test_twenty_megabyte_page_is_cut_to_the_size_cap(caplog):
    para = "<p>" + "A sentence about the council budget and the sea wall, again. " * 20 + "</p>"
    html = "<html><body><article>" + para * (20_000_000 // len(para) + 1) + "</article>"
    assert len(html) > 20_000_000
    with caplog.at_level(logging.WARNING, logger="extractors.parse"):
        a = parse_article(html, "https://example.com/2026/05/12/huge")
    assert a.parse_status == "ok"
    assert f"truncated to {MAX_HTML_CHARS}" in caplog.text
    assert 0 < len(a.body_text) <= MAX_HTML_CHARS
    assert a.paragraphs[0] == para[3:-4].strip()


@pytest.mark.parametrize("tiny", ["<i>", "<p>x</p>", "<a href='/'>x</a>", "<br>"])
def test_page_of_tiny_tags_is_cut_to_the_tag_cap(tiny, caplog):
    html = "<html><body><article>" + story() + "</article><div>" + tiny * (2 * MAX_TAGS)
    with caplog.at_level(logging.WARNING, logger="extractors.parse"):
        a = parse_article(html, "https://example.com/2026/05/12/tags")
    assert f"has over {MAX_TAGS} tags" in caplog.text
    assert a.parse_status in STATUSES
    assert a.paragraphs[0].startswith("The harbour board met")


def test_title_with_thousands_of_parts():
    title = " | ".join(f"part {i}" for i in range(5000))
    html = (f'<html lang="en"><head><title>{title}</title></head><body>' + story(200)
            + "</body></html>")
    a = parse_article(html, "https://example.com/parts")
    assert a.parse_status == "ok" and a.title  # only the first separators are tried


def test_thousands_of_ld_json_objects_and_metas():
    objects = ",".join('{"@type": "Thing", "name": "x"}' for _ in range(20_000))
    html = (f'<html><head><script type="application/ld+json">[{objects}]</script>'
            + '<meta name="keywords" content="a">' * 5000 + "</head><body><article>"
            + story() + "</article></body></html>")
    a = parse_article(html, "https://example.com/2026/05/12/many")
    assert a.parse_status == "ok" and len(a.paragraphs) == 6
    assert a.tags == ["a"]


# --- pages with no article -----------------------------------------------------------

def test_homepage_of_headline_links_is_not_an_article():
    items = "".join(f'<li><a href="/story/{i}">Headline number {i} about the town council '
                    f"and the harbour wall repairs</a></li>" for i in range(40))
    html = f"<html><head><title>Front page - Town News</title></head><body><ul>{items}</ul>" \
        "</body></html>"
    assert parse_article(html, "https://news.example.com/").parse_status == "not_an_article"


def test_section_front_with_teasers_is_not_an_article():
    teasers = "".join(f'<div class="teaser"><h3><a href="/s/{i}">Story {i} about the harbour'
                      f'</a></h3><p>A short summary of story {i}.</p></div>' for i in range(30))
    html = (f"<html><head><title>Local news - Town News</title></head><body>{teasers}"
            "</body></html>")
    assert parse_article(html, "https://news.example.com/local/").parse_status == \
        "not_an_article"


@pytest.mark.parametrize("title", ["Page not found | Town News", "404 - Town News",
                                   "Sorry, this page is no longer available"])
def test_error_page_served_with_200_is_not_an_article(title):
    html = (f"<html><head><title>{title}</title></head><body><nav><a href='/'>Home</a></nav>"
            "<h1>Oops</h1><p>Sorry, the page you were looking for does not exist or has been "
            "moved. Try the search box or go back to the front page.</p></body></html>")
    assert parse_article(html, "https://news.example.com/x").parse_status == "not_an_article"


def test_login_wall_is_not_an_article():
    html = ("<html><head><title>Sign in - Town News</title></head><body><form><label>Email"
            "</label><input name='e'><label>Password</label><input type='password'>"
            "<button>Sign in</button></form><p>Forgot your password?</p></body></html>")
    assert parse_article(html, "https://news.example.com/login").parse_status == \
        "not_an_article"


# --- properties ----------------------------------------------------------------------

TAGS = ["div", "p", "span", "a", "h2", "ul", "li", "table", "td", "script", "style", "br",
        "article", "nav", "blockquote", "figure", "figcaption", "time", "meta", "b", "x-card",
        "main", "aside", "noscript", "template", "iframe"]
ATTRS = ["", ' class="content"', ' class="share"', ' id="comments"', ' hidden',
         ' style="display:none"', ' class="key-points"', ' itemprop="author"',
         ' itemprop="articleBody"', ' datetime="2026-05-12T10:00:00Z"', ' class="byline"',
         ' aria-hidden="true"', ' class="article-dek"', ' href="javascript:x"']
TEXT = st.one_of(st.text(max_size=40),
                 st.sampled_from([PARAGRAPH, "Advertisement", "By Jo Ng", "© 2026 News",
                                  "Posted: 12 May 2026 10:00 GMT", "&amp;&#8217;&#0;&#xD800;",
                                  "<![CDATA[x]]>", "<!--", "]]>", "<?xml ?>"]))
fragment = st.recursive(
    TEXT,
    lambda inner: st.builds(
        lambda tag, attr, kids, close: f"<{tag}{attr}>{''.join(kids)}" + (f"</{tag}>" if close
                                                                          else ""),
        st.sampled_from(TAGS), st.sampled_from(ATTRS), st.lists(inner, max_size=4),
        st.booleans()),
    max_leaves=30,
)
HEADS = st.sampled_from([
    "", "<title>T | S</title>",
    '<script type="application/ld+json">{"@type":"NewsArticle","headline":"H",'
    '"datePublished":"not a date","author":[1,{"name":null}],"articleBody":7}</script>',
    '<script type="application/ld+json">[[[[{"@graph": {"@type": "Article"}}]]]]</script>',
    '<script type="application/ld+json">{"a": ' + "[" * 5000 + "]" * 5000 + "}</script>",
    '<meta property="article:published_time" content="2026-13-45">',
    '<meta property="og:image" content="javascript:alert(1)"><link rel="canonical" href="http://[">',
])


def check_record(a: ParsedArticle) -> None:
    assert isinstance(a, ParsedArticle)
    assert a.parse_status in STATUSES
    assert a.body_text == "\n\n".join(a.paragraphs)
    assert all(p.strip() == p and p for p in a.paragraphs)
    assert a.word_count == len(a.body_text.split())
    assert bool(a.content_hash) == bool(a.body_text)
    text = a.body_text + (a.title or "") + " ".join(a.authors) + (a.subtitle or "")
    assert not CONTROL_CHARS.search(text)
    if a.parse_status == "parse_error":
        assert a.parse_error  # the reason is recorded


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=fragment, head=HEADS)
def test_property_generated_html_gives_a_record(body, head):
    html = f"<html><head>{head}</head><body>{body}</body></html>"
    a = parse_article(html, "https://example.com/2026/05/12/x")
    check_record(a)
    assert parse_article(html, "https://example.com/2026/05/12/x") == a  # deterministic


def test_a_page_that_is_only_a_url_is_never_fetched(httpserver):
    # Found by the property test below: htmldate, the last-resort date finder, downloads a
    # str that looks like a URL. A page must never make the parser open a connection.
    url = httpserver.url_for("/latest/meta-data")
    record = parse_article(url, "https://example.com/x")
    check_record(record)
    assert httpserver.log == []


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_property_arbitrary_text(text):
    check_record(parse_article(text, "https://example.com/x"))


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000))
def test_property_arbitrary_bytes(data):
    check_record(parse_article(data, "https://example.com/x"))


@settings(max_examples=40, deadline=None)
@given(cut=st.integers(min_value=0, max_value=10_000))
def test_property_any_prefix_of_a_real_page(cut):
    html = load("jsonld_article.html")
    check_record(parse_article(html[: cut % (len(html) + 1)], "https://ledger.example.org/x"))
