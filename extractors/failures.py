"""Record a failed Airflow task where a data engineer will look: the log, the warehouse's
audit schema (audit.task_failures in the work database; published with the next
publication) and, when NEWS_FAILURE_WEBHOOK is set, a JSON POST to that URL."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import requests

from extractors.warehouse import connect, paths_for

log = logging.getLogger(__name__)

WEBHOOK_ENV = "NEWS_FAILURE_WEBHOOK"
WEBHOOK_TIMEOUT_S = 10


@dataclass(frozen=True)
class TaskFailure:
    dag_id: str
    run_id: str
    task_id: str
    map_index: int
    try_number: int
    error: str
    failed_at: datetime


def save_failure(warehouse: str, failure: TaskFailure) -> None:
    with connect(paths_for(warehouse).work) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS audit")
        con.execute("""CREATE TABLE IF NOT EXISTS audit.task_failures (
            dag_id VARCHAR, run_id VARCHAR, task_id VARCHAR, map_index INTEGER,
            try_number INTEGER, error VARCHAR, failed_at TIMESTAMPTZ)""")
        row = asdict(failure)
        con.execute(f"INSERT INTO audit.task_failures ({', '.join(row)}) "
                    f"VALUES ({', '.join('?' * len(row))})", list(row.values()))


def post_webhook(url: str, failure: TaskFailure) -> None:
    body = {**asdict(failure), "failed_at": failure.failed_at.isoformat()}
    requests.post(url, data=json.dumps(body), timeout=WEBHOOK_TIMEOUT_S,
                  headers={"Content-Type": "application/json"}).raise_for_status()


def record_failure(warehouse: str, failure: TaskFailure) -> None:
    """Never raises: a broken audit path must not hide the task's own failure."""
    log.error("[failure] %s.%s[%s] try %s of run %s: %s", failure.dag_id, failure.task_id,
              failure.map_index, failure.try_number, failure.run_id, failure.error)
    try:
        save_failure(warehouse, failure)
    except Exception:  # e.g. the work database is locked by another writer
        log.exception("could not write audit.task_failures")
    if url := os.environ.get(WEBHOOK_ENV):
        try:
            post_webhook(url, failure)
        except Exception:
            log.exception("failure webhook %s did not accept the report", url)


def failure_from_context(context) -> TaskFailure:
    ti = context["ti"]
    error = context.get("exception")
    return TaskFailure(dag_id=ti.dag_id, run_id=ti.run_id, task_id=ti.task_id,
                       map_index=ti.map_index, try_number=ti.try_number,
                       error=f"{type(error).__name__}: {error}"[:2000] if error else "unknown",
                       failed_at=datetime.now(UTC))
