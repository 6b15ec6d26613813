"""The data-quality contract: one expectation suite per raw and mart table, as code.

extractors/validate.py turns each `Check` into a Great Expectations expectation (the class
named in `expectation`, from great_expectations.expectations) and runs it on pandas
DataFrames read from the work database by the suite's `sql`: row-level checks, on this run's
rows only (raw rows loaded by the run; mart rows of the articles it loaded), so validation
costs in proportion to the run like the incremental build. A large run is checked in
chunks split on the suite's `chunk_by` column, so only row-level (map) expectations fit.
Whole-table rules are `SqlCheck`s computed in DuckDB (key uniqueness, cross-table ids,
a non-empty publication) and `RowCountBound`s (row counts against the previous run),
recorded next to them in audit.validation_runs. Every check carries a one-line `note`: what
it protects. `severity="warning"` is recorded but does not block publishing.

`python expectations/suites.py` prints the Markdown table kept in expectations/README.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ID_REGEX = r"^[0-9a-f]{16,32}$"
MD5_REGEX = r"^[0-9a-f]{32}$"
URL_REGEX = r"^https?://"
CLOCK_SKEW_HOURS = 12  # a story "published" this far ahead of our clock is a parse error

ENTITY_TYPES = ["person", "organization", "location", "group"]
FETCH_STATUSES = ["ok", "not_modified", "skipped", "failed", "retrying"]
PARSE_STATUSES = ["ok", "not_an_article", "empty_body", "parse_error"]
ENRICH_STATUSES = ["ok", "skipped_empty", "too_long", "error"]
SANCTION_ACTIONS = [
    "imposed", "lifted", "threatened", "extended", "called_for", "eased", "expanded",
    "proposed", "renewed", "suspended", "upheld", "announced", "considered", "violated",
    "evaded", "tightened", "designated", "delisted", "removed", "reimposed", "approved",
    "adopted", "vetoed", "opposed", "urged", "condemned",
]

# hours from now to published_at: > CLOCK_SKEW_HOURS means "in the future"
HOURS_AHEAD = "date_diff('second', current_timestamp, {col}) / 3600.0"
# the articles this run loaded: the mart rows row-level checks look at
RUN_ARTICLES = "article_id in (select article_id from raw.articles where run_id = $run_id)"
# each row's article body length, for the offset checks: the marts keep only the latest
# version of an article, so rows and body are of the same version
WITH_BODY_CHARS = ("left join (select article_id, length(body_text) as body_chars "
                   f"from marts.articles where {RUN_ARTICLES}) as bodies using (article_id)")


@dataclass(frozen=True)
class Check:
    expectation: str  # a class in great_expectations.expectations
    kwargs: dict[str, Any]
    note: str  # what it protects, one line
    severity: str = "critical"  # or "warning": recorded, does not block publishing

    @property
    def column(self) -> str | None:
        kw = self.kwargs
        if "column" in kw:
            return kw["column"]
        if "column_A" in kw:
            return f"{kw['column_A']},{kw['column_B']}"
        if "column_list" in kw:
            return ",".join(kw["column_list"])
        return None


# expectations that compare rows with each other: exact only if every row they compare
# is in the same chunk (see Suite.chunk_by)
ACROSS_ROWS = {"ExpectCompoundColumnsToBeUnique", "ExpectColumnValuesToBeUnique"}


@dataclass(frozen=True)
class Suite:
    table: str  # "raw.articles", "marts.articles"
    sql: str  # the rows to validate; raw suites take the run_id as parameter $run_id
    # validate.py checks a large run chunk by chunk; rows with the same value of this column
    # share a chunk, so it must be one of the columns of every ACROSS_ROWS check (a key
    # column: a duplicate key is then never split between two chunks)
    chunk_by: str
    checks: list[Check]
    per_run: bool = True  # the sql reads only this run's rows (takes $run_id)

    def __post_init__(self) -> None:
        for check in self.checks:
            if check.expectation in ACROSS_ROWS and self.chunk_by not in check.column.split(","):
                raise ValueError(f"{self.table}: chunk_by {self.chunk_by!r} is not a column "
                                 f"of {check.expectation}({check.column})")


@dataclass(frozen=True)
class SqlCheck:
    """A check computed in SQL: the query returns the number of offending rows."""

    table: str
    name: str
    sql: str
    note: str
    severity: str = "critical"
    column: str | None = None


@dataclass(frozen=True)
class RowCountBound:
    """A mart's row count, against the previous validated run's: at least `min_ratio` x it,
    and at most it plus what `max_added_sql` (given $run_id) says this run could add."""

    table: str
    min_ratio: float
    note: str
    max_added_sql: str | None = None
    severity: str = "critical"


def _not_null(col: str, note: str, **kw) -> Check:
    return Check("ExpectColumnValuesToNotBeNull", {"column": col, **kw}, note)


def _unique_together(cols: list[str], note: str) -> Check:
    return Check("ExpectCompoundColumnsToBeUnique", {"column_list": cols}, note)


def _regex(col: str, regex: str, note: str) -> Check:
    return Check("ExpectColumnValuesToMatchRegex", {"column": col, "regex": regex}, note)


def _in_set(col: str, values: list[str], note: str, severity: str = "critical") -> Check:
    return Check("ExpectColumnValuesToBeInSet", {"column": col, "value_set": values}, note,
                 severity)


def _between(col: str, note: str, min_value=None, max_value=None, **kw) -> Check:
    return Check("ExpectColumnValuesToBeBetween",
                 {"column": col, "min_value": min_value, "max_value": max_value, **kw}, note)


def _a_after_b(a: str, b: str, note: str, or_equal: bool = False) -> Check:
    return Check("ExpectColumnPairValuesAToBeGreaterThanB",
                 {"column_A": a, "column_B": b, "or_equal": or_equal,
                  "ignore_row_if": "either_value_is_missing"}, note)


def _not_in_future(col: str) -> Check:
    return _between(col, f"published dates at most {CLOCK_SKEW_HOURS} h ahead of our clock "
                         "(a future date is a day/month swap or a wrong zone)",
                    max_value=CLOCK_SKEW_HOURS)


_SPAN_NOTE = "character offsets form a span (end after start) into the article body"


def _within_body(note: str) -> list[Check]:
    return [_between("start_char", note, min_value=0),
            _a_after_b("body_chars", "end_char", note, or_equal=True)]


SUITES: list[Suite] = [
    # ---- raw: this run's rows, as loaded -------------------------------------------------
    Suite("raw.discoveries", "select * from raw.discoveries where run_id = $run_id", "url", [
        _not_null("source", "every discovered URL belongs to a configured source"),
        _regex("url", URL_REGEX, "only http(s) URLs are queued for fetching"),
        _unique_together(["source", "url"], "the loader's key: one row per URL per run"),
    ]),
    Suite("raw.fetches", "select * from raw.fetches where run_id = $run_id", "url", [
        _in_set("status", FETCH_STATUSES, "fetch outcomes are the five the pipeline knows"),
        _regex("url", URL_REGEX, "only http(s) URLs were requested"),
        _between("attempt", "attempts count from 1", min_value=1),
        _between("http_status", "HTTP statuses are real ones", min_value=100, max_value=599),
        _unique_together(["url", "attempt", "is_feed"],
                         "the loader's key: one row per attempt per URL per run"),
    ]),
    Suite("raw.articles",
          f"select *, length(body_text) as body_chars, "
          f"{HOURS_AHEAD.format(col='try_cast(published_at as timestamptz)')} "
          f"as published_hours_ahead "
          f"from raw.articles where run_id = $run_id and parse_status = 'ok'", "article_id", [
              _regex("article_id", ID_REGEX, "article ids are hex digests (joins, URLs)"),
              _unique_together(["article_id", "content_sha256"],
                               "the loader's key: one row per page version"),
              _regex("url", URL_REGEX, "articles come from http(s) pages"),
              _not_null("content_hash", "the body hash drives syndicated-copy detection"),
              _between("body_chars", "a page parsed ok has a body (empty = broken parser)",
                       min_value=1),
              _between("word_count", "a page parsed ok has words", min_value=1),
              _not_in_future("published_hours_ahead"),
          ]),
    Suite("raw.enrichments", "select * from raw.enrichments where run_id = $run_id",
          "article_id", [
        _in_set("status", ENRICH_STATUSES, "NLP outcomes are the four the pipeline knows"),
        _unique_together(["article_id", "content_hash"], "one NLP outcome per article version"),
    ]),
    Suite("raw.entity_mentions", "select * from raw.entity_mentions where run_id = $run_id",
          "article_id", [
        _in_set("entity_type", ENTITY_TYPES, "the NLP emits only the four contract types"),
        _not_null("canonical_name", "every mention names something"),
        _unique_together(["article_id", "content_hash", "mention_index"],
                         "mentions are numbered once per article version"),
        _between("start_char", "offsets point into the body", min_value=0),
        _a_after_b("end_char", "start_char", _SPAN_NOTE),
    ]),
    Suite("raw.quotes", "select * from raw.quotes where run_id = $run_id", "article_id", [
        _not_null("quote_text", "a quote has words"),
        _unique_together(["article_id", "content_hash", "quote_index"],
                         "quotes are numbered once per article version"),
        _between("start_char", "offsets point into the body", min_value=0),
        _a_after_b("end_char", "start_char", _SPAN_NOTE),
    ]),
    Suite("raw.sanctions", "select * from raw.sanctions where run_id = $run_id", "article_id", [
        _not_null("target_name", "a sanctions event has a target"),
        _in_set("action", SANCTION_ACTIONS, "sanction verbs the marts know (new ones: review)",
                severity="warning"),
        _unique_together(["article_id", "content_hash", "sanction_index"],
                         "events are numbered once per article version"),
        _a_after_b("end_char", "start_char", _SPAN_NOTE),
    ]),
    # ---- marts: the rows of this run's articles (keys and ids: SQL_CHECKS) -------------
    Suite("marts.articles",
          f"select article_id, url, canonical_url, source, title, word_count, language, "
          f"length(body_text) as body_chars, published_at, fetched_at, "
          f"{HOURS_AHEAD.format(col='published_at')} as published_hours_ahead, "
          f"syndicated_from_article_id from marts.articles where {RUN_ARTICLES}", "article_id", [
              _regex("article_id", ID_REGEX, "article ids are hex digests"),
              _regex("url", URL_REGEX, "links analysts click are http(s)"),
              _not_null("source", "every article is attributed to a source"),
              _not_null("title", "every article has a headline", mostly=0.95),
              _between("word_count", "every article has words", min_value=1),
              _between("body_chars", "every article has a body", min_value=1),
              _not_in_future("published_hours_ahead"),
              _not_null("fetched_at", "every article records when it was fetched"),
          ]),
    Suite("marts.entities",
          "select * exclude (aliases) from marts.entities where entity_id in "
          f"(select entity_id from marts.entity_mentions where {RUN_ARTICLES})", "entity_id", [
              _regex("entity_id", MD5_REGEX, "entity ids are md5(type|name)"),
              _not_null("name", "every entity has a name"),
              _in_set("entity_type", ENTITY_TYPES, "the four entity types of the contract"),
              _between("mention_count", "an entity exists because it was mentioned",
                       min_value=1),
              _a_after_b("mention_count", "article_count", "mentions >= articles mentioning",
                         or_equal=True),
          ]),
    Suite("marts.entity_mentions",
          "select mention_id, article_id, entity_id, entity_type, start_char, end_char, "
          f"body_chars from marts.entity_mentions {WITH_BODY_CHARS} where {RUN_ARTICLES}",
          "mention_id", [
              _regex("mention_id", MD5_REGEX, "mention ids are md5 digests"),
              _regex("article_id", ID_REGEX, "article ids are hex digests"),
              _not_null("entity_id", "every mention is linked to an entity"),
              _in_set("entity_type", ENTITY_TYPES, "the four entity types of the contract"),
              _a_after_b("end_char", "start_char", _SPAN_NOTE),
              *_within_body("mention offsets point into the body they were read from "
                            "(same version)"),
          ]),
    Suite("marts.quotes",
          "select quote_id, article_id, quote_text, speaker_name, speaker_entity_id, "
          f"is_direct, start_char, end_char, body_chars from marts.quotes {WITH_BODY_CHARS} "
          f"where {RUN_ARTICLES}", "quote_id", [
              _regex("quote_id", MD5_REGEX, "quote ids are md5 digests"),
              _not_null("quote_text", "a quote has words"),
              _regex("speaker_entity_id", MD5_REGEX, "a linked speaker has an entity id"),
              _not_null("is_direct", "direct vs reported is always decided"),
              _a_after_b("end_char", "start_char", _SPAN_NOTE),
              *_within_body("quote offsets point into the body they were read from "
                            "(same version)"),
          ]),
    Suite("marts.sanctions",
          "select sanction_id, article_id, action, authority_name, target_name, "
          f"target_entity_id, source_url, published_at from marts.sanctions "
          f"where {RUN_ARTICLES}", "sanction_id", [
              _regex("sanction_id", MD5_REGEX, "sanction ids are md5 digests"),
              _not_null("target_name", "every event has a target"),
              _in_set("action", SANCTION_ACTIONS,
                      "sanction verbs the marts know (new ones: review)", severity="warning"),
              _regex("source_url", URL_REGEX, "every event links to its article"),
          ]),
    # an aggregate (a row per day, authority and action): small, checked in full
    Suite("marts.sanctions_by_authority", "select * from marts.sanctions_by_authority",
          "sanction_date", [
        _between("event_count", "a row exists because an event happened", min_value=1),
        _a_after_b("event_count", "target_count", "events >= distinct targets", or_equal=True),
    ], per_run=False),
    Suite("marts.quotes_about_entity",
          "select quote_about_id, quote_id, about_entity_id, mention_count "
          f"from marts.quotes_about_entity where {RUN_ARTICLES}", "quote_about_id", [
              _regex("quote_about_id", MD5_REGEX, "quote_about ids are md5 digests"),
              _not_null("about_entity_id", "every row names the entity talked about"),
              _between("mention_count", "a row exists because the quote names the entity",
                       min_value=1),
          ]),
]


def _orphans(table: str, column: str, parent: str, parent_key: str) -> str:
    return (f"select count(*) from {table} c where c.{column} is not null and not exists "
            f"(select 1 from {parent} p where p.{parent_key} = c.{column})")


def _duplicates(table: str, key: list[str]) -> str:
    cols = ", ".join(key)
    return (f"select coalesce(sum(n - 1), 0) from (select count(*) as n from {table} "
            f"group by {cols} having count(*) > 1)")


def _key_unique(table: str, key: list[str], note: str) -> SqlCheck:
    return SqlCheck(table, "key_unique", _duplicates(table, key), note,
                    column=",".join(key))


SQL_CHECKS: list[SqlCheck] = [
    SqlCheck("marts.articles", "not_empty", "select (count(*) = 0)::int from marts.articles",
             "an empty publication is never published"),
    # keys over the whole table: a row-level check on this run's rows cannot see a new
    # row colliding with an old one (an incremental merge gone wrong)
    _key_unique("marts.articles", ["article_id"], "one row per article (the mart's key)"),
    _key_unique("marts.entities", ["entity_id"], "one row per entity (the mart's key)"),
    _key_unique("marts.entities", ["entity_type", "name"],
                "alias resolution left no duplicate names"),
    _key_unique("marts.entity_mentions", ["mention_id"], "one row per mention (the mart's key)"),
    _key_unique("marts.quotes", ["quote_id"], "one row per quote (the mart's key)"),
    _key_unique("marts.sanctions", ["sanction_id"],
                "one row per event and target (the mart's key)"),
    _key_unique("marts.sanctions", ["article_id", "action", "authority_name", "target_name"],
                "one row per sanctions target (duplicates collapsed)"),
    _key_unique("marts.sanctions_by_authority", ["sanction_date", "authority", "action"],
                "one row per day/authority/action"),
    _key_unique("marts.quotes_about_entity", ["quote_id", "about_entity_id"],
                "one row per (quote, entity)"),
    SqlCheck("marts.quotes", "speaker_entity_id_exists_in_entities",
             _orphans("marts.quotes", "speaker_entity_id", "marts.entities", "entity_id"),
             "every linked speaker is an entity analysts can look up",
             column="speaker_entity_id"),
    SqlCheck("marts.sanctions", "target_entity_id_exists_in_entities",
             _orphans("marts.sanctions", "target_entity_id", "marts.entities", "entity_id"),
             "every linked sanctions target is an entity", column="target_entity_id"),
    SqlCheck("marts.sanctions", "authority_entity_id_exists_in_entities",
             _orphans("marts.sanctions", "authority_entity_id", "marts.entities", "entity_id"),
             "every linked sanctioning authority is an entity", column="authority_entity_id"),
    SqlCheck("marts.entity_mentions", "entity_id_exists_in_entities",
             _orphans("marts.entity_mentions", "entity_id", "marts.entities", "entity_id"),
             "entity counts and mentions agree", column="entity_id"),
    SqlCheck("marts.entity_mentions", "article_id_exists_in_articles",
             _orphans("marts.entity_mentions", "article_id", "marts.articles", "article_id"),
             "no mention of an article that is not published", column="article_id"),
    SqlCheck("marts.quotes", "article_id_exists_in_articles",
             _orphans("marts.quotes", "article_id", "marts.articles", "article_id"),
             "no quote from an article that is not published", column="article_id"),
    SqlCheck("marts.sanctions", "article_id_exists_in_articles",
             _orphans("marts.sanctions", "article_id", "marts.articles", "article_id"),
             "no sanctions event from an article that is not published", column="article_id"),
    SqlCheck("marts.quotes_about_entity", "quote_id_exists_in_quotes",
             _orphans("marts.quotes_about_entity", "quote_id", "marts.quotes", "quote_id"),
             "every row points at a published quote", column="quote_id"),
    SqlCheck("marts.quotes_about_entity", "about_entity_id_exists_in_entities",
             _orphans("marts.quotes_about_entity", "about_entity_id", "marts.entities",
                      "entity_id"),
             "the entity talked about is one analysts can look up", column="about_entity_id"),
    SqlCheck("marts.articles", "syndicated_from_exists_in_articles",
             _orphans("marts.articles", "syndicated_from_article_id", "marts.articles",
                      "article_id"),
             "a syndicated copy points at a published original",
             column="syndicated_from_article_id"),
]

def _run_rows(raw_table: str, expression: str = "count(*)") -> str:
    return f"select {expression} from raw.{raw_table} where run_id = $run_id"


# Upper bounds: a mart keyed by article gains at most the rows this run loaded into raw
# (more means rows were duplicated, e.g. an incremental merge that inserted twice).
ROW_COUNT_BOUNDS: list[RowCountBound] = [
    RowCountBound("marts.articles", 1.0, "articles never disappear (raw keeps history)",
                  _run_rows("articles", "count(distinct article_id)")),
    RowCountBound("marts.entities", 0.9, "entities shrink only a little (alias merges)"),
    RowCountBound("marts.entity_mentions", 0.9, "mentions shrink only with new versions",
                  _run_rows("entity_mentions")),
    RowCountBound("marts.quotes", 0.9, "quotes shrink only with new versions",
                  _run_rows("quotes")),
    RowCountBound("marts.sanctions", 0.9, "sanctions shrink only with new versions",
                  _run_rows("sanctions")),
]
ROW_COUNT_CHECK = "sql: row_count_within_bounds_of_previous_run"


def bound_note(bound: RowCountBound) -> str:
    grows = "; grows by at most this run's raw rows" if bound.max_added_sql else ""
    return f"{bound.note} (>= {bound.min_ratio:.0%} of last run{grows})"


@dataclass
class _Row:
    table: str
    check: str
    column: str
    severity: str
    note: str
    extra: list[str] = field(default_factory=list)


def markdown_table() -> str:
    rows = [_Row(s.table, c.expectation, c.column or "", c.severity, c.note)
            for s in SUITES for c in s.checks]
    rows += [_Row(c.table, f"sql: {c.name}", c.column or "", c.severity, c.note)
             for c in SQL_CHECKS]
    rows += [_Row(b.table, ROW_COUNT_CHECK, "", b.severity, bound_note(b))
             for b in ROW_COUNT_BOUNDS]
    lines = ["| table | expectation | column | severity | protects |",
             "| --- | --- | --- | --- | --- |"]
    lines += [f"| {r.table} | {r.check} | {r.column} | {r.severity} | {r.note} |" for r in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
