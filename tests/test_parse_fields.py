"""Parse stage, field by field: each source issue 4 names for each field, one at a time.

Pages are built here from a small template (written for these tests), so each case shows
the one element that carries the field. The fixture-page tests in test_parse.py check the
fields together on fuller pages.
"""

from __future__ import annotations

import pytest

from extractors.parse import parse_article

STORY = ("<p>Fares on the island ferry will rise by ten percent from July, the operator said "
         "on Monday, blaming the cost of fuel and repairs to the pier.</p>"
         "<p>Islanders who travel to the mainland for work will pay about three pounds more a "
         "week, and the council has asked the operator to delay the rise until autumn.</p>"
         "<p>The operator said it had held fares for four years and could not wait any "
         "longer, but promised a discount for season tickets bought before June.</p>")
URL = "https://isles.example.com/news/ferry-fares"


def page(head: str = "", top: str = "", title: str = "Ferry fares to rise",
         html_attrs: str = "", body: str = STORY, h1: str = "Ferry fares to rise") -> str:
    heading = f"<h1>{h1}</h1>" if h1 else ""
    return (f"<!doctype html><html{html_attrs}><head><title>{title}</title>{head}</head><body>"
            f"<nav><a href='/'>Home</a> <a href='/news'>News</a></nav><article>"
            f"{heading}{top}{body}</article></body></html>")


def ld(obj: str) -> str:
    return f'<script type="application/ld+json">{obj}</script>'


# --- published / modified ------------------------------------------------------------

@pytest.mark.parametrize(("head", "top", "url", "published", "modified"), [
    # JSON-LD, also inside @graph and of the ReportageNewsArticle type
    (ld('{"@context": "https://schema.org", "@graph": [{"@type": "WebPage"}, {"@type": '
        '"ReportageNewsArticle", "headline": "Ferry fares to rise", "datePublished": '
        '"2026-05-11T09:30:00+01:00", "dateModified": "2026-05-11T12:00:00+01:00"}]}'), "", URL,
     "2026-05-11T09:30:00+01:00", "2026-05-11T12:00:00+01:00"),
    # OpenGraph article:*
    ('<meta property="article:published_time" content="2026-05-11T08:30:00Z">'
     '<meta property="article:modified_time" content="2026-05-11T10:00:00Z">', "", URL,
     "2026-05-11T08:30:00+00:00", "2026-05-11T10:00:00+00:00"),
    # <meta> name conventions
    ('<meta name="pubdate" content="2026-05-11T09:30:00-04:00">'
     '<meta name="lastmod" content="2026-05-11T11:00:00-04:00">', "", URL,
     "2026-05-11T09:30:00-04:00", "2026-05-11T11:00:00-04:00"),
    ('<meta name="dc.date.issued" content="2026-05-11">', "", URL,
     "2026-05-11T00:00:00+00:00", None),  # a day and no zone: midnight UTC
    # <time datetime>
    ("", '<time datetime="2026-05-11T09:30:00+02:00">11 May 2026</time>', URL,
     "2026-05-11T09:30:00+02:00", None),
    # microdata
    ("", '<meta itemprop="datePublished" content="2026-05-11T09:30:00+02:00">'
         '<meta itemprop="dateModified" content="2026-05-12T07:00:00+02:00">', URL,
     "2026-05-11T09:30:00+02:00", "2026-05-12T07:00:00+02:00"),
    # a visible "Published ... | Updated ..." line, with its zone abbreviation
    ("", "<div class='article-info'>Published: 11 May 2026 09:30 BST | Updated: 11 May 2026 "
         "13:10 BST</div>", URL, "2026-05-11T09:30:00+01:00", "2026-05-11T13:10:00+01:00"),
    # the URL path
    ("", "", "https://isles.example.com/2026/05/11/ferry-fares", "2026-05-11T00:00:00+00:00",
     None),
    # nothing structured: htmldate reads the page
    ("", "<p class='info'>Last edited 2026-05-11</p>", URL, "2026-05-11T00:00:00+00:00", None),
])
def test_date_sources(head, top, url, published, modified):
    a = parse_article(page(head, top), url)
    assert (a.published_at, a.modified_at) == (published, modified)


def test_date_sources_in_order_of_trust():
    head = (ld('{"@type": "NewsArticle", "headline": "Ferry fares to rise", "datePublished": '
               '"2026-05-11T09:30:00+01:00"}')
            + '<meta property="article:published_time" content="2026-05-09T00:00:00Z">')
    top = '<time datetime="2026-05-08T10:00:00Z">8 May</time>'
    a = parse_article(page(head, top), "https://isles.example.com/2026/05/07/ferry")
    assert a.published_at == "2026-05-11T09:30:00+01:00"  # JSON-LD before OG, time, URL
    a = parse_article(page(head.split("</script>")[1], top),
                      "https://isles.example.com/2026/05/07/ferry")
    assert a.published_at == "2026-05-09T00:00:00+00:00"  # then OG
    a = parse_article(page("", top), "https://isles.example.com/2026/05/07/ferry")
    assert a.published_at == "2026-05-08T10:00:00+00:00"  # then <time>, before the URL


