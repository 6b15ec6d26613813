"""Plain data shared by the extractors: one model unit (a paragraph or a piece of one).

A Unit is what the model saw: `text` is body_text[offset:offset + len(text)], so a
character i in the unit is body_text[offset + i]. Long paragraphs are cut into several
units (see extractors.enrich), all with the paragraph's index.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Unit:
    paragraph_index: int
    offset: int  # start of text in ParsedArticle.body_text
    text: str
    doc: object = None  # the spaCy Doc for text
    starts_paragraph: bool = True
    ends_paragraph: bool = True


@dataclass
class Mention:
    """An entity mention before it becomes an EntityMention row (body offsets)."""

    text: str
    canonical: str
    kind: str  # person | organization | location | group
    unit: int  # index into the article's units
    start: int  # body_text offsets
    end: int
    role: str | None = None
    role_country: str | None = None
    gender: str | None = None  # "m"/"f" from an honorific, for pronoun speakers
    extra: dict = field(default_factory=dict)


def inflect(base: str) -> set[str]:
    """Regular English verb forms: say -> says, sayed, saying (irregulars listed apart)."""
    if base.endswith("e"):
        return {base, base + "s", base + "d", base[:-1] + "ing"}
    if base.endswith("y") and base[-2:-1] not in "aeiou":
        return {base, base[:-1] + "ies", base[:-1] + "ied", base + "ing"}
    plural = base + ("es" if base.endswith(("s", "sh", "ch", "x", "z")) else "s")
    return {base, plural, base + "ed", base + "ing"}


def forms(*bases: str, extra: tuple[str, ...] = ()) -> frozenset[str]:
    out: set[str] = set(extra)
    for base in bases:
        out |= inflect(base)
    return frozenset(out)
