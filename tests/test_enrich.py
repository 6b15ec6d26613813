"""The enrich stage as the DAG calls it: statuses, batching, bad input."""

from __future__ import annotations

import time

import pytest

from extractors import enrich as enrich_module
from extractors.enrich import Timings, enrich_articles, make_units, split_long
from extractors.nlp import model
from extractors.nlp.model import ModelNotInstalled, load_model
from extractors.records import ParsedArticle
from tests import nlp_fixtures
from tests.nlp_fixtures import article

nlp = nlp_fixtures.nlp  # the shared fixture


def test_model_is_cached_and_lemmatizer_disabled(nlp):
    assert load_model() is nlp
    assert "lemmatizer" not in nlp.pipe_names
    assert {"parser", "ner"} <= set(nlp.pipe_names)


def test_missing_model_names_itself_and_how_to_install():
    with pytest.raises(ModelNotInstalled, match="no_such_model_xyz.*pip install"):
        model.load_model("no_such_model_xyz")


def test_one_enrichment_per_article_in_order(nlp):
    arts = [article("a", "Helen Marsh spoke in London."), article("b"),
            article("c", "Omar Tahiri said the plan was sound.")]
    results = list(enrich_articles(arts, nlp=nlp, batch_size=2))
    assert [(r.article_id, r.status) for r in results] == [
        ("a", "ok"), ("b", "skipped_empty"), ("c", "ok")]
    assert results[0].content_hash == "h-a"
    assert all(m.article_id == "c" for m in results[2].mentions + results[2].quotes)


def test_body_text_only_articles_are_split_into_paragraphs(nlp):
    a = ParsedArticle(url="u", parse_status="ok", article_id="x", content_hash="y",
                      body_text="First paragraph here.\n\nHelen Marsh spoke in London.")
    result = next(enrich_articles([a], nlp=nlp))
    marsh = next(m for m in result.mentions if m.canonical_name == "Helen Marsh")
    assert marsh.paragraph_index == 1
    assert a.body_text[marsh.start_char:marsh.end_char] == "Helen Marsh"


def test_one_bad_article_does_not_stop_the_run(nlp, monkeypatch):
    real = enrich_module.analyse

    def flaky(art, units):
        if art.article_id == "bad":
            raise ValueError("boom")
        return real(art, units)

    monkeypatch.setattr(enrich_module, "analyse", flaky)
    results = list(enrich_articles([article("bad", "Text here."), article("ok", "Text.")],
                                   nlp=nlp))
    assert [(r.status, r.error) for r in results] == [("error", "ValueError: boom"),
                                                      ("ok", None)]


def test_huge_body_is_truncated_in_bounded_time(nlp):
    words = ("Helen Marsh said “the talks were long” and Omar Tahiri said nothing " * 20)
    paragraphs = [words] * 1_000  # ~1.3M characters, ~200k words
    started = time.perf_counter()
    result = next(enrich_articles([article("big", *paragraphs)], nlp=nlp))
    assert time.perf_counter() - started < 30
    assert result.status == "too_long"
    assert "enriched the first" in result.error
    assert result.mentions and max(m.end_char for m in result.mentions) <= \
        enrich_module.MAX_BODY_CHARS


def test_text_with_no_breaks_and_unbalanced_quotes(nlp):
    blob = ("word " * 6_000) + '"' + ("more words “ " * 500)
    result = next(enrich_articles([article("blob", blob)], nlp=nlp))
    assert result.status == "ok"
    assert len(make_units([blob])[0]) > 1  # cut for the model
    for q in result.quotes:
        assert 0 <= q.start_char <= q.end_char <= len(blob)


def test_non_english_text_is_enriched_without_crash(nlp):
    result = next(enrich_articles([article("ru", "Министр заявил: «Мы не отступим».",
                                           "这是一个测试。没有句号的文字")], nlp=nlp))
    assert result.status == "ok"


def test_split_long_keeps_offsets():
    text = "abc " * 3_000
    pieces = split_long(text, limit=1_000)
    assert "".join(p for _, p in pieces) == text
    assert all(text[o:o + len(p)] == p and len(p) <= 1_000 for o, p in pieces)


def test_timings_are_filled(nlp):
    timings = Timings()
    list(enrich_articles([article("t", "Helen Marsh spoke.")], nlp=nlp, timings=timings))
    assert timings.articles == 1 and timings.units == 1
    assert 0 < timings.model <= timings.total