# --- title, site name, canonical -----------------------------------------------------

@pytest.mark.parametrize(("head", "title_tag", "title", "site"), [
    ('<meta property="og:site_name" content="Isles Post">', "Ferry fares to rise | Isles Post",
     "Ferry fares to rise", "Isles Post"),
    ('<meta property="og:site_name" content="Isles Post">', "Isles Post | Ferry fares to rise",
     "Ferry fares to rise", "Isles Post"),
    ('<meta property="og:site_name" content="Isles Post">',
     "Ferry fares to rise - Business | Isles Post", "Ferry fares to rise", "Isles Post"),
    ('<meta property="og:title" content="Ferry fares to rise — Isles Post">'
     '<meta property="og:site_name" content="Isles Post">', "x", "Ferry fares to rise",
     "Isles Post"),
    ('<meta property="og:site_name" content="Isles Post">',
     "Ferry fares to rise | Business | Isles Post", "Ferry fares to rise", "Isles Post"),
    # the publisher in JSON-LD
    (ld('{"@type": "NewsArticle", "headline": "Ferry fares to rise | Isles Post", '
        '"publisher": {"@type": "Organization", "name": "Isles Post"}}'), "x",
     "Ferry fares to rise", "Isles Post"),
    # a headline that has a separator of its own keeps it
    ('<meta property="og:site_name" content="Isles Post">',
     "Ferries: fares to rise in July | Isles Post", "Ferries: fares to rise in July",
     "Isles Post"),
])
def test_title_without_site_suffix(head, title_tag, title, site):
    a = parse_article(page(head, title=title_tag, h1=""), URL)
    assert (a.title, a.site_name) == (title, site)


def test_site_name_from_the_title_suffix_when_named_nowhere_else():
    a = parse_article(page(title="Ferry fares to rise - Isles Post"), URL)
    assert (a.title, a.site_name) == ("Ferry fares to rise", "Isles Post")


@pytest.mark.parametrize(("head", "canonical"), [
    ('<link rel="canonical" href="/news/ferry-fares">',
     "https://isles.example.com/news/ferry-fares"),
    ('<meta property="og:url" content="https://isles.example.com/n/1">',
     "https://isles.example.com/n/1"),
    ("", URL),  # none declared: the page's own URL
])
def test_canonical_url(head, canonical):
    assert parse_article(page(head), URL).canonical_url == canonical


# --- authors -------------------------------------------------------------------------

@pytest.mark.parametrize(("head", "top", "authors"), [
    (ld('{"@type": "NewsArticle", "author": [{"@type": "Person", "name": "Ina Berg"}, '
        '{"@type": "Person", "name": "Ina Berg"}, {"@type": "Organization", '
        '"name": "Isles Post"}]}'), "", ["Ina Berg"]),
    ('<meta name="author" content="Ina Berg, Staff Writer">', "", ["Ina Berg"]),
    ('<meta property="article:author" content="https://isles.example.com/ina">'
     '<meta name="author" content="Ina Berg">', "", ["Ina Berg"]),  # a profile URL is no name
    ("", '<span itemprop="author" itemscope><span itemprop="name">Ina Berg</span></span>',
     ["Ina Berg"]),
    ("", '<div class="byline">By INA BERG and Ola Dahl | Isles Post</div>',
     ["Ina Berg", "Ola Dahl"]),
    ("", '<div class="byline">By Isles Post staff</div>', []),
    ('<meta property="og:site_name" content="Isles Post">', '<p>By Isles Post</p>', []),
])
def test_authors(head, top, authors):
    assert parse_article(page(head, top), URL).authors == authors


# --- subtitle, section, tags, language -----------------------------------------------

def test_subtitle_from_standfirst_before_description():
    head = '<meta name="description" content="Island news from the Isles Post.">'
    top = '<p class="article-dek">A ten percent rise from July, blamed on fuel.</p>'
    a = parse_article(page(head, top), URL)
    assert a.subtitle == "A ten percent rise from July, blamed on fuel."
    assert "ten percent rise from July, blamed" not in a.body_text
    assert parse_article(page(head), URL).subtitle == "Island news from the Isles Post."


def test_subheadline_inside_the_body_is_a_subheading():
    body = STORY.replace("</p>", '</p><div class="subheadline">Season tickets</div>', 1)
    a = parse_article(page('<meta name="description" content="Fares rise in July.">',
                           body=body), URL)
    assert a.paragraphs[1] == "Season tickets"
    assert a.subtitle == "Fares rise in July."


@pytest.mark.parametrize(("head", "section", "tags"), [
    ('<meta property="article:section" content="Business">'
     '<meta property="article:tag" content="ferries"><meta property="article:tag" '
     'content="Transport"><meta name="keywords" content="site, words">',
     "Business", ["ferries", "Transport"]),  # article tags beat the site-wide keywords
    ('<meta name="news_keywords" content="ferries; fares, Ferries">', None, ["ferries", "fares"]),
    (ld('{"@type": "NewsArticle", "articleSection": "isles.example.com", '
        '"keywords": ["ferries", "fares"]}'), None, ["ferries", "fares"]),
])
def test_section_and_tags(head, section, tags):
    a = parse_article(page(head), URL)
    assert (a.section, a.tags) == (section, tags)


