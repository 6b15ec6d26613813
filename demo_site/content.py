"""Load the demo articles and the entity registry from YAML.

Each article file (articles/<site>/<slug>.yml) holds what a newsroom CMS would hold
(headline, authors, dates, body) plus its gold quotes and sanctions. Entities are not
listed per article: the registry (entities.yml) names every person, organisation, place
and vessel once, and gold.py finds which of them each body mentions, so a canonical name
is spelled the same way in every article.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ARTICLES_DIR = HERE / "articles"
REGISTRY_FILE = HERE / "entities.yml"


@dataclass(frozen=True)
class SiteInfo:
    name: str
    display_name: str
    charset: str  # the old site still serves windows-1252, as such sites do


SITES = {
    "capital-wire": SiteInfo("capital-wire", "Capital Wire", "utf-8"),
    "harbour-times": SiteInfo("harbour-times", "The Harbour Times", "utf-8"),
    "old-gazette": SiteInfo("old-gazette", "The Old Gazette", "windows-1252"),
}

# Body markup, one block per blank-line-separated chunk: "## " a subheading, "> " a block
# quote, anything else a paragraph. Inside a block, [text](/path) is a link.
HEADING_PREFIX = "## "
BLOCKQUOTE_PREFIX = "> "
LINK_RE = re.compile(r"\[([^\]]+)\]\((/[^)\s]*)\)")


@dataclass(frozen=True)
class Block:
    kind: str  # p | h2 | blockquote
    source: str  # the text with [link](/path) markup

    @property
    def text(self) -> str:
        """What a reader sees: links reduced to their text, whitespace collapsed."""
        return " ".join(LINK_RE.sub(r"\1", self.source).split())

    def html(self, base_url: str) -> str:
        """Escaped inner HTML with links made absolute."""
        escaped = html.escape(" ".join(self.source.split()), quote=False)
        return LINK_RE.sub(lambda m: f'<a href="{base_url}{m.group(2)}">{m.group(1)}</a>', escaped)


@dataclass
class Article:
    site: str
    slug: str
    title: str
    description: str
    authors: list[str]
    published: datetime
    modified: datetime
    blocks: list[Block]
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    agency: str | None = None  # credited in the byline only, never in the body
    image: dict | None = None  # {caption, credit}
    key_points: list[str] = field(default_factory=list)
    comments: list[dict] = field(default_factory=list)
    json_ld_body: bool = False  # capital-wire: put articleBody in JSON-LD on a few pages
    story_id: int | None = None  # old-gazette numbers its stories
    quotes: list[dict] = field(default_factory=list)
    sanctions: list[dict] = field(default_factory=list)
    roles: dict = field(default_factory=dict)  # per-article role overrides for the gold

    @property
    def path(self) -> str:
        day = self.published.strftime("%Y/%m/%d")
        if self.site == "old-gazette":
            return f"/old-gazette/archive/{day}/story-{self.story_id}.html"
        return f"/{self.site}/{day}/{self.slug}.html"

    @property
    def paragraphs(self) -> list[str]:
        return [b.text for b in self.blocks]


def parse_body(text: str) -> list[Block]:
    blocks = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        chunk = chunk.strip()
        if chunk.startswith(HEADING_PREFIX):
            blocks.append(Block("h2", chunk[len(HEADING_PREFIX):]))
        elif chunk.startswith(BLOCKQUOTE_PREFIX):
            blocks.append(Block("blockquote", chunk[len(BLOCKQUOTE_PREFIX):]))
        else:
            blocks.append(Block("p", chunk))
    return blocks


def _datetime(value) -> datetime:
    # YAML gives a datetime for unquoted timestamps; either way it must carry an offset.
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp without an offset: {value!r}")
    return parsed


def _read(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _article(site: str, raw: dict) -> Article:
    if "syndicated_from" in raw:  # a wire story: same copy and gold, this site's metadata
        raw = {**_read(ARTICLES_DIR / f"{raw['syndicated_from']}.yml"), **raw}
        raw.pop("syndicated_from")
    published = _datetime(raw.pop("published"))
    modified = _datetime(raw.pop("modified", published))
    blocks = parse_body(raw.pop("body"))
    return Article(site=site, published=published, modified=modified, blocks=blocks, **raw)


@cache
def load_articles() -> tuple[Article, ...]:
    """Every article, newest first within each site (the order feeds list them)."""
    articles = []
    for site in SITES:
        site_articles = [
            _article(site, _read(path)) for path in sorted((ARTICLES_DIR / site).glob("*.yml"))
        ]
        site_articles.sort(key=lambda a: a.published.astimezone(UTC), reverse=True)
        articles.extend(site_articles)
    return tuple(articles)


@cache
def load_registry() -> dict[str, dict]:
    """Canonical name -> {type, aliases, role, role_country, country, parent}."""
    return _read(REGISTRY_FILE)
