"""Great Expectations validation, for real, on a dbt-built fixture work database.

The good database (tests/test_dbt.py's fixture, built once) passes; a copy with a bad
batch (an empty body and a future date in this run's raw articles; in the marts a
duplicated article, ids that point at no entity or quote, a mention past its body) fails
with messages naming the table and the expectation; so do marts that shrank
or grew beyond what the run loaded. Forced into chunks of two rows, validation reaches the
same outcome, and a duplicated key is still caught.
"""

from __future__ import annotations

import html
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from test_dbt import A_V2, article, build_sequence

from extractors import validate as validate_module
from extractors.load import load_rows
from extractors.validate import ValidationOutcome, validate
from extractors.warehouse import connect


@pytest.fixture(scope="module")
def good_db(tmp_path_factory):
    """A copy of tests/test_dbt.py's first build (validation writes audit rows into it)."""
    db = tmp_path_factory.mktemp("gx") / "work.duckdb"
    shutil.copy(build_sequence(tmp_path_factory)["dbs"]["first"], db)
    return db


@pytest.fixture(scope="module")
def good(good_db, tmp_path_factory) -> tuple[ValidationOutcome, object]:
    report_dir = tmp_path_factory.mktemp("validation")
    return validate(good_db, "run-1", report_dir), report_dir


def audit_rows(db, run_id: str) -> list[tuple]:
    with connect(db, read_only=True) as con:
        return con.execute("select table_name, expectation, \"column\", success, note "
                           "from audit.validation_runs where run_id = ? order by all",
                           [run_id]).fetchall()


def test_good_fixture_passes(good):
    outcome, _ = good
    assert outcome.success, outcome.failures
    assert outcome.failures == []
    tables = {r["table_name"] for r in outcome.results}
    assert {"raw.articles", "raw.fetches", "marts.articles", "marts.entities",
            "marts.quotes", "marts.sanctions"} <= tables
    assert all(r["note"] for r in outcome.results)  # every check says what it protects


def test_results_recorded_and_docs_built(good, good_db):
    outcome, report_dir = good
    rows = audit_rows(good_db, "run-1")
    assert len(rows) == len(outcome.results)
    assert ("marts.quotes", "sql: speaker_entity_id_exists_in_entities",
            "speaker_entity_id", True) in {r[:4] for r in rows}
    assert outcome.docs_path is not None and outcome.docs_path.name == "index.html"
    assert outcome.docs_path.is_file() and str(outcome.docs_path).startswith(str(report_dir))
    assert "marts__articles" in outcome.docs_path.read_text() or any(
        outcome.docs_path.parent.rglob("*marts__articles*"))


SCRIPT = "<script>alert(1)</script>"
SCRIPT_URL = f"javascript:{SCRIPT}"


