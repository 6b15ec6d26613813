"""A failed task leaves a row in audit.task_failures and, when configured, a webhook POST."""

import json
from datetime import UTC, datetime

import duckdb

from extractors.failures import TaskFailure, record_failure
from extractors.warehouse import paths_for

FAILURE = TaskFailure(dag_id="news_pipeline", run_id="manual__1", task_id="per_source.fetch",
                      map_index=2, try_number=3, error="ConnectionError: refused",
                      failed_at=datetime(2026, 11, 25, 12, 0, tzinfo=UTC))


def test_failure_is_a_row_in_the_audit_schema(tmp_path, monkeypatch):
    monkeypatch.delenv("NEWS_FAILURE_WEBHOOK", raising=False)
    warehouse = tmp_path / "news.duckdb"
    record_failure(str(warehouse), FAILURE)
    record_failure(str(warehouse), FAILURE)  # each failed try is its own row
    with duckdb.connect(str(paths_for(warehouse).work), read_only=True) as con:
        rows = con.execute("select task_id, map_index, try_number, error "
                           "from audit.task_failures").fetchall()
    assert rows == [("per_source.fetch", 2, 3, "ConnectionError: refused")] * 2


def test_failure_is_posted_to_the_webhook(tmp_path, monkeypatch, httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    monkeypatch.setenv("NEWS_FAILURE_WEBHOOK", httpserver.url_for("/hook"))
    record_failure(str(tmp_path / "news.duckdb"), FAILURE)
    (request, _), = httpserver.log
    assert json.loads(request.data) == {
        "dag_id": "news_pipeline", "run_id": "manual__1", "task_id": "per_source.fetch",
        "map_index": 2, "try_number": 3, "error": "ConnectionError: refused",
        "failed_at": "2026-11-25T12:00:00+00:00"}


def test_an_unwritable_warehouse_or_dead_webhook_does_not_raise(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWS_FAILURE_WEBHOOK", "http://127.0.0.1:9/hook")  # discard port
    not_a_database = tmp_path / "news.work.duckdb"
    not_a_database.write_text("this is not a DuckDB file")
    record_failure(str(tmp_path / "news.duckdb"), FAILURE)