@pytest.mark.parametrize(("head", "html_attrs", "body", "language"), [
    ("", ' lang="pt-BR"', STORY, "pt"),
    ('<meta property="og:locale" content="fr_FR">', "", STORY, "fr"),
    (ld('{"@type": "NewsArticle", "inLanguage": "de-DE"}'), "", STORY, "de"),
    ("", "", "<p>" + "Die Fähre wird ab Juli teurer, sagte der Betreiber am Montag, und die "
     "Gemeinde hat um einen Aufschub bis zum Herbst gebeten. " * 3 + "</p>", "de"),  # detected
])
def test_language(head, html_attrs, body, language):
    assert parse_article(page(head, html_attrs=html_attrs, body=body), URL).language == language


# --- lead image ----------------------------------------------------------------------

@pytest.mark.parametrize(("head", "top", "image"), [
    ('<meta property="og:image" content="/media/pier.jpg">'
     '<meta property="og:image:alt" content="The pier at low tide">', "",
     ("https://isles.example.com/media/pier.jpg", "The pier at low tide", None)),
    (ld('{"@type": "NewsArticle", "image": [{"@type": "ImageObject", "url": '
        '"https://cdn.example.com/pier.jpg", "caption": "The pier", "copyrightHolder": '
        '{"name": "Ro Lund"}}]}'), "", ("https://cdn.example.com/pier.jpg", "The pier", "Ro Lund")),
    ("", '<figure><img src="/media/pier.jpg"><figcaption>The pier at low tide (Photo: Ro Lund)'
         "</figcaption></figure>",
     ("https://isles.example.com/media/pier.jpg", "The pier at low tide", "Ro Lund")),
])
def test_lead_image_with_caption_and_credit(head, top, image):
    a = parse_article(page(head, top), URL)
    assert (a.image_url, a.image_caption, a.image_credit) == image
    assert "Ro Lund" not in a.body_text and "low tide" not in a.body_text


# --- key points ----------------------------------------------------------------------

@pytest.mark.parametrize("box_class", ["key-takeaways", "story-highlights", "tldr"])
def test_key_points_box(box_class):
    top = (f'<div class="{box_class}"><ul><li>Fares rise ten percent</li>'
           "<li>Season tickets discounted</li></ul></div>")
    a = parse_article(page("", top), URL)
    assert a.key_points == ["Fares rise ten percent", "Season tickets discounted"]
    assert "Season tickets discounted" not in a.body_text


# --- what the body leaves out --------------------------------------------------------

@pytest.mark.parametrize("junk", [
    '<div aria-hidden="true">Hidden teaser text for screen readers only, not shown.</div>',
    "<div hidden>Hidden teaser text, not shown on the page at all.</div>",
    '<div style="display: none">Hidden teaser text, not shown on the page at all.</div>',
    "<noscript>Hidden teaser text: please enable scripts to see this page.</noscript>",
    "<template><p>Hidden teaser text in a template, never rendered.</p></template>",
    "<style>.teaser{color:red} /* Hidden teaser text */</style>",
    "<script>var teaser = 'Hidden teaser text';</script>",
    '<div class="cookie-consent">Hidden teaser text: we use cookies, accept them.</div>',
    '<div class="share-tools"><a href="#">Share</a> <a href="#">Tweet</a> Hidden teaser text</div>',
    '<div class="newsletter-box"><p>Hidden teaser text: get our newsletter every morning, '
    "free.</p></div>",
    '<ul class="related-articles"><li><a href="/1">Hidden teaser text about the pier</a></li>'
    '<li><a href="/2">Another story about the harbour</a></li></ul>',
    '<div id="comments"><p>Hidden teaser text: great article, thanks for writing it, I '
    "agree with every word of it.</p></div>",
])
def test_body_leaves_out_furniture(junk):
    body = STORY.replace("</p>", "</p>" + junk, 1)
    a = parse_article(page(body=body), URL)
    assert "Hidden teaser text" not in a.body_text
    assert len(a.paragraphs) == 3


def test_prose_in_a_negatively_classed_box_stays():
    """'media', 'meta', 'widget' in a class lower a box's score; a box that is all article
    prose stays in the body all the same (a lead paragraph wrapped with its photo)."""
    lead = ("<div class='lead-media'><p>Harbour (Isles Post) The island ferry "
            "will cost more from July, the operator said on Monday, in a short statement.</p>"
            "</div>")
    widget = "<div class='media-widget'><a href='/v/1'>Watch the video</a> 1:02</div>"
    a = parse_article(page(body=lead + widget + STORY), URL)
    assert a.paragraphs[0].startswith("Harbour (Isles Post) The island ferry")
    assert "Watch the video" not in a.body_text
    assert len(a.paragraphs) == 4
