"""Gold annotations for the demo articles: what the parser and the NLP stage should find.

load_gold() returns one dict per article page (homepages, feeds and the robots-disallowed
draft are not articles):

    site, path, title, authors, published_at (ISO 8601, normalised to UTC), section,
    key_points, body_paragraphs   # as a reader sees them; subheadings and block quotes
                                  # are paragraphs of their own; no captions, no key points
    entities:  [{name, type, aliases, role, role_country}]
    quotes:    [{text, speaker, cue, direct, fragment}]
    sanctions: [{action, authority, authority_aliases, target, target_aliases, target_type,
                 target_role, target_country, reason, program, measure}]

Conventions:
- entities are every registry entry (entities.yml) whose name or an alias occurs in the
  body, longest spelling first so "US Treasury" is the Treasury, not the United States.
  aliases are the other spellings this article uses. Vessels are sanction targets, not
  entities (the entity types are person, organization, location, group); demonyms
  ("Valdorian") and bylines/credits outside the body are not entities.
- quote text is exactly what stands between the quote marks (a trailing comma that
  stands for a full stop dropped), or for reported speech the reported clause as written.
  A quote broken by its attribution, or running over two paragraphs, is one entry per
  piece, same speaker. Scare quotes with no speaker are not quotes.
- sanctions list real events only: "did not impose", "could face sanctions" are absent.
  One entry per target. authority is the body that acts (e.g. "United States Department
  of the Treasury"); authority_aliases adds its spellings in this article and the
  canonical names of the bodies it belongs to (e.g. "United States").

`python -m demo_site.gold` writes the same list to demo_site/gold.json for `make eval`.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from datetime import UTC

from demo_site.content import HERE, Article, load_articles, load_registry

GOLD_JSON = HERE / "gold.json"
ENTITY_TYPES = {"person", "organization", "location", "group"}
SANCTION_ACTIONS = {"imposed", "lifted", "threatened", "extended", "called_for", "eased"}


def find_mentions(paragraphs: list[str], registry: dict) -> dict[str, set[str]]:
    """Canonical name -> the spellings of it found in the paragraphs."""
    spellings = sorted(
        ((alias, name) for name, entry in registry.items()
         for alias in [name, *entry.get("aliases", [])]),
        key=lambda pair: -len(pair[0]),
    )
    found: dict[str, set[str]] = defaultdict(set)
    for paragraph in paragraphs:
        taken = [False] * len(paragraph)
        for alias, name in spellings:
            for match in re.finditer(rf"(?<!\w){re.escape(alias)}(?!\w)", paragraph):
                if not any(taken[match.start():match.end()]):
                    taken[match.start():match.end()] = [True] * len(alias)
                    found[name].add(alias)
    return found


def _ancestors(name: str, registry: dict) -> list[str]:
    chain = []
    while (parent := registry[name].get("parent")) is not None:
        chain.append(parent)
        name = parent
    return chain


def _entity(name: str, spellings: set[str], registry: dict, roles: dict) -> dict:
    entry = {**registry[name], **roles.get(name, {})}
    return {"name": name, "type": entry["type"], "aliases": sorted(spellings - {name}),
            "role": entry.get("role"), "role_country": entry.get("role_country")}


QUOTE_KEYS = {"text", "speaker", "cue", "direct", "fragment"}
SANCTION_KEYS = {"action", "authority", "target", "target_type", "target_role",
                 "target_country", "reason", "program", "measure"}


def _checked(raw: dict, known: set[str]) -> dict:
    # An unquoted comma in a YAML flow mapping silently makes a new key; refuse it.
    if set(raw) - known:
        raise ValueError(f"unknown gold key(s) {sorted(set(raw) - known)} in {raw}")
    return raw


def _quote(raw: dict) -> dict:
    _checked(raw, QUOTE_KEYS)
    return {"text": raw["text"], "speaker": raw.get("speaker"), "cue": raw.get("cue"),
            "direct": raw.get("direct", True), "fragment": raw.get("fragment", False)}


def _sanction(raw: dict, found: dict, registry: dict) -> dict:
    _checked(raw, SANCTION_KEYS)
    authority, target = raw["authority"], raw["target"]
    target_entry = registry[target]
    ancestors = _ancestors(authority, registry)
    authority_aliases = set(found.get(authority, set())) | set(ancestors)
    for parent in ancestors:
        authority_aliases |= found.get(parent, set())
    default_country = target_entry.get("role_country") or target_entry.get("country")
    return {
        "action": raw["action"],
        "authority": authority,
        "authority_aliases": sorted(authority_aliases - {authority}),
        "target": target,
        "target_aliases": sorted(found.get(target, set()) - {target}),
        "target_type": raw.get("target_type", target_entry["type"]),
        "target_role": raw.get("target_role", target_entry.get("role")),
        "target_country": raw.get("target_country", default_country),
        "reason": raw.get("reason"),
        "program": raw.get("program"),
        "measure": raw.get("measure"),
    }


def article_gold(article: Article, registry: dict) -> dict:
    found = find_mentions(article.paragraphs, registry)
    return {
        "site": article.site,
        "path": article.path,
        "title": article.title,
        "authors": list(article.authors),
        "published_at": article.published.astimezone(UTC).isoformat(),
        "section": article.section,
        "key_points": list(article.key_points),
        "body_paragraphs": article.paragraphs,
        "entities": [_entity(name, found[name], registry, article.roles)
                     for name in sorted(found) if registry[name]["type"] in ENTITY_TYPES],
        "quotes": [_quote(q) for q in article.quotes],
        "sanctions": [_sanction(s, found, registry) for s in article.sanctions],
    }


def load_gold() -> list[dict]:
    registry = load_registry()
    return [article_gold(a, registry) for a in load_articles()]


def gold_json() -> str:
    return json.dumps(load_gold(), ensure_ascii=False, indent=1) + "\n"


if __name__ == "__main__":
    GOLD_JSON.write_text(gold_json(), encoding="utf-8")
    print(f"wrote {len(load_gold())} articles to {GOLD_JSON}", file=sys.stderr)
