"""Validate a run's raw rows and the built marts with Great Expectations (GX Core 1.x).

The suites live in expectations/suites.py. In one short read-only open of the work database
(the GX SQL datasource does not work on DuckDB) each suite's rows, the columns its checks
name, are written to Parquet chunk files of about ROWS_PER_CHUNK rows, and the cross-table
and row-count checks are computed in SQL; the database is then closed. Each table runs
through a GX Checkpoint, in an in-memory GX context, one chunk at a time, so memory does not
grow with the run (a full run of 10,000 articles validates about a million mention and quote
rows; reading them all at once took 1.4 GB). Rows sharing the suite's chunk_by column (a key
column) share a chunk, so uniqueness stays exact. Each expectation's counts are added up
over the chunks and its success decided from them by GX's rule, into one result per table as
if GX had seen every row at once; the examples of unexpected values come from the first
chunk that had any. The HTML Data Docs are built once at the end, in the report's file
context beside earlier runs' results, from this run's results with their scraped values
HTML-escaped first: GX prints failing values into the page as they are, and a page that
carried `<script>` would run in the browser of whoever opens the report. Finally the work
database is opened read-write once to record every result in audit.validation_runs (one row
per expectation per run; re-validating a run replaces its rows).

great_expectations takes 2.3 to 3.1 s to import: it is imported inside validate(), never at module
import, so the Airflow DAG file stays light, and in a thread while the database is read.
"""

from __future__ import annotations

import html
import importlib.util
import json
import logging
import math
import os
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb

from extractors.warehouse import connect

log = logging.getLogger(__name__)

SUITES_FILE = Path(__file__).resolve().parent.parent / "expectations" / "suites.py"
DATASOURCE = "news_warehouse"
MAX_EXAMPLES = 3  # unexpected values quoted in a failure message
# rows GX validates at once, which bounds validate's memory: a chunk of 100,000 rows of
# the checked columns is a few tens of MB in pandas. Each chunk costs GX ~0.25 s on top.
ROWS_PER_CHUNK = 100_000
CHUNKS_DIR = "chunks"  # under the report dir, deleted when validation ends
COUNTS = ("element_count", "missing_count", "unexpected_count")  # a map result's counts

AUDIT_DDL = """
create schema if not exists audit;
create table if not exists audit.validation_runs (
    run_id varchar not null,
    validated_at timestamptz not null,
    table_name varchar not null,
    expectation varchar not null,
    "column" varchar,
    success boolean not null,
    observed_value varchar,
    note varchar,
    severity varchar,
    unexpected_count bigint
)
"""
AUDIT_COLUMNS = ("run_id", "validated_at", "table_name", "expectation", "column", "success",
                 "observed_value", "note", "severity", "unexpected_count")


@dataclass
class ValidationOutcome:
    success: bool  # no critical expectation failed
    results: list[dict] = field(default_factory=list)  # one row per expectation (audit rows)
    failures: list[str] = field(default_factory=list)  # readable, critical ones first
    docs_path: Path | None = None  # Data Docs index.html
    warnings: list[str] = field(default_factory=list)  # failed checks of severity warning
    elapsed_s: float = 0.0


def load_suites() -> ModuleType:
    """expectations/suites.py by path: it is project data, not an installed package."""
    name = "news_warehouse_expectations"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SUITES_FILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


def _short(value: Any, limit: int = 300) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _table_exists(con, table: str) -> bool:
    schema, name = table.split(".")
    found = con.execute("select count(*) from information_schema.tables "
                        "where table_schema = ? and table_name = ?", [schema, name]).fetchone()
    return found[0] > 0


