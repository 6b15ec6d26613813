"""Load stage records into the `raw` schema of the work database.

Each raw table mirrors one dataclass in extractors.records (a field is a column), plus
`run_id` and `loaded_at`. Loads go through Arrow in bulk, and are idempotent: rows whose
key is already present are replaced, so re-loading a run's files changes nothing.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice

import duckdb
import pyarrow as pa

from extractors.records import (
    DiscoveredUrl,
    EntityMention,
    FetchRecord,
    ParsedArticle,
    QuoteRecord,
    SanctionRecord,
)


@dataclass(frozen=True)
class EnrichmentStatus:
    """Whether NLP ran on one article version, and why not. Table: raw.enrichments."""

    article_id: str
    content_hash: str
    status: str
    error: str | None = None


@dataclass(frozen=True)
class RawTable:
    name: str
    record: type
    key: tuple[str, ...]  # rows with this key are replaced on re-load
    one_row_per_key: bool = True  # False: the key names a group (an article's mentions)


RAW_TABLES = {
    t.name: t
    for t in (
        RawTable("discoveries", DiscoveredUrl, ("run_id", "source", "url")),
        RawTable("fetches", FetchRecord, ("run_id", "url", "attempt", "is_feed")),
        # One row per archived page version: history is kept, marts pick the latest.
        RawTable("articles", ParsedArticle, ("article_id", "content_sha256")),
        RawTable("enrichments", EnrichmentStatus, ("article_id", "content_hash")),
        RawTable("entity_mentions", EntityMention, ("article_id", "content_hash"), False),
        RawTable("quotes", QuoteRecord, ("article_id", "content_hash"), False),
        RawTable("sanctions", SanctionRecord, ("article_id", "content_hash"), False),
    )
}

# Rows per Arrow batch: big enough for DuckDB's bulk path, small enough that a load's
# memory stays flat however many articles a run has.
BATCH_ROWS = 5_000
# Enrichments per batch: each carries its mentions, quotes and sanctions (~100 rows).
ENRICHMENT_BATCH = 500
ANALYSIS_TABLES = {"entity_mentions": "mentions", "quotes": "quotes", "sanctions": "sanctions"}

_ARROW_TYPES = {"str": pa.string(), "int": pa.int64(), "bool": pa.bool_(), "float": pa.float64()}
_SQL_TYPES = {"str": "VARCHAR", "int": "BIGINT", "bool": "BOOLEAN", "float": "DOUBLE"}


def _base_type(annotation: str) -> str:
    """'str | None' -> 'str'; 'list[str]' -> 'json' (lists are stored as JSON text)."""
    base = annotation.replace(" | None", "").strip()
    return "json" if base.startswith(("list[", "dict[")) else base


def columns(table: RawTable) -> list[tuple[str, str]]:
    """(column name, base type) for a raw table, in order."""
    cols = [(f.name, _base_type(f.type)) for f in dataclasses.fields(table.record)]
    if "run_id" not in {name for name, _ in cols}:
        cols.append(("run_id", "str"))
    return cols


def create_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for table in RAW_TABLES.values():
        ddl = ", ".join(
            f'"{name}" {_SQL_TYPES.get(kind, "VARCHAR")}' for name, kind in columns(table)
        )
        con.execute(
            f"CREATE TABLE IF NOT EXISTS raw.{table.name} ({ddl}, loaded_at TIMESTAMPTZ)"
        )


def _arrow(table: RawTable, rows: list[dict]) -> pa.Table:
    cols = columns(table)
    data = {}
    for name, kind in cols:
        values = [row.get(name) for row in rows]
        if kind == "json":
            data[name] = pa.array([json.dumps(v, ensure_ascii=False) for v in values], pa.string())
        else:
            data[name] = pa.array(values, _ARROW_TYPES.get(kind, pa.string()))
    return pa.table(data)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All or nothing for one batch. A batch per transaction, not a whole run: DuckDB keeps
    an open transaction's writes in memory, so a run-long transaction grew with the run
    (5.6 GiB, 5,737 MiB, at 100,000 articles)."""
    con.execute("BEGIN")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def load_rows(
    con: duckdb.DuckDBPyConnection, table_name: str, records: Iterable, run_id: str,
    replaces: Iterable[dict] = (),
) -> int:
    """Replace-by-key bulk load of records (dataclasses or dicts) into raw.<table_name>.

    `replaces` names further keys whose old rows go even if the batch has none for them:
    an article re-analysed to zero quotes must lose its old quotes. Run it inside
    transaction(con) so the delete and the insert land together.
    """
    table = RAW_TABLES[table_name]
    rows = [r if isinstance(r, dict) else dataclasses.asdict(r) for r in records]
    cleared = [{k: r[k] for k in table.key} for r in replaces]
    if not rows and not cleared:
        return 0
    for row in rows:
        if not row.get("run_id"):
            row["run_id"] = run_id
    batch = _arrow(table, rows)
    keys = ", ".join(f'"{k}"' for k in table.key)
    names = ", ".join(f'"{name}"' for name, _ in columns(table))
    key_sources = f"SELECT DISTINCT {keys} FROM batch"
    if cleared:
        con.register("cleared", pa.Table.from_pylist(cleared))
        key_sources += f" UNION SELECT {keys} FROM cleared"
    con.register("batch", batch)
    try:
        con.execute(f"DELETE FROM raw.{table.name} WHERE ({keys}) IN ({key_sources})")
        distinct = f"DISTINCT ON ({keys}) " if table.one_row_per_key else ""
        con.execute(
            f"INSERT INTO raw.{table.name} ({names}, loaded_at) "
            f"SELECT {distinct}{names}, ? FROM batch",
            [datetime.now(UTC)],
        )
    finally:
        con.unregister("batch")
        if cleared:
            con.unregister("cleared")
    return len(rows)


def batches(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def load_stream(con: duckdb.DuckDBPyConnection, table_name: str, rows: Iterable, run_id: str,
                batch_rows: int = BATCH_ROWS) -> int:
    """load_rows over a stream of any length, batch_rows at a time, each batch committed."""
    loaded = 0
    for batch in batches(rows, batch_rows):
        with transaction(con):
            loaded += load_rows(con, table_name, batch, run_id)
    return loaded


def load_enrichments(con: duckdb.DuckDBPyConnection, enrichments: Iterable[dict], run_id: str,
                     batch_size: int = ENRICHMENT_BATCH) -> dict[str, int]:
    """Enrichment rows (as in enrichments.jsonl) into raw.enrichments and the analysis
    tables, a batch of articles at a time; an article's old mentions, quotes and sanctions
    are replaced by its new ones, even when it now has none.

    A batch's statuses commit with its mentions, quotes and sanctions: a status without its
    rows would tell the next run the article was analysed, and its rows would never load."""
    counts = dict.fromkeys(["enrichments", *ANALYSIS_TABLES], 0)
    for batch in batches(enrichments, batch_size):
        statuses = [dataclasses.asdict(EnrichmentStatus(
            e["article_id"], e["content_hash"], e["status"], e.get("error"))) for e in batch]
        with transaction(con):
            counts["enrichments"] += load_rows(con, "enrichments", statuses, run_id)
            for table, field in ANALYSIS_TABLES.items():
                counts[table] += load_rows(con, table, [row for e in batch for row in e[field]],
                                           run_id, replaces=statuses)
    return counts
