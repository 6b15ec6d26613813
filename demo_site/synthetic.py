"""A synthetic news corpus of any size for the benchmark, served like the demo site.

    python -m demo_site.synthetic --articles 10000 --seed 7 [--edition 1] [--port 0]

Article n is generated from (seed, n) alone, so a corpus of 1,000 is the first 1,000 of
a corpus of 10,000, and two runs see the same bytes. Articles use the demo's three
publishers and templates (JSON-LD, OpenGraph-only, windows-1252 tables) and the demo's
entity registry: ~700-word bodies of reported and direct quotes, sanctions sentences,
subheadings and block quotes. Each site lists its articles in a sitemap index of Google
News sitemaps (1,000 URLs each, the Google News limit).

Edition 1 is the next day's site: 1% of the corpus has changed (half edited, with a later
lastmod; half new), so a second run measures the incremental cost.

Pages are rendered on request, not at start-up: 100,000 pages would not fit in memory
the way the demo's forty do.
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import cache

from demo_site.content import SITES, Article, Block, load_registry
from demo_site.render import (
    TEXT,
    XML,
    Resource,
    article_page,
    xml_resource,
)
from demo_site.serve import start_demo_server

NEWEST = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
SPACING = timedelta(minutes=23)  # between consecutive articles, newest first
SITEMAP_URLS = 1_000
CHURN_EVERY = 200  # edition 1 edits one article in 200 and adds as many: 1% in all
OFFSETS = {"capital-wire": timezone(timedelta(hours=-4)),
           "harbour-times": timezone(timedelta(hours=1)),
           "old-gazette": UTC}
SECTIONS = ("World", "Politics", "Business", "Shipping", "Markets")
AUTHORS = ("Daniel Osei", "Maria Lindqvist", "Tom Hale", "Priya Nair", "Jonas Weber",
           "Grace Mbeki", "Luis Ortega", "Hannah Cole")
AGENCIES = ("Reuters", "Associated Press", None, None, None)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
ACTIONS = (("imposed sanctions on", "asset freezes"), ("extended sanctions on", "travel bans"),
           ("lifted sanctions on", "an export ban"), ("froze the assets of", "asset freezes"),
           ("threatened sanctions against", "financial restrictions"))
REASONS = ("helping the military evade an arms embargo", "financing the repression of protests",
           "shipping oil in breach of the embargo", "laundering money for senior officials",
           "supplying drone parts to the army", "undermining democracy in the region")
CUES = ("said", "told reporters", "said in a statement", "told a news conference",
        "warned", "added")
CLAIMS = ("the measures would stay in place until the prisoners were released",
          "talks could resume as early as next month",
          "the government had no choice but to respond",
          "the decision had been taken after months of careful consideration",
          "ordinary people would bear the cost of the restrictions",
          "the evidence had been shared with allies in {place}",
          "further steps were being prepared against companies in {place}",
          "the ministry would challenge the listing in court",
          "shipping insurers had already begun to withdraw cover",
          "the central bank had enough reserves to weather the pressure")
QUOTES = ("We will not stand by while {place} ignores its obligations",
          "This is a clear message to everyone who profits from the repression",
          "These sanctions are illegal and we will answer them",
          "Nobody should be surprised by what happened today",
          "The door to dialogue remains open, but the next step is theirs",
          "We have been warning about these shipments for more than a year",
          "Our members cannot trade in this uncertainty for much longer",
          "The law applies to everyone, however powerful they are")
CONTEXT = ("Officials in {place} have repeatedly denied the allegations.",
           "Trade between {place} and {other} fell by a third last year, official figures show.",
           "The {org} did not respond to a request for comment.",
           "Diplomats in {city} said the list had been agreed after weeks of negotiation.",
           "Analysts said the move was largely symbolic but could deter foreign investors.",
           "The vessel {vessel} was last tracked off {place} in early May.",
           "Shares in companies with exposure to {place} fell sharply on the news.",
           "The {org} has been under scrutiny since an investigation published in March.",
           "Opposition lawmakers in {place} called for an independent inquiry.",
           "Talks in {city} are due to resume at the end of the month.",
           "Prices of grain and fuel in {place} have risen steadily since the spring.",
           "The government of {place} has until the end of the year to respond.")
HEADINGS = ("A long dispute", "What happens next", "Reaction abroad", "Pressure builds",
            "Questions for investors")


@dataclass(frozen=True)
class Cast:
    """The registry's entities by kind: who can speak, act, be targeted or be a place."""

    people: tuple[tuple[str, str], ...]  # (name, role)
    authorities: tuple[str, ...]  # governments' departments and international bodies
    organizations: tuple[str, ...]  # everything else: companies, groups, NGOs
    places: tuple[str, ...]
    vessels: tuple[str, ...]


