"""Sanctions events: one row per target, actions, authorities, no false impositions."""

from __future__ import annotations

import pytest

from tests import nlp_fixtures
from tests.nlp_fixtures import enrich

nlp = nlp_fixtures.nlp  # the shared fixture


def sanctions(nlp, *paragraphs: str):
    return enrich(nlp, *paragraphs).sanctions


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
    # the condition hangs from its own clause, not from the verb
    "Germany said it would impose sanctions on Lena Orlova if her troops crossed the border.",
    "Britain will freeze the assets of Lena Orlova unless the raids stop.",
])
def test_hypotheticals_and_threats_are_not_impositions(nlp, sentence):
    rows = sanctions(nlp, sentence)
    assert rows and all(r.action == "threatened" for r in rows)


def test_lifted_eased_and_called_for(nlp):
    rows = sanctions(nlp, "Britain lifted sanctions on the tanker Blue Heron.",
                     "The EU eased sanctions on Norland in March.")
    got = [(r.action, r.authority_name, r.target_name) for r in rows]
    assert got == [("lifted", "United Kingdom", "Blue Heron"),
                   ("eased", "European Union", "Norland")]
    assert rows[0].target_type == "vessel"
    rows = sanctions(nlp, "Lawmakers called for sanctions against Nadia Borel.")
    # lawmakers are not a sanctioning body, and no body acted earlier in the story
    assert [(r.action, r.authority_name, r.target_name) for r in rows] == [
        ("called_for", None, "Nadia Borel")]


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


NEW_STORIES = {  # rule: (paragraphs, expected rows)
    "a nominal action: the lifting of sanctions": (
        ("Dock workers hoped the lifting of American sanctions on the Norland Export Bank "
         "would bring back jobs.",),
        [("lifted", "United States", "Norland Export Bank")]),
    "the target of sanctions": (
        ("Ivo Rask, himself the target of British sanctions, praised the decision.",),
        [("imposed", "United Kingdom", "Ivo Rask")]),
    "a call by people who are no body is a call on the story's body": (
        ("The European Union extended its sanctions on Norland.",
         "Several member states have argued for sanctions on Ivo Rask, the army chief."),
        [("extended", "European Union", "Norland"),
         ("called_for", "European Union", "Ivo Rask")]),
    "the caller is not the authority; 'them' is the people just named": (
        ("A rights group called on Britain and the United States to act.",
         "Its report named Judge Lena Orlova and Judge Ivo Rask, and urged governments to "
         "impose sanctions on them."),
        [("called_for", "United Kingdom", "Lena Orlova"),
         ("called_for", "United Kingdom", "Ivo Rask")]),
    "a ministry announcing speaks for its government": (
        ("Britain on Tuesday imposed sanctions on Ivo Rask.",
         "The Foreign Office said Lena Orlova would be subject to an asset freeze."),
        [("imposed", "United Kingdom", "Ivo Rask"),
         ("imposed", "United Kingdom", "Lena Orlova")]),
    "a concession clause is not under the main clause's 'not'": (
        ("Britain announced an asset freeze on Ivo Rask on Tuesday.",
         "The United States has not sanctioned him, although State Department officials "
         "have said that he could face U.S. measures."),
        [("imposed", "United Kingdom", "Ivo Rask"),
         ("threatened", "United States Department of State", "Ivo Rask")]),
    "a nationality adjective names the country when no body is named": (
        ("Norland said it would expel French diplomats in retaliation for sanctions "
         "imposed last month on Deputy Minister Ivo Rask.",),
        [("imposed", "France", "Ivo Rask")]),
    "the target's own nationality is not the authority": (
        ("Sanctions were imposed last month on the Russian banker Ivo Rask.",),
        [("imposed", None, "Ivo Rask")]),
    "warned X that it could face: the pronoun is the one warned, the government that "
    "of the country named before, not the warning one": (
        ("Riots spread across Belarus this week as Germany warned the government that it "
         "could face sanctions unless arrests stopped.",),
        [("threatened", "Germany", "Belarus")]),
    "the government an article's institutions belong to is the one called on": (
        ("Senators on Monday called on the government to impose sanctions on Norland's "
         "President Ivo Rask, a day after ministers announced a travel ban on his defence "
         "minister.",
         "The White House said Defence Minister Lena Orlova had been told of the ban."),
        [("called_for", "United States", "Ivo Rask"),
         ("imposed", "United States", "Lena Orlova")]),
    "institutions of two countries name no home government": (
        ("Senators called on the government to impose sanctions on Ivo Rask.",
         "The White House and Downing Street declined to comment."),
        [("called_for", None, "Ivo Rask")]),
    "a conjoined clause with its own subject is its own event": (
        ("Britain froze the assets of Lena Orlova, and lawmakers urged sanctions on "
         "Ivo Rask.",),
        [("imposed", "United Kingdom", "Lena Orlova"),
         ("called_for", "United Kingdom", "Ivo Rask")]),
    "'ready to act against him' after a sanctions sentence is a threat; 'him' is a "
    "person, not the company just sanctioned": (
        ("Germany has frozen the assets of Ostwind Logistics, a firm owned by the brother "
         "of General Peter Hansen. The sanctions do not cover Hansen himself. Officials said "
         "Germany was ready to act against him within days.",),
        [("imposed", "Germany", "Ostwind Logistics"),
         ("threatened", "Germany", "Peter Hansen")]),
    "'acted against' with no sanctions sentence before is no event": (
        ("Germany was ready to act against General Ivo Rask, officials said.",),
        []),
    "'he' is the subject of the sentence before": (
        ("General Peter Hansen, who serves under President Lena Orlova, is accused of "
         "ordering the raids. He could face sanctions from the European Union if the raids "
         "continue.",),
        [("threatened", "European Union", "Peter Hansen")]),
    "in a sanctions story, a package aimed at X that is ready is a threat": (
        ("Canada renewed its sanctions on Belarus on Monday.",
         "Diplomats said a second package aimed at Belarus's state banks was ready."),
        [("extended", "Canada", "Belarus"), ("threatened", "Canada", "Belarus")]),
    "a package in a story with no sanctions is no sanctions word": (
        ("Diplomats said a second package aimed at Belarus's state banks was ready.",),
        []),
    "delayed identification: 'him' is the described chief, named in the next paragraph": (
        ("German Chancellor Anna Weber condemned the threats made by Norland's army chief "
         "and said Germany would impose sanctions on him if his troops crossed the border.",
         "General Peter Hansen said on Friday that his army was only training."),
        [("threatened", "Germany", "Peter Hansen")]),
    "a chief named in apposition is no delayed identification": (
        ("Norland's army chief, Peter Hansen, dismissed the sanctions imposed on him.",
         "General Hans Keller said on Friday that his army was only training."),
        []),
    "sanctions on a bloc's goods target the bloc": (
        ("Norland threatened to impose sanctions on European food imports.",),
        [("threatened", "Norland", "European Union")]),
}


@pytest.mark.parametrize("rule", NEW_STORIES)
def test_more_story_rules(nlp, rule):
    paragraphs, expected = NEW_STORIES[rule]
    assert got(sanctions(nlp, *paragraphs)) == expected
