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
    "No such sanctions have been imposed on any British company so far.",
    "The draft would have imposed a travel ban on Ivo Rask.",  # counterfactual
    # an unnamed group is no target an analyst can use
    "Washington imposed sanctions on three oil tankers on Friday.",
    "The EU already has asset freezes and travel bans on 54 officials.",
])
def test_negation_counterfactual_and_unnamed_targets_give_no_event(nlp, sentence):
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


def got(rows):
    return [(r.action, r.authority_name, r.target_name) for r in rows]


TREASURY = "United States Department of the Treasury"
STORIES = {  # rule: (paragraphs, expected (action, authority, target) rows)
    "definite nouns refer back": (
        ("Port police boarded the tanker Grey Gull at dawn.",
         "Britain imposed sanctions on the ship on Monday.",
         "The Norland Export Bank lends to the navy.",
         "America imposed sanctions on the bank in 2023."),
        [("imposed", "United Kingdom", "Grey Gull"),
         ("imposed", "United States", "Norland Export Bank")]),
    "pronouns carry authority and target": (
        ("The US Treasury on Tuesday sanctioned Ivo Rask. It also blacklisted Harbor Line "
         "Trading, a firm he controls.",
         "The United States lifted sanctions on Lena Orlova, a year after blacklisting her."),
        [("imposed", TREASURY, "Ivo Rask"), ("imposed", TREASURY, "Harbor Line Trading"),
         ("lifted", "United States", "Lena Orlova"),
         ("imposed", "United States", "Lena Orlova")]),
    "relative pronoun and adjective authorities": (
        ("The move follows steps by the United States, which sanctioned Ivo Rask in April.",
         "Lena Orlova, who was placed under British sanctions last year, left."),
        [("imposed", "United States", "Ivo Rask"), ("imposed", "United Kingdom", "Lena Orlova")]),
    "reported 'subject to' is an imposition by the story's authority": (
        ("Britain on Tuesday sanctioned Ivo Rask.",
         "Officials said Lena Orlova and the Norland Guard would be subject to an asset freeze "
         "and a travel ban."),
        [("imposed", "United Kingdom", "Ivo Rask"), ("imposed", "United Kingdom", "Lena Orlova"),
         ("imposed", "United Kingdom", "Norland Guard")]),
    "including, along with, added to a list": (
        ("The United States extended its sanctions programme against Norland, keeping asset "
         "freezes on 120 officials, including Ivo Rask.",
         "OFAC added the Grey Gull and the Blue Tern to its list of blocked property, along "
         "with Harbor Line Trading."),
        [("extended", "United States", "Norland"), ("extended", "United States", "Ivo Rask"),
         ("imposed", TREASURY, "Grey Gull"), ("imposed", TREASURY, "Blue Tern"),
         ("imposed", TREASURY, "Harbor Line Trading")]),
}


@pytest.mark.parametrize("rule", STORIES)
def test_story_rules(nlp, rule):
    paragraphs, expected = STORIES[rule]
    assert got(sanctions(nlp, *paragraphs)) == expected


def test_vessel_type_and_measure_are_kept(nlp):
    rows = sanctions(nlp, *STORIES["definite nouns refer back"][0])
    assert rows[0].target_type == "vessel"
    rows = sanctions(nlp, *STORIES["reported 'subject to' is an imposition by the story's "
                                   "authority"][0])
    assert rows[1].measure == "asset freeze"


def test_members_of_a_named_group_and_the_body_named_again(nlp):
    rows = sanctions(nlp, "The U.N. Security Council extended an arms embargo on Norland.",
                     "The council has also imposed a travel ban on four leaders of the Red "
                     "Hand Front.")
    assert got(rows)[1] == ("imposed", "United Nations Security Council", "Red Hand Front")


def test_called_for_names_the_body_asked_to_act(nlp):
    rows = sanctions(nlp, "A rights group called on the European Union to impose sanctions on "
                          "Judge Petra Lind.")
    assert got(rows) == [("called_for", "European Union", "Petra Lind")]
