"""Past one machine, proven on one: the news_pipeline DAG under Airflow's LocalExecutor, with
the metadata DB on PostgreSQL, runs the per-source tasks in parallel.

A deployment in miniature: a PostgreSQL server (tests/local_postgres.py), `airflow db
migrate` into it, then the api-server (task workers report to its execution API), the
scheduler (LocalExecutor) and the dag-processor as separate processes; one run triggered
through the REST API on the demo site. The verdict comes from the metadata DB's
task_instance rows: the run succeeded, two sources' tasks ran at the same time, and the
DuckDB writers (one-slot pool) never did.

`make scale-out` runs the same for a user and prints the timeline
(`python -m tests.test_scale_out`).
"""

from __future__ import annotations

import sys
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import requests

from demo_site.serve import start_demo_server
from tests import local_postgres
from tests.local_airflow import DAG_ID, ROOT, WRITER_POOL, local_executor_on_postgres, wait_for

pytestmark = pytest.mark.e2e
MAX_ARTICLES = 2  # per source: enough for every stage to do real work, quickly
RUN_TIMEOUT_S = 300


@dataclass(frozen=True)
class TaskSpan:
    task_id: str
    map_index: int  # -1 unless mapped (per_source.* has one per source)
    state: str
    pool: str
    start: datetime
    end: datetime

    @property
    def name(self) -> str:
        return self.task_id + (f"[{self.map_index}]" if self.map_index >= 0 else "")

    def overlaps(self, other: TaskSpan) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass
class RunOutcome:
    run_id: str
    state: str
    spans: list[TaskSpan]
    start_up_s: float  # PostgreSQL up -> the DAG served, pool created
    run_s: float  # triggered -> finished


def trigger_and_wait(api: str, metadata: dict, conf: dict) -> tuple[str, str]:
    """Trigger one run with conf through the REST API; return (run_id, final state), read
    from the metadata DB (a busy api-server may be slow to answer, the database is not)."""
    created = requests.post(f"{api}/dags/{DAG_ID}/dagRuns",
                            json={"logical_date": None, "conf": conf}, timeout=60)
    created.raise_for_status()
    run_id = created.json()["dag_run_id"]
    state = {}

    def finished() -> bool:
        with closing(local_postgres.connect(metadata)) as pg, pg.cursor() as cur:
            cur.execute("select state from dag_run where dag_id = %s and run_id = %s",
                        (DAG_ID, run_id))
            state["run"] = cur.fetchone()[0]
        return state["run"] in ("success", "failed")

    wait_for(finished, RUN_TIMEOUT_S, f"run {run_id} unfinished after {RUN_TIMEOUT_S} s")
    return run_id, state["run"]


def task_spans(metadata: dict, run_id: str) -> list[TaskSpan]:
    """The run's task instances as the metadata DB recorded them, in start order."""
    with closing(local_postgres.connect(metadata)) as pg, pg.cursor() as cur:
        cur.execute("select task_id, map_index, state, pool, start_date, end_date "
                    "from task_instance where dag_id = %s and run_id = %s "
                    "and start_date is not null order by start_date", (DAG_ID, run_id))
        return [TaskSpan(*row) for row in cur.fetchall()]


def overlapping_sources(spans: list[TaskSpan]) -> list[tuple[TaskSpan, TaskSpan]]:
    """Pairs of per-source tasks of different sources that ran at the same time."""
    mapped = [s for s in spans if s.task_id.startswith("per_source.")]
    return [(a, b) for i, a in enumerate(mapped) for b in mapped[i + 1:]
            if a.map_index != b.map_index and a.overlaps(b)]


def overlapping_writers(spans: list[TaskSpan]) -> list[tuple[TaskSpan, TaskSpan]]:
    writers = [s for s in spans if s.pool == WRITER_POOL]
    return [(a, b) for i, a in enumerate(writers) for b in writers[i + 1:] if a.overlaps(b)]


def run_scaled_out(workdir: Path, postgres: dict) -> RunOutcome:
    started = time.monotonic()
    demo_url, stop_demo = start_demo_server(port=0)
    try:  # the demo sources.yml reads the site's address from ${DEMO_BASE_URL}
        with local_executor_on_postgres(workdir, postgres,
                                        {"DEMO_BASE_URL": demo_url}) as deployment:
            ready = time.monotonic()
            conf = {"sources": str(ROOT / "demo_site" / "sources.yml"),
                    "warehouse": str(workdir / "warehouse" / "news.duckdb"),
                    "max_articles": MAX_ARTICLES}
            run_id, state = trigger_and_wait(deployment.api, deployment.metadata, conf)
            spans = task_spans(deployment.metadata, run_id)
    finally:
        stop_demo()
    return RunOutcome(run_id, state, spans, start_up_s=round(ready - started, 1),
                      run_s=round(time.monotonic() - ready, 1))


def timeline(outcome: RunOutcome) -> str:
    """One line per task: seconds from the run's first start, pool, state."""
    t0 = outcome.spans[0].start
    return "\n".join(
        f"  {(s.start - t0).total_seconds():6.1f} -> {(s.end - t0).total_seconds():6.1f} s  "
        f"{s.name:32} {s.state:8} {s.pool}" for s in outcome.spans)


def test_local_executor_on_postgres_runs_sources_in_parallel(tmp_path):
    with local_postgres.postgres_for_tests() as postgres:
        outcome = run_scaled_out(tmp_path, postgres)
    report = f"run {outcome.run_id}: {outcome.state}\n{timeline(outcome)}"
    assert outcome.state == "success", report
    assert {s.state for s in outcome.spans} == {"success"}, report
    assert len({s.map_index for s in outcome.spans if s.task_id.startswith("per_source.")
                }) == 3, report  # the demo's three sources, one mapped group each
    assert overlapping_sources(outcome.spans), report  # two sources at the same time
    assert not overlapping_writers(outcome.spans), report  # one DuckDB writer at a time


def main() -> int:
    """`make scale-out`: the same run, reported for a reader."""
    with tempfile.TemporaryDirectory(prefix="scale-out-", dir=ROOT / ".tmp") as workdir:
        try:
            with local_postgres.postgres_server() as postgres:
                print(f"PostgreSQL on 127.0.0.1:{postgres['NEWS_PG_PORT']}; Airflow "
                      "LocalExecutor: api-server + scheduler + dag-processor ...", flush=True)
                outcome = run_scaled_out(Path(workdir), postgres)
        except local_postgres.PostgresUnavailable as reason:
            print(f"error: {reason}", file=sys.stderr)
            return 1
    print(f"run {outcome.run_id}: {outcome.state} in {outcome.run_s} s "
          f"(Airflow start-up on PostgreSQL before it: {outcome.start_up_s} s)")
    print(timeline(outcome))
    pairs = overlapping_sources(outcome.spans)
    print(f"per-source tasks of different sources running at once: {len(pairs)} pairs"
          + (f", e.g. {pairs[0][0].name} and {pairs[0][1].name}" if pairs else ""))
    print(f"DuckDB writers overlapping: {len(overlapping_writers(outcome.spans))}")
    return 0 if outcome.state == "success" and pairs else 1


if __name__ == "__main__":
    sys.exit(main())
