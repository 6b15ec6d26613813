"""What the NLP tests share: the spaCy pipeline and articles written inline.

A test module takes the fixture as `nlp = nlp_fixtures.nlp`; the
model is loaded once per process (extractors.nlp.model caches it).
"""

from __future__ import annotations

import pytest

from extractors.enrich import enrich_articles
from extractors.nlp.model import load_model
from extractors.records import Enrichment, ParsedArticle


@pytest.fixture(scope="session")
def nlp():
    return load_model()


def article(article_id: str, *paragraphs: str) -> ParsedArticle:
    """A parsed article whose body is the given paragraphs."""
    return ParsedArticle(url=f"https://example.test/{article_id}", parse_status="ok",
                         article_id=article_id, content_hash="h-" + article_id,
                         paragraphs=list(paragraphs), body_text="\n\n".join(paragraphs))


def enrich(nlp, *paragraphs: str) -> Enrichment:
    """The enrichment of one article made of `paragraphs`."""
    return next(enrich_articles([article("a1", *paragraphs)], nlp=nlp))
