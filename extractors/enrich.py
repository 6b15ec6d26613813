"""The enrich stage: ParsedArticle -> Enrichment (entities, quotes, sanctions).

enrich_articles(articles, nlp=None, batch_size=32) yields one Enrichment per input
article, in order, and never raises for one bad article:

  ok             enriched
  skipped_empty  no body text
  too_long       body over MAX_BODY_CHARS: the first MAX_BODY_CHARS characters (whole
                 paragraphs) are enriched and the rest is not; `error` says how much
  error          an exception while enriching this article; `error` holds it

Paragraphs are the model's units (nlp.pipe over all paragraphs of a batch of articles);
a paragraph longer than MAX_UNIT_CHARS (text with no paragraph breaks) is cut at
whitespace into several units so the parser's cost stays linear. Every offset in the
output points into ParsedArticle.body_text ("\\n\\n".join(paragraphs)); paragraph_index
indexes ParsedArticle.paragraphs.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from extractors.nlp import entities, quotes, sanctions
from extractors.nlp.model import load_model
from extractors.nlp.text import Unit
from extractors.records import Enrichment, EntityMention, ParsedArticle

PARAGRAPH_SEP = "\n\n"
# ~16k words: far above a news story, low enough that one pathological body cannot
# stall the batch. Longer bodies are enriched up to the cap (status too_long).
MAX_BODY_CHARS = 100_000
# The parser and our token loops are linear per unit; long units also hold one big Doc
# in memory. 5,000 chars is several long news paragraphs.
MAX_UNIT_CHARS = 5_000
# Texts handed to nlp.pipe at once (paragraphs, not articles).
PIPE_BATCH = 256


@dataclass
class Timings:
    """Where the stage spends its time (seconds); filled when passed to enrich_articles."""

    model: float = 0.0  # inside nlp.pipe
    total: float = 0.0
    articles: int = 0
    units: int = 0
    by_step: dict = field(default_factory=dict)

    def add(self, step: str, seconds: float) -> None:
        self.by_step[step] = self.by_step.get(step, 0.0) + seconds


def paragraphs_of(article: ParsedArticle) -> list[str]:
    """The paragraphs body_text was joined from (re-split if only body_text is set)."""
    if article.paragraphs and PARAGRAPH_SEP.join(article.paragraphs) == article.body_text:
        return list(article.paragraphs)
    return article.body_text.split(PARAGRAPH_SEP) if article.body_text else []


def split_long(text: str, limit: int = MAX_UNIT_CHARS) -> list[tuple[int, str]]:
    """(offset, piece) cuts of text at whitespace, each at most `limit` characters."""
    out, start = [], 0
    while len(text) - start > limit:
        cut = text.rfind(" ", start + limit // 2, start + limit)
        cut = cut + 1 if cut > start else start + limit
        out.append((start, text[start:cut]))
        start = cut
    out.append((start, text[start:]))
    return out


def make_units(paragraphs: list[str], max_chars: int = MAX_BODY_CHARS) -> tuple[list[Unit],
                                                                                 bool]:
    """Units for the model, and whether the body was cut at max_chars."""
    units, offset, truncated = [], 0, False
    for pi, para in enumerate(paragraphs):
        if offset + len(para) > max_chars:
            truncated = True
            para = para[:max(0, max_chars - offset)]
        pieces = split_long(para) if para.strip() else []
        for k, (rel, piece) in enumerate(pieces):
            if piece.strip():
                units.append(Unit(paragraph_index=pi, offset=offset + rel, text=piece,
                                  starts_paragraph=k == 0, ends_paragraph=k == len(pieces) - 1))
        offset += len(para) + len(PARAGRAPH_SEP)
        if truncated:
            break
    return units, truncated


def analyse(article: ParsedArticle, units: list[Unit]) -> Enrichment:
    """Entities, quotes and sanctions of one article whose units carry their Docs."""
    ids = dict(article_id=article.article_id, content_hash=article.content_hash)
    mentions = entities.extract_mentions(units)
    found_quotes = quotes.extract_quotes(units, mentions)
    found_sanctions = sanctions.extract_sanctions(units, mentions)
    rows = [EntityMention(**ids, mention_index=i, mention_text=m.text,
                          canonical_name=m.canonical, entity_type=m.kind,
                          paragraph_index=units[m.unit].paragraph_index, start_char=m.start,
                          end_char=m.end, role=m.role, role_country=m.role_country)
            for i, m in enumerate(mentions)]
    for record in (*found_quotes, *found_sanctions):
        record.article_id, record.content_hash = ids["article_id"], ids["content_hash"]
    return Enrichment(**ids, mentions=rows, quotes=found_quotes, sanctions=found_sanctions)


def _enrich_batch(batch: list[ParsedArticle], nlp, timings: Timings) -> list[Enrichment]:
    prepared: list[tuple[ParsedArticle, list[Unit] | None, Enrichment | None]] = []
    for article in batch:
        ids = dict(article_id=article.article_id, content_hash=article.content_hash)
        try:
            paragraphs = paragraphs_of(article)
            if not "".join(paragraphs).strip():
                prepared.append((article, None, Enrichment(**ids, status="skipped_empty")))
                continue
            units, truncated = make_units(paragraphs)
            note = None
            if truncated:
                note = Enrichment(**ids, status="too_long", error=(
                    f"body has {len(article.body_text)} characters; enriched the first "
                    f"{MAX_BODY_CHARS} (whole paragraphs up to the cap)"))
            prepared.append((article, units, note))
        except Exception as exc:  # noqa: BLE001 - one bad article must not stop the run
            prepared.append((article, None, Enrichment(**ids, status="error",
                                                       error=f"{type(exc).__name__}: {exc}")))
    all_units = [u for _, units, _ in prepared if units for u in units]
    started = time.perf_counter()
    try:
        docs = list(nlp.pipe((u.text for u in all_units), batch_size=PIPE_BATCH))
    except Exception:  # noqa: BLE001 - find the article that broke the batch
        docs = None
    timings.model += time.perf_counter() - started
    timings.units += len(all_units)
    if docs is not None:
        for unit, doc in zip(all_units, docs, strict=True):
            unit.doc = doc
    out = []
    for article, units, note in prepared:
        if units is None:
            out.append(note)
            continue
        out.append(_finish(article, units, note, nlp, timings, docs is None))
    return out


def _finish(article, units, note, nlp, timings: Timings, need_docs: bool) -> Enrichment:
    try:
        if need_docs:
            started = time.perf_counter()
            for unit, doc in zip(units, nlp.pipe(u.text for u in units), strict=True):
                unit.doc = doc
            timings.model += time.perf_counter() - started
        result = analyse(article, units)
    except Exception as exc:  # noqa: BLE001 - one bad article must not stop the run
        return Enrichment(article.article_id, article.content_hash, status="error",
                          error=f"{type(exc).__name__}: {exc}"[:500])
    if note is not None:
        result.status, result.error = note.status, note.error
    return result


def enrich_articles(articles: Iterable[ParsedArticle], nlp=None, batch_size: int = 32,
                    timings: Timings | None = None) -> Iterator[Enrichment]:
    """One Enrichment per article, in input order (see the module doc for statuses)."""
    nlp = nlp if nlp is not None else load_model()
    timings = timings if timings is not None else Timings()
    batch: list[ParsedArticle] = []
    for article in articles:
        batch.append(article)
        if len(batch) >= batch_size:
            yield from _timed_batch(batch, nlp, timings)
            batch = []
    if batch:
        yield from _timed_batch(batch, nlp, timings)


def _timed_batch(batch, nlp, timings: Timings) -> list[Enrichment]:
    started = time.perf_counter()
    out = _enrich_batch(batch, nlp, timings)
    timings.total += time.perf_counter() - started
    timings.articles += len(batch)
    return out
