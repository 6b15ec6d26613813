"""Titles and roles in front of (or inside) a person's name.

"Foreign Secretary Helen Marsh", "Iranian Interior Minister Omar Tahiri", "the country's
former intelligence chief Viktor Sand": the title words go to `role`, the country (from a
demonym, a possessive, or "the country's" = the last country named) to `role_country`,
and the name keeps only the name.
"""

from __future__ import annotations

from extractors.nlp import aliases

# A role needs one head word; modifiers only count in front of a head.
ROLE_HEADS = frozenset("""
minister secretary president vice-president premier chancellor chief director general
admiral commander colonel lieutenant major captain governor senator ambassador spokesman
spokeswoman spokesperson envoy official leader chairman chairwoman chair ceo king queen
prince princess emir sheikh judge prosecutor mayor speaker representative adviser advisor
head diplomat negotiator attorney lawyer founder executive officer deputy candidate nominee
oligarch businessman businesswoman tycoon magnate commissioner administrator lawmaker
secretary-general regulator inspector coordinator analyst economist researcher professor
rep sen gov gen pres sec
""".split())
ROLE_MODIFIERS = frozenset("""
former deputy acting foreign interior home defence defense finance prime vice first
senior top intelligence army military security state trade justice energy economy economic
health national treasury assistant under chief executive supreme opposition police
navy naval air force central bank party campaign press white house cabinet special
""".split())
ROLE_WORDS = ROLE_HEADS | ROLE_MODIFIERS
# Honorifics are dropped from names; they also tell us which pronoun fits.
HONORIFICS = {"mr": "m", "mrs": "f", "ms": "f", "miss": "f", "dr": None, "sir": "m",
              "dame": "f", "lord": "m", "lady": "f", "mx": None, "prof": None}
# "the country's former intelligence chief": the country is the last one named.
ANAPHORIC_OWNERS = frozenset({"country", "nation", "kingdom", "republic", "its", "state"})
MAX_ROLE_TOKENS = 6


def norm(word: str) -> str:
    return word.lower().rstrip(".")


def is_role_word(tok) -> bool:
    return norm(tok.text) in ROLE_WORDS


def honorific_gender(tok) -> tuple[bool, str | None]:
    key = norm(tok.text)
    return key in HONORIFICS, HONORIFICS.get(key)


def split_title(doc, start: int, end: int, last_country: str | None):
    """Token range [start, end) of a PERSON entity -> (name_start, role, role_country, gender).

    Looks at title words inside the entity's left edge and in front of it.
    """
    gender = None
    name_start = start
    # inside the entity: "Foreign Secretary Helen Marsh" tagged as one PERSON
    while name_start < end - 1:
        tok = doc[name_start]
        is_hon, g = honorific_gender(tok)
        if is_hon:
            gender = gender or g
        elif not (is_role_word(tok) or aliases.DEMONYMS.get(norm(tok.text))):
            break
        name_start += 1
    # in front of the entity: walk left over title words, "of", demonyms and countries
    left = start
    while left > 0 and start - left < MAX_ROLE_TOKENS:
        tok = doc[left - 1]
        is_hon, g = honorific_gender(tok)
        if is_hon:
            gender = gender or g
            left -= 1
            continue
        if tok.is_punct or tok.is_space or tok.pos_ in {"DET", "VERB", "AUX", "ADP"} \
                and norm(tok.text) != "of":
            break
        if tok.ent_type_ in {"PERSON", "ORG", "FAC", "DATE"} and not is_role_word(tok):
            break  # another name: "Omar Tahiri of Norland" is no title of Norland's
        if not (is_role_word(tok) or (tok.is_title and tok.pos_ in {"PROPN", "ADJ", "NOUN"})
                or norm(tok.text) == "of"):
            break
        left -= 1
    words = [t for t in doc[left:name_start] if norm(t.text) not in HONORIFICS]
    # the chain must hold a head word, else "Labour's John Smith" would get role "Labour"
    while words and norm(words[0].text) == "of":
        words = words[1:]
    if not any(norm(t.text) in ROLE_HEADS for t in words):
        return name_start, None, None, gender
    country = None
    if words and (_country_of(words[0].text) or words[0].ent_type_ in {"NORP", "GPE"}):
        # a demonym or country we do not list ("Norlandic") is kept as written; entities
        # maps it onto a place named in the article
        country = _country_of(words[0].text) or words[0].text
        words = words[1:]
    if country is None:
        country = _owner_country(doc, words[0].i if words else start, last_country)
    role = " ".join(t.text for t in words).strip() or None
    return name_start, role, country, gender


def _country_of(word: str) -> str | None:
    return aliases.DEMONYMS.get(norm(word)) or aliases.canonical_country(word)


def _owner_country(doc, first: int, last_country: str | None) -> str | None:
    """ "Iran's foreign minister" / "the country's former chief" -> the owner country."""
    if first < 2 or doc[first - 1].tag_ != "POS":
        return _country_of(doc[first - 1].text) if first >= 1 else None
    owner = doc[first - 2]
    if norm(owner.text) in ANAPHORIC_OWNERS:
        return last_country
    # "the United States' ..." / "Iran's ..." : the owner may be several tokens
    ent = next((e for e in doc.ents if e.start <= owner.i < e.end), None)
    found = _country_of(ent.text if ent is not None else owner.text)
    if found is None and ent is not None and ent.label_ in {"GPE", "NORP"}:
        return aliases.canonical_name(ent.text)
    return found