def _read(work_db: Path, run_id: str, suites_mod: ModuleType,
          chunks_dir: Path) -> tuple[dict[str, list[Path] | None], list[dict]]:
    """Everything validation needs from the work database, read in one short read-only open:
    each suite's rows as chunk files (None: the table is missing), the SQL checks' results
    and the previous run's row counts."""
    chunks: dict[str, list[Path] | None] = {}
    sql_rows: list[dict] = []
    with connect(work_db, read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        for suite in suites_mod.SUITES:
            if not _table_exists(con, suite.table):
                chunks[suite.table] = None
                continue
            chunks[suite.table] = _write_chunks(con, suite, run_id,
                                                chunks_dir / suite.table.replace(".", "__"))

        for check in suites_mod.SQL_CHECKS:
            row = dict(table=check.table, expectation=f"sql: {check.name}",
                       column=check.column, note=check.note, severity=check.severity)
            try:
                bad = con.execute(check.sql).fetchone()[0]
                row.update(success=bad == 0, observed_value=str(bad), unexpected_count=bad)
            except Exception as exc:  # a missing table is a failure, not a crash
                row.update(success=False, observed_value=f"error: {exc}"[:300],
                           unexpected_count=None)
            sql_rows.append(row)

        has_audit = _table_exists(con, "audit.validation_runs")
        for bound in suites_mod.ROW_COUNT_BOUNDS:
            sql_rows.append(_row_count_row(con, bound, run_id, has_audit, suites_mod))
    return chunks, sql_rows


def _write_chunks(con, suite, run_id: str, folder: Path) -> list[Path]:
    """The suite's rows as chunks of about ROWS_PER_CHUNK rows each (a Parquet file, or a glob
    of a folder's files), split on a hash of suite.chunk_by so that rows with the same value
    share a chunk. DuckDB's COPY streams: memory does not grow with the rows. No chunk: a
    per-run suite found no rows this run. A whole-table suite always gets one file, empty
    if need be, so that GX checks an empty table (a partitioned COPY writes no file then)."""
    params = {"run_id": run_id} if suite.per_run else {}
    rows = con.execute(f"select count(*) from ({suite.sql})", params).fetchone()[0]
    if suite.per_run and rows == 0:
        return []
    have = [d[0] for d in con.execute(f"select * from ({suite.sql}) limit 0", params).description]
    named = {c for check in suite.checks if check.column for c in check.column.split(",")}
    # GX looks at no other column (raw.articles' bodies would make chunks ten times larger);
    # a named column the rows lack stays missing, for its check to report as ever
    columns = ", ".join(_quote(c) for c in have if c in named) or "*"
    # a table without its chunk_by column (a model gone wrong) is checked in one piece
    count = max(1, math.ceil(rows / ROWS_PER_CHUNK)) if suite.chunk_by in have else 1
    folder.mkdir(parents=True)
    escaped = str(folder).replace("'", "''")  # our own path, never scraped text
    if count == 1:
        con.execute(f"copy (select {columns} from ({suite.sql})) "
                    f"to '{escaped}/0.parquet' (format parquet)", params)
        return [folder / "0.parquet"]
    # one pass over the rows, one folder of files per chunk (chunk=<i>/)
    con.execute(f"copy (select {columns}, hash({_quote(suite.chunk_by)}) % {count} as chunk "
                f"from ({suite.sql})) to '{escaped}' "
                f"(format parquet, partition_by (chunk), overwrite_or_ignore)", params)
    return [part / "*.parquet" for part in sorted(folder.glob("chunk=*"))]


def _frame(con, path: Path):
    """One chunk as the DataFrame the work database would have returned (same DuckDB types,
    timestamps in UTC: `con` is an in-memory connection set to UTC, shared by the chunks, as
    a connection per chunk cost 20 ms)."""
    return con.execute("select * from read_parquet(?)", [str(path)]).df()


def _row_count_row(con, bound, run_id: str, has_audit: bool, suites_mod: ModuleType) -> dict:
    """The mart's row count against the last run that passed validation (a failed run was
    not published): not below min_ratio of it, not above it plus what this run loaded."""
    row = dict(table=bound.table, expectation=suites_mod.ROW_COUNT_CHECK, column=None,
               severity=bound.severity, note=suites_mod.bound_note(bound),
               unexpected_count=None)
    if not _table_exists(con, bound.table):
        return dict(row, success=False, observed_value="table missing")
    count = con.execute(f"select count(*) from {bound.table}").fetchone()[0]
    previous = None
    if has_audit:
        found = con.execute(
            "select observed_value from audit.validation_runs "
            "where table_name = ? and expectation = ? and run_id <> ? and run_id not in "
            "(select run_id from audit.validation_runs where not success "
            "and severity = 'critical') "
            "order by validated_at desc limit 1",
            [bound.table, row["expectation"], run_id]).fetchone()
        previous = int(found[0]) if found and str(found[0]).isdigit() else None
    if previous is None:
        return dict(row, success=True, observed_value=str(count),
                    note=row["note"] + "; no previous passing run")
    high = None
    if bound.max_added_sql:
        high = previous + con.execute(bound.max_added_sql, {"run_id": run_id}).fetchone()[0]
    ok = count >= bound.min_ratio * previous and (high is None or count <= high)
    limits = f"previous passing run {previous}"
    if high is not None:
        limits += f", at most {high}"
    return dict(row, success=ok, observed_value=str(count), note=f"{row['note']}; {limits}")


def _gx_rows(table: str, suite_result) -> list[dict]:
    rows = []
    for r in suite_result.results:
        config = r.expectation_config
        meta = config.meta or {}
        result = r.result or {}
        observed = result.get("observed_value")
        unexpected = result.get("unexpected_count")
        if observed is None and unexpected is not None:
            examples = result.get("partial_unexpected_list") or []
            observed = f"{unexpected} unexpected" + (
                f", e.g. {_short(examples[:MAX_EXAMPLES], 200)}" if examples else "")
        if r.exception_info and r.exception_info.get("raised_exception"):
            observed = f"error: {r.exception_info.get('exception_message')}"
        rows.append(dict(
            table=table, expectation=config.type, column=meta.get("column"),
            success=bool(r.success), observed_value=_short(observed),
            note=meta.get("note"), severity=meta.get("severity", "critical"),
            unexpected_count=None if unexpected is None else int(unexpected)))
    return rows


def _failure_text(row: dict) -> str:
    column = f"({row['column']})" if row.get("column") else ""
    return (f"{row['table']}: {row['expectation']}{column} failed, observed "
            f"{row.get('observed_value')} -- protects: {row.get('note')}")


def validate(work_db: Path, run_id: str, report_dir: Path) -> ValidationOutcome:
    """Run every suite; record results in audit.validation_runs; build Data Docs.

    Returns the outcome (the caller decides whether to publish: outcome.success).
    """
    started = time.monotonic()
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("GX_USAGE_STATS", "False")
    # GX's import (2.3 to 3.1 s of one core; not at module level) goes on while DuckDB, outside
    # the GIL, reads the work database. Should it fail, the import below raises the error.
    gx_import = threading.Thread(target=importlib.import_module, args=("great_expectations",),
                                 daemon=True)
    gx_import.start()
    suites_mod = load_suites()
    work_db = Path(work_db)
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    chunks_dir = report_dir / CHUNKS_DIR
    shutil.rmtree(chunks_dir, ignore_errors=True)  # left by a validation that was killed
    try:
        chunks, sql_rows = _read(work_db, run_id, suites_mod, chunks_dir)
        gx_import.join()
        import great_expectations as gx

        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        # The checks run in an in-memory context: a file context re-reads its YAML config
        # at every store access, which cost 0.9 to 2.6 s a run, whatever its size.
        context = gx.get_context(mode="ephemeral")
        _quiet_progress_bars(context)
        rows, results = _run_suites(context, suites_mod, chunks, run_id)
    finally:
        shutil.rmtree(chunks_dir, ignore_errors=True)
    _publish_docs(gx.get_context(mode="file", project_root_dir=report_dir / "gx"), results)

    rows.extend(sql_rows)
    validated_at = datetime.now(UTC)
    for row in rows:
        row["run_id"] = run_id
        row["validated_at"] = validated_at
    _record(work_db, run_id, rows)

    critical = [r for r in rows if not r["success"] and r["severity"] == "critical"]
    warned = [r for r in rows if not r["success"] and r["severity"] != "critical"]
    docs = report_dir / "gx" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    outcome = ValidationOutcome(
        success=not critical,
        results=[{("table_name" if k == "table" else k): v for k, v in r.items()} for r in rows],
        failures=[_failure_text(r) for r in critical],
        warnings=[_failure_text(r) for r in warned],
        docs_path=docs if docs.exists() else None,
        elapsed_s=round(time.monotonic() - started, 2),
    )
    log.info("validation of %s: %d checks, %d failed, %d warnings, %.1f s", run_id,
             len(rows), len(critical), len(warned), outcome.elapsed_s)
    return outcome


def _publish_docs(context, results: dict) -> None:
    """Store this run's results (result key: suite result) in the report's file context,
    where earlier runs' results are, and render their pages and the index: rendering
    every stored result again would make each run slower than the last."""
    for key, suite_result in results.items():
        context.validation_results_store.set(key, suite_result)
    context.build_data_docs(resource_identifiers=list(results))


def _run_suites(context, suites_mod: ModuleType, chunks: dict[str, list[Path] | None],
                run_id: str) -> tuple[list[dict], dict]:
    """Each table's GX results as audit rows, and the suite results (HTML-escaped, for the
    Data Docs) by result key."""
    datasource = context.data_sources.add_pandas(DATASOURCE)
    # one run identifier: a table's chunks share one result key, which its sum is stored under
    gx_run = _gx_run_id(run_id)
    rows: list[dict] = []
    results = {}
    with duckdb.connect() as reader:  # every chunk is read through this one connection
        reader.execute("SET TimeZone = 'UTC'")
        for suite in suites_mod.SUITES:
            paths = chunks[suite.table]
            if paths is None:
                rows.append(dict(table=suite.table, expectation="table_exists", column=None,
                                 success=False, observed_value="table missing",
                                 note="the table the suite validates was built",
                                 severity="critical", unexpected_count=None))
                continue
            if not paths:
                rows.append(dict(table=suite.table, expectation="rows_this_run", column=None,
                                 success=True, observed_value="0",
                                 note="nothing loaded for this run: nothing to check",
                                 severity="info", unexpected_count=None))
                continue
            result_key, suite_result = _run_chunks(_checkpoint(context, datasource, suite),
                                                   paths, gx_run, reader)
            rows.extend(_gx_rows(suite.table, suite_result))
            _escape_markup(suite_result)
            results[result_key] = suite_result
    return rows, results


def _checkpoint(context, datasource, suite):
    """The table's GX checkpoint: its suite's checks on a whole-DataFrame batch."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.expectations.expectation import (
        ColumnMapExpectation,
        ColumnPairMapExpectation,
        MulticolumnMapExpectation,
    )

    key = suite.table.replace(".", "__")
    # the context is new each run (in memory): everything is added, nothing looked up
    asset = datasource.add_dataframe_asset(name=key)
    batch_definition = asset.add_batch_definition_whole_dataframe("all_rows")

    gx_suite = gx.ExpectationSuite(name=key)
    for check in suite.checks:
        expectation_class = getattr(gxe, check.expectation)
        if not issubclass(expectation_class, (ColumnMapExpectation, ColumnPairMapExpectation,
                                              MulticolumnMapExpectation)):
            # a mean or a row count of one chunk says nothing about the run
            raise TypeError(f"{suite.table}: {check.expectation} is not row-level, so its "
                            "chunks' results cannot be added up: make it a SqlCheck")
        gx_suite.add_expectation(expectation_class(
            **check.kwargs, notes=check.note,
            meta={"note": check.note, "severity": check.severity, "column": check.column},
        ))
    gx_suite = context.suites.add(gx_suite)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=key, data=batch_definition, suite=gx_suite))
    return context.checkpoints.add(gx.Checkpoint(
        name=key, validation_definitions=[definition],
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": MAX_EXAMPLES},
    ))


def _run_chunks(checkpoint, paths: list[Path], gx_run, reader) -> tuple[Any, Any]:
    """The checkpoint run on each chunk (read through `reader`), one DataFrame in memory at a
    time; returns the result's store key and the chunks' results added up."""
    total = None
    for path in paths:
        result = checkpoint.run(batch_parameters={"dataframe": _frame(reader, path)},
                                run_id=gx_run)
        [(result_key, suite_result)] = result.run_results.items()
        total = suite_result if total is None else _add(total, suite_result)
    _settle(total)
    return result_key, total


def _raised(r) -> bool:
    return bool(r.exception_info and r.exception_info.get("raised_exception"))


def _replaces(new, kept) -> bool:
    """Whether a chunk's result replaces the one kept so far, whose examples (or error) the
    audit and the Data Docs show: the first error wins, else the first unexpected values."""
    if _raised(kept):
        return False
    return _raised(new) or (not (kept.result or {}).get("unexpected_count")
                            and bool((new.result or {}).get("unexpected_count")))


def _add(total, chunk):
    """The chunk's counts added to the table's results so far (same suite: same order)."""
    for i, (kept, new) in enumerate(zip(total.results, chunk.results, strict=True)):
        old, more = kept.result or {}, new.result or {}
        counts = {k: old[k] + more[k] for k in COUNTS if k in old and k in more}
        if _replaces(new, kept):
            total.results[i] = kept = new
        kept.result = {**(kept.result or {}), **counts}
    return total


def _percent(part: int, whole: int) -> float | None:
    return part / whole * 100 if whole else None


def _settle(total) -> None:
    """Percentages and success from the summed counts, by GX's rule for map expectations
    (vacuously true on no rows; else at least `mostly` of the rows considered, those not
    missing, are as expected); then the suite's success and statistics."""
    for r in total.results:
        result = r.result or {}
        if _raised(r) or result.get("unexpected_count") is None:
            continue
        element, unexpected = result["element_count"], result["unexpected_count"]
        # no missing_count (not_be_null): every row is considered
        considered = element - result.get("missing_count", 0)
        result["unexpected_percent"] = _percent(unexpected, considered)
        if "missing_count" in result:
            result.update(missing_percent=_percent(result["missing_count"], element),
                          unexpected_percent_total=_percent(unexpected, element),
                          unexpected_percent_nonmissing=result["unexpected_percent"])
        mostly = r.expectation_config.kwargs.get("mostly", 1.0)
        r.success = considered == 0 or (considered - unexpected) / considered >= mostly
    evaluated = len(total.results)
    successful = sum(bool(r.success) for r in total.results)
    total.success = successful == evaluated
    total.statistics.update(evaluated_expectations=evaluated,
                            successful_expectations=successful,
                            unsuccessful_expectations=evaluated - successful,
                            success_percent=_percent(successful, evaluated))


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return html.escape(value)
    if isinstance(value, list | tuple):
        return [_escaped(v) for v in value]
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    return value


def _escape_markup(suite_result) -> None:
    """HTML-escape every value GX observed in the data (the Data Docs show them raw)."""
    for r in suite_result.results:
        if r.result:
            r.result = _escaped(r.result)


def _quiet_progress_bars(context) -> None:
    try:
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context.variables.progress_bars = ProgressBarsConfig(globally=False)
    except Exception as exc:  # cosmetic only
        log.debug("could not turn GX progress bars off: %s", exc)


def _gx_run_id(run_id: str):
    from great_expectations.core.run_identifier import RunIdentifier

    return RunIdentifier(run_name=run_id or None)  # run_time: now


def _record(work_db: Path, run_id: str, rows: list[dict]) -> None:
    with connect(work_db) as con:
        con.execute(AUDIT_DDL)
        con.execute("begin")
        try:
            con.execute("delete from audit.validation_runs where run_id = ?", [run_id])
            con.executemany(
                f"insert into audit.validation_runs ({', '.join(map(_quote, AUDIT_COLUMNS))}) "
                f"values ({', '.join('?' for _ in AUDIT_COLUMNS)})",
                [[r["run_id"], r["validated_at"], r["table"], r["expectation"], r["column"],
                  r["success"], r["observed_value"], r["note"], r["severity"],
                  r["unexpected_count"]] for r in rows])
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise


def _quote(name: str) -> str:
    return f'"{name}"'
