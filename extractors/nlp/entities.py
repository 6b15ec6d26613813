"""Entity mentions from spaCy NER, cleaned and resolved within one article.

NER gives spans and labels; this module fixes what analysts would otherwise count wrong:
titles folded into names, titles tagged as organisations ("State", "Supreme"), wire
agencies tagged as people, country spellings, and short forms ("Marsh" for "Helen
Marsh", "the minister" for the one minister in the story).
"""

from __future__ import annotations

import re

from extractors.nlp import aliases, roles
from extractors.nlp.text import Mention, Unit

LABEL_TYPES = {"PERSON": "person", "ORG": "organization", "GPE": "location",
               "LOC": "location", "NORP": "group", "FAC": "location"}
# NORP is mostly adjectives ("Russian oligarch"); keep only plural groups ("Houthis").
GROUP_TAGS = {"NNPS", "NNS"}
TRIM_CHARS = " \t\n.,;:!?\"'“”‘’()[]-–—"
POSSESSIVE_RE = re.compile(r"(?:'s|’s|'|’)$")
# A role noun used on its own: "the minister said". Resolved only when one person fits.
ROLE_ANAPHOR_RE = re.compile(r"\b[Tt]he (?:(?:former|deputy|acting|foreign|interior|prime|"
                             r"finance|defen[cs]e) )?([a-z-]+)\b")


FINITE_VERB_TAGS = {"VBD", "VBZ", "VBP"}
ABBREVIATION_RE = re.compile(r"(?:\b[A-Z]\.)+$")  # keep the last dot of "U.S."


def _clean(text: str) -> str:
    core = POSSESSIVE_RE.sub("", text.strip(TRIM_CHARS)).strip(TRIM_CHARS)
    if core and ABBREVIATION_RE.search(core + ".") and text.find(core + ".") >= 0:
        return core + "."
    return core


def _is_title_only(span) -> bool:
    words = [t for t in span if not t.is_punct and t.lower_ != "the"]
    return all(roles.is_role_word(t) or t.lower_ in {"of", "and"} for t in words)


def _before_verb(ent):
    """The small model sometimes runs a name into the next clause ("Office of Foreign
    Assets Control designated Sand"): the entity ends before its first finite verb."""
    verb = next((t.i for t in ent if t.tag_ in FINITE_VERB_TAGS), None)
    return ent if verb is None else ent.doc[ent.start:verb]


def raw_mentions(units: list[Unit]) -> list[Mention]:
    """Mentions in text order, with roles split off and types fixed (not yet resolved)."""
    found: list[Mention] = []
    last_country: str | None = None
    for ui, unit in enumerate(units):
        doc = unit.doc
        for ent in map(_before_verb, doc.ents):
            kind = LABEL_TYPES.get(ent.label_)
            if kind is None or not len(ent):
                continue
            start_tok, role, role_country, gender = ent.start, None, None, None
            if kind == "organization":  # "Secretary of State Martin Hale" tagged ORG
                split = roles.split_title(doc, ent.start, ent.end, last_country)
                if split[1] is not None and split[0] < ent.end and doc[split[0]].is_title \
                        and doc[ent.end - 1].pos_ == "PROPN":
                    kind = "person"
            if kind == "person":
                start_tok, role, role_country, gender = roles.split_title(
                    doc, ent.start, ent.end, last_country)
            span = doc[start_tok:ent.end]
            text = _clean(span.text)
            if not text or not any(c.isalpha() for c in text):
                continue
            key = aliases.alias_key(text)
            if key in aliases.NEWS_AGENCIES:
                kind = "organization"
                canonical = aliases.NEWS_AGENCIES[key]
            elif kind == "group" and ent.root.tag_ not in GROUP_TAGS:
                continue
            elif _is_title_only(span):
                continue  # "State", "Supreme", "Foreign Secretary" are titles, not bodies
            elif kind == "person" and (aliases.canonical_country(text)
                                       or aliases.canonical_org(text)):
                kind = "location" if aliases.canonical_country(text) else "organization"
                canonical = aliases.canonical_name(text)
            else:
                # tidied for people too: a name never begins with "the", and when the NER
                # takes a ship for a person ("the Aurora Star"), the ship's name is without it
                canonical = aliases.canonical_name(text)
            # keep the offsets of the cleaned text inside the span
            lead = span.text.find(text)
            start = unit.offset + span.start_char + max(lead, 0)
            if kind == "location" and aliases.canonical_country(text):
                last_country = aliases.canonical_country(text)
            found.append(Mention(text=text, canonical=canonical, kind=kind, unit=ui,
                                 start=start, end=start + len(text), role=role,
                                 role_country=role_country, gender=gender))
    return found