@cache
def cast() -> Cast:
    registry = load_registry()

    def of(kind: str) -> tuple[str, ...]:
        return tuple(name for name, e in registry.items() if e.get("type") == kind)

    people = tuple((n, registry[n].get("role") or "official") for n in of("person"))
    authorities = tuple(n for n in of("organization") if "country" not in registry[n])
    others = tuple(n for n in of("organization") if n not in authorities)
    return Cast(people, authorities, others, of("location"), of("vessel"))


@dataclass(frozen=True)
class Corpus:
    """Which article numbers a site edition has; article n's content depends on n only."""

    articles: int
    seed: int
    edition: int = 0

    @property
    def churn(self) -> int:
        return max(1, self.articles // CHURN_EVERY) if self.edition else 0

    def numbers(self) -> range:
        """Newest first: the added articles (numbers past the base corpus), then the rest."""
        return range(self.articles + self.churn - 1, -1, -1)

    def is_edited(self, n: int) -> bool:
        return bool(self.churn) and n < self.articles and n % (self.articles // self.churn) == 0


def _site(n: int) -> str:
    return tuple(SITES)[n % len(SITES)]


def _published(corpus: Corpus, n: int) -> datetime:
    # Added articles are newer than the whole base corpus, as tomorrow's news would be;
    # a base article's date (hence its URL) is the same in every edition.
    steps = n - corpus.articles + 1 if n >= corpus.articles else -n
    return (NEWEST + steps * SPACING).astimezone(OFFSETS[_site(n)])


def _modified(corpus: Corpus, n: int) -> datetime:
    published = _published(corpus, n)
    return published + timedelta(days=1) if corpus.is_edited(n) else published


def _slug(n: int) -> str:
    return f"{SECTIONS[n % len(SECTIONS)].lower()}-report-{n}"


def page_path(corpus: Corpus, n: int) -> str:
    """The same URL scheme as the demo articles (content.Article.path)."""
    site, day = _site(n), _published(corpus, n).strftime("%Y/%m/%d")
    if site == "old-gazette":
        return f"/old-gazette/archive/{day}/story-{n}.html"
    return f"/{site}/{day}/{_slug(n)}.html"


class Writer:
    """Sentences for one article, drawn from the cast with the article's own generator."""

    def __init__(self, rng: random.Random):
        self.rng, self.cast = rng, cast()

    def pick(self, options):
        return self.rng.choice(options)

    def fill(self, template: str) -> str:
        c = self.cast
        return template.format(place=self.pick(c.places), other=self.pick(c.places),
                               city=self.pick(c.places), org=self.pick(c.organizations),
                               vessel=self.pick(c.vessels))

    def sanction(self) -> str:
        action, measure = self.pick(ACTIONS)
        authority = self.pick(self.cast.authorities)
        target = self.pick(self.cast.organizations + self.cast.vessels)
        return (f"On {self.pick(WEEKDAYS)} the {authority} {action} {target}, accusing it of "
                f"{self.pick(REASONS)}, and said {measure} would follow for its directors.")

    def direct_quote(self) -> str:
        name, role = self.pick(self.cast.people)
        return f"“{self.fill(self.pick(QUOTES))},” {name}, the {role}, {self.pick(CUES)}."

    def reported_quote(self) -> str:
        name, _ = self.pick(self.cast.people)
        cue = self.pick(("said", "told reporters"))
        return f"{name} {cue} that {self.fill(self.pick(CLAIMS))}."

    def context(self) -> str:
        return self.fill(self.pick(CONTEXT))

    def paragraph(self) -> str:
        kinds = (self.direct_quote, self.reported_quote, self.context, self.context,
                 self.sanction)
        return " ".join(self.pick(kinds)() for _ in range(self.rng.randint(3, 5)))


def _body(writer: Writer, edited: bool) -> list[Block]:
    """~700 words: a lead, quote-heavy paragraphs, one subheading and one block quote."""
    blocks = [Block("p", writer.sanction() + " " + writer.context())]
    blocks += [Block("p", writer.paragraph()) for _ in range(5)]
    blocks.append(Block("h2", writer.pick(HEADINGS)))
    blocks.append(Block("blockquote", writer.direct_quote()))
    blocks += [Block("p", writer.paragraph()) for _ in range(4)]
    if edited:
        blocks.append(Block("p", "Update: " + writer.reported_quote()))
    return blocks


def article(corpus: Corpus, n: int, with_body: bool = True) -> Article:
    """Article n; without its body for feeds and sitemaps, which only need the metadata."""
    rng = random.Random(f"{corpus.seed}:{n}")
    writer = Writer(rng)
    site, section = _site(n), SECTIONS[n % len(SECTIONS)]
    return Article(
        site=site, slug=_slug(n), title=f"{section}: {writer.sanction().split(',')[0]}",
        description=writer.reported_quote(), authors=rng.sample(AUTHORS, rng.randint(1, 2)),
        published=_published(corpus, n), modified=_modified(corpus, n),
        blocks=_body(writer, corpus.is_edited(n)) if with_body else [],
        section=section, tags=[section, writer.pick(cast().places)],
        agency=writer.pick(AGENCIES),
        image={"caption": writer.context(), "credit": "Staff photographer"},
        key_points=[writer.context(), writer.context()] if n % 4 == 0 else [],
        comments=[{"author": "reader" + str(n % 97), "text": writer.context()}] * (n % 3),
        json_ld_body=n % 10 == 0, story_id=n,
    )


def _sitemap_index(base_url: str, site: str, chunks: int) -> Resource:
    locs = "".join(f"<sitemap><loc>{base_url}/{site}/news-sitemap-{k}.xml</loc></sitemap>\n"
                   for k in range(chunks))
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{locs}</sitemapindex>\n").encode()
    return Resource(body, XML, NEWEST)


class SyntheticSite(Mapping):
    """Path -> Resource, rendered when asked for (the server only calls get)."""

    def __init__(self, corpus: Corpus, base_url: str):
        self.corpus, self.base_url = corpus, base_url
        self.by_site = {s: [n for n in corpus.numbers() if _site(n) == s] for s in SITES}
        self.pages = {page_path(corpus, n): n for n in corpus.numbers()}

    def _chunks(self, site: str) -> list[list[int]]:
        numbers = self.by_site[site]
        return [numbers[k:k + SITEMAP_URLS] for k in range(0, len(numbers), SITEMAP_URLS)]

    def _sitemap(self, site: str, k: int) -> Resource | None:
        chunks = self._chunks(site)
        if k >= len(chunks):
            return None
        listed = [article(self.corpus, n, with_body=False) for n in chunks[k]]
        return xml_resource("news-sitemap.xml", XML, max(a.modified for a in listed),
                            base=self.base_url, site=SITES[site], articles=listed,
                            extra_paths=[])

    def _page(self, n: int) -> Resource:
        page = article(self.corpus, n)
        neighbours = [article(self.corpus, m, with_body=False)
                      for m in (n + 3, n - 3) if 0 <= m < self.corpus.articles]
        return article_page(page, [page, *neighbours], self.base_url)

    def __getitem__(self, path: str) -> Resource:
        resource = self._resource(path)
        if resource is None:
            raise KeyError(path)
        return resource

    def _resource(self, path: str) -> Resource | None:
        if path in self.pages:
            return self._page(self.pages[path])
        if path == "/robots.txt":
            return Resource(b"User-agent: *\nDisallow: /search\n", TEXT, NEWEST)
        site, _, name = path.strip("/").partition("/")
        if site not in SITES:
            return None
        if name == "sitemap-index.xml":
            return _sitemap_index(self.base_url, site, len(self._chunks(site)))
        if name.startswith("news-sitemap-") and name.endswith(".xml"):
            number = name.removeprefix("news-sitemap-").removesuffix(".xml")
            return self._sitemap(site, int(number)) if number.isdigit() else None
        return None

    def get(self, path, default=None):
        resource = self._resource(path)
        return default if resource is None else resource

    def __iter__(self) -> Iterator[str]:
        return iter(self.pages)

    def __len__(self) -> int:
        return len(self.pages)


def sources_yaml(base_url: str) -> str:
    """A sources file for the synthetic sites with politeness off (one sitemap index each)."""
    lines = ["defaults:", "  allow_private_network: true", "  crawl_delay: 0",
             "  max_concurrency: 4", "sources:"]
    for site in SITES:
        lines += [f"  - name: {site}", f"    sitemaps: [\"{base_url}/{site}/sitemap-index.xml\"]"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo_site.synthetic",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--edition", type=int, default=0, choices=(0, 1))
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    args = parser.parse_args(argv)
    corpus = Corpus(args.articles, args.seed, args.edition)
    base_url, stop = start_demo_server(args.port, site=lambda base: SyntheticSite(corpus, base))
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    print(base_url, flush=True)  # the benchmark reads the address from this line
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
