"""Sanctions events: one row per target, actions, authorities, no false impositions."""

from __future__ import annotations

import pytest

from extractors.enrich import enrich_articles
from extractors.nlp.model import load_model
from extractors.records import ParsedArticle


@pytest.fixture(scope="module")
def nlp():
    return load_model()


def sanctions(nlp, *paragraphs: str):
    article = ParsedArticle(url="https://example.test/s", parse_status="ok", article_id="s1",
                            content_hash="h1", paragraphs=list(paragraphs),
                            body_text="\n\n".join(paragraphs))
    return next(enrich_articles([article], nlp=nlp)).sanctions


def test_three_targets_give_three_rows(nlp):
    rows = sanctions(nlp, "The US Treasury on Monday imposed sanctions on Arlo Venn, Mira "
                          "Castell and Northgate Shipping, accusing them of smuggling oil for "
                          "the regime.")
    assert [(r.action, r.authority_name, r.target_name) for r in rows] == [
        ("imposed", "United States Department of the Treasury", "Arlo Venn"),
        ("imposed", "United States Department of the Treasury", "Mira Castell"),
        ("imposed", "United States Department of the Treasury", "Northgate Shipping"),
    ]
    assert {r.reason for r in rows} == {"smuggling oil for the regime"}
    assert [r.sanction_index for r in rows] == [0, 1, 2]
    assert rows[0].target_type == "person" and rows[2].target_type == "organization"


@pytest.mark.parametrize("sentence", [
    "The European Union did not impose sanctions on Ivo Rask.",
    "Washington has never sanctioned Ivo Rask.",
    "Ministers refused to impose sanctions on Ivo Rask.",
])
def test_negation_is_no_event(nlp, sentence):
    assert sanctions(nlp, sentence) == []


@pytest.mark.parametrize("sentence", [
    "Brussels could impose sanctions on Lena Orlova, diplomats said.",
    "The G7 threatened to impose an oil embargo on Valdoria.",
    "Lena Orlova could face sanctions, the minister warned.",
])
def test_hypotheticals_and_threats_are_not_impositions(nlp, sentence):
    rows = sanctions(nlp, sentence)
    assert rows and all(r.action == "threatened" for r in rows)


def test_lifted_eased_and_called_for(nlp):
    rows = sanctions(nlp, "Britain lifted sanctions on the tanker Blue Heron.",
                     "The EU eased sanctions on Norland in March.",
                     "Lawmakers called for sanctions against Nadia Borel.")
    got = [(r.action, r.authority_name, r.target_name) for r in rows]
    assert got[0] == ("lifted", "United Kingdom", "Blue Heron")
    assert rows[0].target_type == "vessel"
    assert got[1] == ("eased", "European Union", "Norland")
    assert got[2][0] == "called_for" and got[2][2] == "Nadia Borel"
    assert got[2][1] is None  # lawmakers are not a sanctioning body


def test_spokesperson_is_not_the_authority(nlp):
    rows = sanctions(nlp, "A State Department spokesman said the department had frozen the "
                          "assets of Lutz Hamber under the Global Magnitsky Act.")
    assert len(rows) == 1
    r = rows[0]
    assert (r.action, r.authority_name, r.target_name) == (
        "imposed", "United States Department of State", "Lutz Hamber")
    assert (r.program, r.measure) == ("Global Magnitsky Act", "asset freeze")


def test_evidence_offsets(nlp):
    paragraphs = ("Talks failed.", "The G7 threatened to impose an oil embargo on Valdoria.")
    rows = sanctions(nlp, *paragraphs)
    body = "\n\n".join(paragraphs)
    assert rows[0].paragraph_index == 1
    assert body[rows[0].start_char:rows[0].end_char] == rows[0].evidence_text
    assert rows[0].measure == "oil embargo"
