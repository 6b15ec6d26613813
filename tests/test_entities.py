"""Entity mentions: roles split from names, short forms and aliases resolved per article."""

from __future__ import annotations

import pytest

from extractors.nlp import aliases
from tests import nlp_fixtures
from tests.nlp_fixtures import enrich

nlp = nlp_fixtures.nlp  # the shared fixture


ROLES_TEXT = (
    "Protests spread across Belarus on Sunday. The country's former intelligence chief "
    "Viktor Sand was arrested.",
    "Foreign Secretary Helen Marsh met Interior Minister Omar Tahiri in London.",
    "Marsh said the talks were difficult. The minister did not comment.",
)


def test_roles_are_split_from_names_with_their_country(nlp):
    result = enrich(nlp, *ROLES_TEXT)
    people = {m.mention_text: m for m in result.mentions if m.entity_type == "person"}
    assert people["Viktor Sand"].role == "former intelligence chief"
    assert people["Viktor Sand"].role_country == "Belarus"
    assert people["Helen Marsh"].role == "Foreign Secretary"
    assert people["Omar Tahiri"].role == "Interior Minister"
    assert not any("Secretary" in m.canonical_name or "Minister" in m.canonical_name
                   for m in result.mentions)


def test_short_forms_and_role_nouns_resolve_to_the_full_name(nlp):
    result = enrich(nlp, *ROLES_TEXT)
    by_text = {m.mention_text: m.canonical_name for m in result.mentions}
    assert by_text["Marsh"] == "Helen Marsh"
    assert by_text["The minister"] == "Omar Tahiri"


def test_offsets_point_into_body_text(nlp):
    result = enrich(nlp, *ROLES_TEXT)
    body = "\n\n".join(ROLES_TEXT)
    for m in result.mentions:
        assert body[m.start_char:m.end_char] == m.mention_text
        assert ROLES_TEXT[m.paragraph_index] in body
    assert [m.mention_index for m in result.mentions] == list(range(len(result.mentions)))


def test_country_and_body_aliases_are_canonical(nlp):
    result = enrich(nlp, "The U.S. and Britain joined the EU and the UN in condemning the "
                         "move, and the Treasury Department said it was watching.")
    canon = {m.mention_text: (m.canonical_name, m.entity_type) for m in result.mentions}
    assert canon["U.S."] == ("United States", "location")
    assert canon["Britain"] == ("United Kingdom", "location")
    assert canon["EU"] == ("European Union", "organization")
    assert canon["UN"] == ("United Nations", "organization")
    assert canon["the Treasury Department"] == ("United States Department of the Treasury",
                                                "organization")


@pytest.mark.parametrize("spelling, canonical", [
    ("U.S.", "United States"), ("US", "United States"), ("the United States", "United States"),
    ("America", "United States"), ("UK", "United Kingdom"), ("Britain", "United Kingdom"),
    ("United Kingdom", "United Kingdom"), ("EU", "European Union"), ("UN", "United Nations"),
    ("U.N. Security Council", "United Nations Security Council"),
    ("OFAC", "United States Department of the Treasury"),
    ("US Treasury", "United States Department of the Treasury"),
    ("Treasury Department", "United States Department of the Treasury"),
])
def test_alias_table(spelling, canonical):
    assert aliases.canonical_name(spelling) == canonical


def test_capitals_are_cities_unless_asked():
    assert aliases.canonical_name("Washington") == "Washington"
    assert aliases.canonical_name("Washington", allow_capital=True) == "United States"


def test_agencies_are_not_people_and_titles_are_not_organisations(nlp):
    result = enrich(nlp, "Reuters reported the arrest. Secretary of State Dana Whitfield "
                         "said the Supreme Court would rule.")
    kinds = {m.canonical_name: m.entity_type for m in result.mentions}
    assert kinds.get("Reuters") == "organization"
    assert "State" not in kinds and "Supreme" not in kinds
    assert not any(m.entity_type == "person" and m.canonical_name == "Reuters"
                   for m in result.mentions)


def test_entity_ends_before_a_finite_verb(nlp):
    from extractors.nlp.entities import _before_verb
    doc = nlp("The Office of Foreign Assets Control designated Sand on Monday.")
    ent = doc[1:8]  # the span the small model sometimes returns
    assert _before_verb(ent).text == "Office of Foreign Assets Control"
    assert _before_verb(doc[1:6]).text == "Office of Foreign Assets Control"


def test_a_person_name_never_keeps_a_leading_the(nlp):
    # The small model takes one tanker of the demo's list for a person; the canonical name
    # must still be the ship's ("Aurora Star"), as the sanctions gold names it.
    result = enrich(nlp, "OFAC added the Sea Lantern, the Aurora Star and the Polar Wren to "
                         "its list of blocked property.")
    names = {m.canonical_name for m in result.mentions}
    assert "Aurora Star" in names
    assert not [n for n in names if n.lower().startswith("the ")]
