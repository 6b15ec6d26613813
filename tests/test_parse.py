"""Parse stage: metadata, body extraction, dedup hash and the evaluation command.
(Field-by-field sources: test_parse_fields.py; bad input: test_parse_bad_input.py.)

Fixtures in tests/fixtures/parse/ are pages written for these tests (not copied from any
site or benchmark); each carries the usual furniture (nav, cookie banner, ads, share bar,
related links, captions, key points box, comments) around a known body.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors.evaluate_parser import aggregate, evaluate, main, score_page
from extractors.parse import content_hash, parse_article
from extractors.parse_body import BOILERPLATE_LINE_RE
from extractors.parse_dates import to_iso, url_date
from extractors.parse_metadata import clean_authors

FIXTURES = Path(__file__).parent / "fixtures" / "parse"

HARBOUR_BODY = [
    "Councillors in three harbour towns voted on Tuesday",
    "The decision follows a winter in which storms breached the wall twice",
    "Under the plan, each council will contribute",
    "A long-running dispute",
    "The towns have argued about the wall since the 1990s",
    "We have spent too long arguing while the sea does the work for us.",
    "Engineers say the first phase of repairs",
    "Residents will be able to comment on the plans",
]
FURNITURE = [
    "We use cookies", "Share on Facebook", "Key points", "Three councils will pool",
    "Photo: Ana Lopes", "high tide", "Advertisement", "boat insurance", "newsletter",
    "Related stories", "Storm damage bill", "should have happened years ago", "Copyright",
    "Sport", "dataLayer", "cookie-banner", "By Helen Marsh",
]


def load(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def parse_fixture(name: str, url: str = "https://news.example.org/2026/05/12/story"):
    return parse_article(load(name), url)


def assert_absent(text: str, junk: list[str]) -> None:
    for item in junk:
        assert item not in text, item


def assert_in_order(paragraphs: list[str], expected_starts: list[str]) -> None:
    pos = 0
    for start in expected_starts:
        found = next((i for i in range(pos, len(paragraphs))
                      if paragraphs[i].startswith(start)), None)
        assert found is not None, f"{start!r} missing or out of order in {paragraphs}"
        pos = found + 1


# --- JSON-LD NewsArticle page --------------------------------------------------------

def test_jsonld_article_metadata():
    a = parse_fixture("jsonld_article.html", "https://ledger.example.org/x?utm_source=feed")
    assert a.parse_status == "ok"
    assert a.title == "Harbour towns vote to share flood defences"
    assert a.subtitle == "Three councils agree a joint plan after a winter of storms."
    assert a.authors == ["Helen Marsh", "Tomas Ruiz"]  # deduped, organisation dropped
    assert a.published_at == "2026-05-12T14:05:00+01:00"
    assert a.modified_at == "2026-05-12T18:30:00+01:00"
    assert a.canonical_url == "https://ledger.example.org/news/2026/05/12/harbour-flood-defences"
    assert a.section == "Environment"
    assert a.tags == ["flooding", "councils", "coast"]
    assert a.language == "en"
    assert a.site_name == "The Coastal Ledger"
    assert a.image_url == "https://cdn.example.org/img/harbour-wall.jpg"
    assert a.image_caption == "The harbour wall at high tide"
    assert a.image_credit == "Ana Lopes"
    assert a.key_points == ["Three councils will pool flood budgets",
                            "Work on the sea wall starts in September",
                            "Residents get a say at public meetings"]
    # the lead's task fills these
    assert (a.article_id, a.source, a.run_id, a.content_sha256, a.fetched_at) == \
        ("", "", "", "", None)


def test_jsonld_article_body_clean_and_ordered():
    a = parse_fixture("jsonld_article.html")
    assert_in_order(a.paragraphs, HARBOUR_BODY)
    assert len(a.paragraphs) == len(HARBOUR_BODY)
    assert "A long-running dispute" in a.paragraphs  # subheading is its own entry
    assert_absent(a.body_text, FURNITURE)
    assert a.body_text == "\n\n".join(a.paragraphs)
    assert a.word_count == len(a.body_text.split())
    assert a.extraction_method == "generic"


# --- OpenGraph-only page -------------------------------------------------------------

def test_opengraph_only_page():
    a = parse_fixture("og_only.html", "https://courier.example.net/local/library-late-fridays")
    assert a.parse_status == "ok"
    assert a.title == "Library opens late on Fridays"  # " - Valley Courier" stripped
    assert a.authors == ["Jane Roe"]  # "Staff" and the wire agency dropped
    assert a.published_at == "2026-05-11T08:00:00-04:00"
    assert a.modified_at == "2026-05-11T09:15:00-04:00"
    assert a.section == "Local"
    assert a.tags == ["libraries", "community"]
    assert a.site_name == "Valley Courier"
    assert a.key_points == ["Open until 9pm on Fridays from June",
                            "Extra staff funded by a local trust"]
    assert_in_order(a.paragraphs, [
        "The central library will stay open", "The longer hours will be paid for",
        "Study space in demand", "Students told the survey",
        "Evenings are the only time I can get here", "The council will review"])
    assert_absent(a.body_text, ["cookies", "Tweet", "Subscribe", "Most read", "Road closures",
                                "Great news for students", "Main Street", "Open until 9pm"])


# --- old table layout, no metadata ---------------------------------------------------

def test_table_layout_page():
    a = parse_fixture("table_layout.html", "https://gazette.example.com/news/chimney.html")
    assert a.parse_status == "ok"
    assert a.title == "Mill chimney to be saved"
    assert a.authors == ["Mary Major"]
    assert a.published_at == "2026-05-12T14:05:00+00:00"  # visible "Posted: ... GMT"
    assert_in_order(a.paragraphs, [
        "The 150-year-old chimney", "The trust collected", "Repairs to the brickwork",
        "Part of our history", "The chimney is the last surviving part"])
    assert_absent(a.body_text, [
        "Local news", "Classified", "Picture: Town Archive", "Print this page", "Email a friend",
        "grandfather", "All rights reserved", "Posted:", "Readers' comments"])


def test_br_separated_story_in_a_table_cell():
    """Old layouts: the story is <br>-separated text beside the byline, link bar and notice."""
    story = "".join(f"Paragraph {i} of the story about the harbour board, which met on "
                    "Friday to discuss the budget.<br><br>" for i in range(6))
    html = ("<html><head><title>Harbour board meets - The Gazette</title></head><body>"
            "<table><tr><td><b>Harbour board meets</b><br>"
            "<font>By Arthur Penn (AFP)<br>Posted: 8 May 2026 16:20 GMT</font><br>"
            '<a href="#">[Print this story]</a> <a href="#">[Email to a friend]</a><br><br>'
            f'<div class="txt">{story}</div><div class="hide">Advertisement - story continues'
            "</div><font>Copyright 2026 The Gazette. Do not reproduce without permission.</font>"
            "</td></tr></table></body></html>")
    a = parse_article(html, "https://gazette.example.com/2026/05/08/board.html")
    assert a.authors == ["Arthur Penn"]  # the agency in brackets is not part of the name
    assert a.published_at == "2026-05-08T16:20:00+00:00"
    assert len(a.paragraphs) == 6 and a.paragraphs[0].startswith("Paragraph 0 of the story")
    assert_absent(a.body_text, ["Print", "Email", "Advertisement", "Copyright", "Posted"])


def test_blog_post_keeps_lists_quotes_and_custom_elements():
    """Plain lists, an embedded post in a "social" wrapper and an inline custom element are
    article text; teaser, advert, script-only and credit lines are not."""
    a = parse_fixture("blog_embeds.html", "https://notes.example.org/2026/06/03/ferries")
    assert a.parse_status == "ok"
    assert a.paragraphs == [
        "The trial of two electric ferries on the river crossing ended three weeks early on "
        "Monday, after the operator said the batteries could not last a full day in cold "
        "weather.",
        "Passengers were told on the morning ferry that the old diesel boats would return from "
        "Tuesday, a decision the council called disappointing but necessary.",
        "What the trial showed, according to the operator:",
        "Charging took longer than planned", "Fewer crossings", "Quiet engines",
        "The council's transport lead said the results were still useful 12 and that a second "
        "trial with larger batteries could start next spring.",
        "Back on the diesel ferry this morning. Louder, smellier, but it got us across on time.",
        "— A commuter (@rivercommuter) June 2, 2026",
        "What happens next",
        "A report on the trial, including the passenger survey, will go to the transport "
        "committee in September, when councillors are expected to decide on funding for a "
        "second attempt.",
    ]


@pytest.mark.parametrize(("line", "furniture"), [
    ("Iklan", True), ("Anzeige", True), ("3 of 12", True),
    ("Related coverage from Money Matters:", True), ("Read more: Ferry fares rise again", True),
    ("Please enable JavaScript to view the comments.", True),
    ("Image 1 of / 8", True), ("You may also like...", True), ("Next article", True),
    ("Filed under: Harbour, Council |", True), ("Tempo de leitura: 1 minuto", True),
    ("4 min read", True), ("Follow the Ledger on Instagram, Facebook and X.", True),
    ("Copyright @ 2026 The Ledger.", True), ("More:", True),
    ("Follow the money, the auditor said on Facebook and in court.", False),
    ("Tags are sold at the town hall for 3 pounds each.", False),
    ("More information: J. Ng et al. Tides and ferries, 2026.", False),
    ("Also, the council will meet again in July.", False),
    ("More than 2,500 people signed the petition.", False),
    ("[1] Harbour survey, 2026.", False),
])
def test_boilerplate_lines(line, furniture):
    assert bool(BOILERPLATE_LINE_RE.match(line)) == furniture


@pytest.mark.parametrize("title_tag", [
    "The Gazette :: Mill chimney to be saved",  # site first, a separator no rule knows
    "Mill chimney to be saved - News - The Gazette",
])
def test_title_is_the_part_of_the_title_tag_the_page_shows(title_tag):
    html = (f"<html><head><title>{title_tag}</title></head><body><b>The Gazette</b>"
            "<p><b>Mill chimney to be saved</b></p><p>The trust collected money.</p></body></html>")
    assert parse_article(html, "https://gazette.example.com/a.html").title == \
        "Mill chimney to be saved"


def test_syndicated_copy_has_same_content_hash():
    original = parse_fixture("jsonld_article.html")
    copy = parse_fixture("syndicated_copy.html", "https://partner.example.com/flood-deal")
    assert copy.parse_status == "ok"
    assert copy.paragraphs != original.paragraphs or copy.title != original.title
    assert copy.content_hash == original.content_hash
    assert copy.content_hash == content_hash("  " + original.body_text.upper() + " !")
    # what wire copies add: the agency dateline, credit lines at the end
    wire = parse_article(load("syndicated_copy.html").replace(
        "<div>Councillors", "<div>DOVER, England (AP) — Councillors").replace(
        "</div></div></div>", "<div>Associated Press writer Jo Ng in London contributed to "
        "this report.</div><div>(Reporting by Jo Ng; Editing by Ann Lee)</div></div></div></div>"),
        "https://wire.example.com/flood")
    assert wire.paragraphs[0].startswith("DOVER, England (AP) — Councillors")
    assert wire.content_hash == original.content_hash
    assert content_hash("The council — " + original.body_text) != original.content_hash


def test_profile_selectors_win():
    profile = {"body": "div.story-body", "remove": [".ad-slot"], "title": "h1.headline"}
    a = parse_article(load("jsonld_article.html"), "https://ledger.example.org/x", profile)
    assert a.extraction_method == "profile"
    assert a.title == "Harbour towns vote to share flood defences"
    assert a.paragraphs[0].startswith("Councillors in three harbour towns")
    assert "boat insurance" not in a.body_text


# --- microdata-only page -------------------------------------------------------------

def test_microdata_page():
    a = parse_fixture("microdata_article.html", "https://herald.example.net/news/2026/10/02/ferry")
    assert a.parse_status == "ok"
    assert a.title == "Ferry timetable cut for the winter"
    assert a.extraction_method == "microdata"  # the page marks its itemprop="articleBody"
    assert a.site_name == "The Island Herald"  # named nowhere but the <title> suffix
    assert a.authors == ["Sarah Needleman"]  # "Surname, First"; the comment form's label ignored
    assert a.published_at == "2026-10-02T07:45:00+01:00"
    assert a.modified_at == "2026-10-02T11:20:00+01:00"
    assert a.language == "en"  # undeclared: detected from the text
    assert a.image_url == "https://herald.example.net/media/ferry.jpg"  # no og:image: the figure
    assert (a.image_caption, a.image_credit) == ("The morning ferry leaves the pier", "Ross Kerr")
    assert_in_order(a.paragraphs, [
        "The ferry operator will run", "Islanders who commute", "A shortage of crew",
        "The company said", "We would rather run two reliable sailings", "The council has asked"])
    assert "A shortage of crew" in a.paragraphs  # subheading and block quote are entries
    assert "We would rather run two reliable sailings than five that are cancelled at the " \
        "last minute." in a.paragraphs
    assert_absent(a.body_text, ["hidden", "Subscribe", "Name (required)", "Leave a reply",
                                "Ross Kerr", "morning ferry", "All rights reserved", "Home",
                                "Continue reading"])  # the ad inside the marked body too


# --- JSON-LD articleBody behind a paywall --------------------------------------------

def test_complete_jsonld_body_replaces_a_teaser():
    a = parse_fixture("ld_body_paywall.html", "https://northernwire.example/mines/flooded-shafts")
    assert a.parse_status == "ok"
    assert a.extraction_method == "json_ld"
    assert len(a.paragraphs) == 4
    assert a.paragraphs[2].startswith("Local residents have asked for a public meeting. "
                                      "“Nobody told us")  # entities decoded
    assert "Subscribe" not in a.body_text
    assert a.authors == []  # "Staff" is not a person
    assert a.site_name == "Northern Wire"  # the tagline after " | " is not the name
    assert a.section is None  # the section field held the domain
    assert a.published_at == "2026-03-09T16:00:00-05:00"


def test_double_escaped_metadata_is_decoded():
    html = ('<html><head><meta property="og:title" content="&amp;#8216;Meth&amp;#8217; ads '
            'return"></head><body><article>' + "<p>The campaign is back on buses, with "
            "posters across the city from Monday, officials said.</p>" * 4 + "</article>"
            "</body></html>")
    assert parse_article(html, "https://example.com/a").title == "‘Meth’ ads return"


@pytest.mark.parametrize(("raw", "site", "expected"), [
    (["Sarah E. Needleman"], None, ["Sarah E. Needleman"]),  # an initial is not "e" (and)
    (["Needleman, Sarah"], None, ["Sarah Needleman"]),
    (["Ana e Rui Costa"], None, ["Ana", "Rui Costa"]),
    (["By Staff and Mary Major"], None, ["Mary Major"]),
    (["PTI, Washington, Nov 20 2019, 10:18am"], None, []),  # a wire and its dateline
    (["Ilana Muhlstein, MS, RDN"], None, ["Ilana Muhlstein"]),  # credentials
    (["Tom Krisher, AP Auto Writer"], None, ["Tom Krisher"]),  # a job title
    (["Finian Cunningham. Sputnik International"], None, ["Finian Cunningham"]),
    (["Dr. Jo Ng", "Troy L. Smith"], None, ["Dr. Jo Ng", "Troy L. Smith"]),
    (["Margaret Lowe (AFP)"], None, ["Margaret Lowe"]),
    (["JILL LAWLESS Associated Press", "Jill Lawless"], None, ["Jill Lawless"]),
    (["Elliot Brownstein Florida Today"], "floridatoday", ["Elliot Brownstein"]),
    (["Jill Disis", "CNN Business"], "CNN", ["Jill Disis"]),  # the site's desk
    (["Troy L. Smith", "Cleveland.com"], "cleveland", ["Troy L. Smith"]),
    (["Staff Reports -", "Detroit News wire services", "European Space Agency", "By"], None, []),
    (["The Coastal Ledger", "https://example.com/me", "jo@example.com"], "The Coastal Ledger", []),
    (["By Jo Ng , Ann Lee on Monday, May 11th, 2026 at 9:05 a.m."], None, ["Jo Ng", "Ann Lee"]),
    (["By Sam Monday"], None, ["Sam Monday"]),  # " on <date>" ends a byline, a name does not
])
def test_authors_are_people(raw, site, expected):
    assert clean_authors(raw, site) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-05-12T14:05:00+01:00", "2026-05-12T14:05:00+01:00"),
    ("2026-05-12T13:05:00Z", "2026-05-12T13:05:00+00:00"),
    ("2026-05-12", "2026-05-12T00:00:00+00:00"),  # no time zone: UTC
    ("Tue, 12 May 2026 14:05:00 GMT", "2026-05-12T14:05:00+00:00"),
    ("May 11, 2026 5:01 PM EDT", "2026-05-11T17:01:00-04:00"),
    ("1778594700", "2026-05-12T14:05:00+00:00"),  # unix seconds
    ("not a date", None),
    ("1066-10-14", None),  # too old for a news page
])
def test_dates_normalised_with_time_zone(value, expected):
    assert to_iso(value) == expected


def test_date_from_url_path():
    assert url_date("https://example.com/news/2026/05/12/story") == "2026-05-12T00:00:00+00:00"
    assert url_date("https://example.com/news/2026/may/12/story") == "2026-05-12T00:00:00+00:00"
    assert url_date("https://example.com/news/story-2026") is None
    assert url_date("https://example.com/2026/abc/12/") is None


def dated_page(head: str, top: str) -> str:
    return (f"<html><head><title>Ferry fares rise</title>{head}</head><body><article>"
            f"<h1>Ferry fares rise</h1>{top}"
            + "<p>Fares on the island ferry will rise by ten percent from July, the operator "
            "said, blaming the cost of fuel and repairs to the pier.</p>" * 4
            + "</article></body></html>")


def test_byline_date_line_gives_date_and_is_not_body():
    html = dated_page("", "<p>By Jo Ng , Ann Lee on Monday, May 11th, 2026 at 9:05 a.m.</p>")
    a = parse_article(html, "https://example.com/ferry-fares")
    assert a.authors == ["Jo Ng", "Ann Lee"]
    assert a.published_at == "2026-05-11T09:05:00+00:00"
    assert a.paragraphs[0].startswith("Fares on the island ferry")


def test_shown_time_refines_a_date_only_structured_date():
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Ferry '
          'fares rise", "datePublished": "May 11, 2026"}</script>')
    a = parse_article(dated_page(ld, "<p>on May 11, 2026, 6:21 AM EDT</p>"),
                      "https://example.com/ferry-fares")
    assert a.published_at == "2026-05-11T06:21:00-04:00"
    assert a.paragraphs[0].startswith("Fares on the island ferry")  # the date line is not body
    other_day = parse_article(dated_page(ld, "<p>on May 12, 2026, 6:21 AM EDT</p>"),
                              "https://example.com/ferry-fares")
    assert other_day.published_at == "2026-05-11T00:00:00+00:00"  # structured data wins


# --- the evaluation command ----------------------------------------------------------

def test_score_page_is_the_benchmark_metric():
    assert score_page("a b c d e", "a b, c d e.") == {"precision": 1.0, "recall": 1.0, "exact": 1}
    assert score_page("a b c d x", "a b c d e") == {"precision": 0.5, "recall": 0.5, "exact": 0}
    assert score_page("x y", "x y")["recall"] == 1.0  # fewer than 4 tokens: one shingle
    empty = score_page("", "a b c d")
    assert (empty["precision"], empty["recall"]) == (None, 0.0)
    # precision averages only the pages with output; recall averages all of them
    summary = aggregate([score_page("a b c d", "a b c d"), empty])
    assert (summary["precision"], summary["recall"]) == (1.0, 0.5)


def test_eval_parser_runs_on_any_folder_of_the_layout(tmp_path, capsys):
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "p1.html").write_text(load("jsonld_article.html"), encoding="utf-8")
    expected = parse_fixture("jsonld_article.html").body_text
    truth = {"p1": {"url": "https://ledger.example.org/x", "articleBody": expected},
             "p2": {"url": "https://example.com/missing", "articleBody": "a page not saved"}}
    (tmp_path / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
    summary, rows = evaluate(tmp_path)
    assert (summary["pages"], summary["precision"], summary["recall"]) == (2, 1.0, 0.5)
    assert summary["parser_cpu_seconds"] > 0 and summary["floor_cpu_seconds"] > 0
    assert main([str(tmp_path), "--per-page"]) == 0
    out = capsys.readouterr().out
    for label in ("precision", "recall", "F1", "parser speed", "floor speed"):
        assert label in out
    assert main([str(tmp_path / "html")]) == 2  # not a benchmark folder