def resolve_people(mentions: list[Mention]) -> None:
    """Short person names -> the full name used in this article, in place.

    "Marsh" resolves when exactly one longer name in the article ends (or starts) with it.
    Roles and genders are shared by every mention of one person.
    """
    _retype_people(mentions)
    people = [m for m in mentions if m.kind == "person"]
    full = {}
    for m in people:
        if " " in m.canonical:
            full.setdefault(m.canonical, m)
    for m in people:
        if " " in m.canonical:
            continue
        word = m.canonical.lower()
        hits = {name for name in full
                if name.lower().split()[-1] == word or name.lower().split()[0] == word}
        if len(hits) == 1:
            m.canonical = hits.pop()
    by_name: dict[str, list[Mention]] = {}
    for m in people:
        by_name.setdefault(m.canonical, []).append(m)
    for group in by_name.values():
        role = next((m for m in group if m.role), None)
        gender = next((m.gender for m in group if m.gender), None)
        for m in group:
            m.gender = gender
            if role is not None and m.role is None:
                m.extra["role_from_earlier"] = True
            if role is not None:
                m.role = m.role or role.role
                m.role_country = m.role_country or role.role_country


def _retype_people(mentions: list[Mention]) -> None:
    """The small model tags one name PERSON here and ORG there: a name that is a person
    anywhere in the article (or carries a role) is a person everywhere in it."""
    people = {m.canonical for m in mentions if m.kind == "person"}
    words = {}
    for name in people:
        for w in (name.split()[0], name.split()[-1]):
            words.setdefault(w, set()).add(name)
    for m in mentions:
        if m.kind not in {"organization", "location"} or aliases.is_known_place(m.text) \
                or aliases.canonical_org(m.text):
            continue
        if m.canonical in people or len(words.get(m.canonical, ())) == 1:
            m.kind = "person"


def resolve_role_countries(mentions: list[Mention]) -> None:
    """ "Norlandic" -> "Norland" when the article names such a place (prefix of the word)."""
    places = {m.canonical for m in mentions if m.kind == "location"}
    for m in mentions:
        rc = m.role_country
        if not rc or rc in places or aliases.canonical_country(rc):
            continue
        stems = [p for p in places if len(p) >= 4 and rc.lower().startswith(p.lower()[:-1])]
        if len(stems) == 1:
            m.role_country = stems[0]


def resolve_acronyms(mentions: list[Mention]) -> None:
    """ "IAEA" -> "International Atomic Energy Agency" when the long form is in the story."""
    longs = {"".join(w[0] for w in m.canonical.split() if w[0].isupper()): m.canonical
             for m in mentions if m.kind == "organization" and " " in m.canonical}
    for m in mentions:
        if m.kind == "organization" and m.canonical.isupper() and m.canonical in longs:
            m.canonical = longs[m.canonical]


def role_anaphors(units: list[Unit], mentions: list[Mention]) -> list[Mention]:
    """ "the minister" -> the one person in the story whose role ends in "minister"."""
    people = [m for m in mentions if m.kind == "person" and m.role]
    if not people:
        return []
    found = []
    for ui, unit in enumerate(units):
        for match in ROLE_ANAPHOR_RE.finditer(unit.text):
            head = match.group(1)
            if head not in roles.ROLE_HEADS:
                continue
            start = unit.offset + match.start()
            after = unit.text[match.end():match.end() + 2]
            if after[:1] == " " and after[1:2].isupper():
                continue  # "the minister Omar Tahiri": NER has the name
            names = {m.canonical for m in people
                     if m.start < start and m.role.lower().split()[-1] == head}
            if len(names) == 1:
                owner = next(m for m in people if m.canonical in names)
                found.append(Mention(text=match.group(0), canonical=names.pop(),
                                     kind="person", unit=ui, start=start,
                                     end=unit.offset + match.end(), role=owner.role,
                                     role_country=owner.role_country, gender=owner.gender))
    return found


def extract_mentions(units: list[Unit]) -> list[Mention]:
    mentions = raw_mentions(units)
    resolve_people(mentions)
    resolve_role_countries(mentions)
    resolve_acronyms(mentions)
    mentions += role_anaphors(units, mentions)
    mentions.sort(key=lambda m: m.start)
    return mentions