def test_bad_batch_fails_with_readable_messages(good, good_db, tmp_path):
    bad_db = tmp_path / "bad.duckdb"
    shutil.copy(good_db, bad_db)
    future = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    empty = article("9999000000000009", A_V2, "hash-empty", run_id="bad-run",
                    fetched_at="2026-03-04T10:00:00+00:00", published_at=future)
    empty.body_text, empty.word_count, empty.paragraphs = "", 0, []
    empty.url = SCRIPT_URL  # scraped markup in a failing value
    with connect(bad_db) as con:
        load_rows(con, "articles", [empty], "bad-run")
        # as dbt would build it into the mart; plus an old article duplicated
        con.execute("insert into marts.articles select * replace (? as article_id, "
                    "'' as body_text, 0 as word_count) from marts.articles limit 1",
                    [empty.article_id])
        con.execute("insert into marts.articles select * from marts.articles limit 1")
        # ids pointing at entities that do not exist
        con.execute("update marts.quotes set speaker_entity_id = md5('nobody')")
        con.execute("update marts.sanctions set target_entity_id = md5('nothing')")
        con.execute("update marts.quotes_about_entity set about_entity_id = md5('no one')")
        # a mention whose offsets run past its article's (empty) body
        con.execute("insert into marts.entity_mentions select * replace (? as article_id, "
                    "md5('moved') as mention_id) from marts.entity_mentions limit 1",
                    [empty.article_id])
        # a quote gone from under the rows that say what it talks about
        con.execute("delete from marts.quotes where quote_id = "
                    "(select min(quote_id) from marts.quotes_about_entity)")

    outcome = validate(bad_db, "bad-run", tmp_path / "report")
    assert not outcome.success
    text = "\n".join(outcome.failures)
    assert "raw.articles: expect_column_values_to_be_between(body_chars)" in text
    assert "raw.articles: expect_column_values_to_be_between(word_count)" in text
    assert "raw.articles: expect_column_values_to_be_between(published_hours_ahead)" in text
    assert f"raw.articles: expect_column_values_to_match_regex(url) failed, observed 1 " \
           f'unexpected, e.g. ["{SCRIPT_URL}"]' in text  # the audit keeps the value as scraped
    # row-level mart checks see this run's article ...
    assert "marts.articles: expect_column_values_to_be_between(word_count)" in text
    assert "marts.articles: expect_column_values_to_be_between(body_chars)" in text
    assert ("marts.entity_mentions: expect_column_pair_values_a_to_be_greater_than_b("
            "body_chars,end_char) failed, observed 1 unexpected") in text
    # ... and only it: the duplicate is an old article, which the whole-table key check sees
    assert "marts.articles: sql: key_unique(article_id) failed, observed 1" in text
    assert "protects: one row per article" in text
    assert "marts.quotes: sql: speaker_entity_id_exists_in_entities" in text
    assert "marts.sanctions: sql: target_entity_id_exists_in_entities" in text
    assert "marts.quotes_about_entity: sql: about_entity_id_exists_in_entities" in text
    assert "marts.quotes_about_entity: sql: quote_id_exists_in_quotes" in text
    assert all(f.startswith(("raw.", "marts.")) for f in outcome.failures)
    failed = {(r[0], r[1]) for r in audit_rows(bad_db, "bad-run") if not r[3]}
    assert ("marts.articles", "sql: key_unique") in failed
    no_rows = {r["table_name"] for r in outcome.results if r["expectation"] == "rows_this_run"}
    assert "marts.quotes" in no_rows and "marts.articles" not in no_rows  # no quotes this run
    # the HTML report shows the value as text, never as markup a browser would run
    pages = [p.read_text() for p in (tmp_path / "report").rglob("*.html")]
    assert not [p for p in pages if SCRIPT in p]
    assert any(html.escape(SCRIPT) in p for p in pages)
    # the earlier good run's rows are untouched; re-validating replaces, never duplicates
    assert audit_rows(bad_db, "run-1") == audit_rows(good_db, "run-1")
    again = validate(bad_db, "bad-run", tmp_path / "report")
    assert len(audit_rows(bad_db, "bad-run")) == len(again.results) == len(outcome.results)


def test_row_counts_outside_bounds_fail(good, good_db, tmp_path):
    db = tmp_path / "shrunk.duckdb"
    shutil.copy(good_db, db)
    with connect(db) as con:
        con.execute("delete from marts.articles where syndicated_from_article_id is not null")
        # run-3 loaded nothing, yet mentions doubled: an incremental merge inserting twice
        con.execute("insert into marts.entity_mentions select * from marts.entity_mentions")
        # a failed (unpublished) run-2 saw 99 articles: run-3 compares with run-1 instead
        con.execute("insert into audit.validation_runs select * replace ('run-2' as run_id, "
                    "'99' as observed_value, false as success, validated_at + interval 1 hour "
                    "as validated_at) from audit.validation_runs where run_id = 'run-1' "
                    "and table_name = 'marts.articles' and expectation like '%row_count%'")
    outcome = validate(db, "run-3", tmp_path / "report")
    bounds = {f.split(" failed")[0]: f for f in outcome.failures if "row_count" in f}
    assert set(bounds) == {"marts.articles: sql: row_count_within_bounds_of_previous_run",
                           "marts.entity_mentions: sql: row_count_within_bounds_of_previous_run"}
    articles = bounds["marts.articles: sql: row_count_within_bounds_of_previous_run"]
    assert "observed 2 " in articles and "previous passing run 3, at most 3" in articles
    # the copy's quotes still point at the deleted article: caught by the SQL checks too
    assert any("quotes: sql: article_id_exists_in_articles" in f for f in outcome.failures)


def comparable(outcome: ValidationOutcome) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "validated_at"} for r in outcome.results]


def test_small_chunks_reach_the_same_outcome(good, good_db, tmp_path, monkeypatch):
    db = tmp_path / "chunked.duckdb"
    shutil.copy(good_db, db)
    monkeypatch.setattr(validate_module, "ROWS_PER_CHUNK", 2)
    frame, read = validate_module._frame, []
    monkeypatch.setattr(validate_module, "_frame",
                        lambda con, path: read.append(path) or frame(con, path))
    report = tmp_path / "report"

    outcome = validate(db, "run-1", report)
    tables = {path.relative_to(report / validate_module.CHUNKS_DIR).parts[0] for path in read}
    assert len(read) > len(tables)  # tables were split (a chunk with no rows is not read)
    assert comparable(outcome) == comparable(good[0])
    assert not (report / validate_module.CHUNKS_DIR).exists()  # chunk files deleted

    with connect(db) as con:
        # a mention's key loaded twice, on another row of its own as the table's last row:
        # split by row order or on a column outside the key, the two would fall in
        # different chunks; split on article_id, they share one
        con.execute("insert into raw.entity_mentions select * replace ('Nobody' as "
                    "canonical_name) from raw.entity_mentions where run_id = 'run-1' "
                    "order by article_id, content_hash, mention_index limit 1")
    outcome = validate(db, "run-1", report)
    [failure] = outcome.failures
    assert failure.startswith(
        "raw.entity_mentions: expect_compound_columns_to_be_unique(article_id,content_hash,"
        "mention_index) failed, observed 2 unexpected, e.g. ")


def test_chunk_results_add_up_as_one_batch():
    """`mostly` holds over the run's rows, not each chunk's: one null title in 20 rows passes
    mostly=0.95, though the chunk of 10 that holds it would fail on its own."""
    from great_expectations.core import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    def chunk(nulls: int) -> ExpectationSuiteValidationResult:
        config = ExpectationConfiguration(type="expect_column_values_to_not_be_null",
                                          kwargs={"column": "title", "mostly": 0.95})
        result = ExpectationValidationResult(
            success=nulls == 0, expectation_config=config,
            result={"element_count": 10, "unexpected_count": nulls,
                    "unexpected_percent": nulls * 10.0, "partial_unexpected_list": [None] * nulls})
        return ExpectationSuiteValidationResult(success=nulls == 0, results=[result],
                                                suite_name="marts__articles", statistics={})

    total = validate_module._add(chunk(0), chunk(1))
    validate_module._settle(total)
    [r] = total.results
    assert r.success and total.success
    assert r.result == {"element_count": 20, "unexpected_count": 1, "unexpected_percent": 5.0,
                        "partial_unexpected_list": [None]}  # the examples of the failing chunk
    assert total.statistics["successful_expectations"] == 1

    total = validate_module._add(chunk(1), chunk(1))
    validate_module._settle(total)
    assert not total.success and total.results[0].result["unexpected_count"] == 2


def test_suite_refuses_to_split_a_key():
    suites = validate_module.load_suites()
    key = suites.Check("ExpectCompoundColumnsToBeUnique", {"column_list": ["url", "attempt"]},
                       "one row per attempt")
    with pytest.raises(ValueError, match="chunk_by 'status' is not a column"):
        suites.Suite("raw.fetches", "select * from raw.fetches", "status", [key])
    assert suites.Suite("raw.fetches", "select * from raw.fetches", "url", [key])
