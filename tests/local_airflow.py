"""A local Airflow deployment for the tests that need the real scheduler (backfill, scale
out): its own AIRFLOW_HOME, the metadata DB on PostgreSQL, the LocalExecutor, api-server,
scheduler and dag-processor as processes.

PostgreSQL, not SQLite: with a scheduler writing beside it, `airflow backfill create` failed
on SQLite with "database is locked" (once in CI). Its transaction reads, then writes, and
SQLite refuses that upgrade at once, busy timeout or not, whenever another connection is
writing; apache/airflow PR #67900 words it "backfill creation is not supported on SQLite
under concurrent access".
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from tests import local_postgres

AIRFLOW = str(Path(sys.executable).parent / "airflow")
ROOT = Path(__file__).resolve().parents[1]
DAG_ID = "news_pipeline"
WRITER_POOL = "news_warehouse_writer"


def base_env(home: Path, api_port: int) -> dict[str, str]:
    """What every component of one local deployment shares."""
    return {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",  # a 2-core machine; a real worker sets its own
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        # every component must sign and check task tokens with the same secret
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        # the REST API without a login: it listens on 127.0.0.1 only, for this test
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        # only the runs the test creates: no scheduled run of the latest interval
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
    }


def airflow(env: dict, *args: str) -> str:
    """`airflow <args>`; its stdout, or RuntimeError with its output."""
    done = subprocess.run([AIRFLOW, *args], env=env, capture_output=True, text=True,
                          timeout=300)
    if done.returncode:
        raise RuntimeError(f"airflow {' '.join(args)}:\n{done.stdout[-3000:]}{done.stderr}")
    return done.stdout


@contextmanager
def airflow_process(env: dict, name: str, *args: str) -> Iterator[subprocess.Popen]:
    """One Airflow component, logging to $AIRFLOW_HOME/<name>.log; stopped with its children
    (the LocalExecutor's workers) on exit."""
    log_path = Path(env["AIRFLOW_HOME"]) / f"{name}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen([AIRFLOW, *args], env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).ok
    except requests.RequestException:  # not up yet, or busy
        return False


def wait_for(ready, timeout_s: float, message: str, processes=()) -> None:
    deadline = time.monotonic() + timeout_s
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError(message)
        if any(p.poll() is not None for p in processes):
            raise RuntimeError(f"an Airflow process exited: {message}")
        time.sleep(1)


@dataclass(frozen=True)
class Deployment:
    api: str  # the REST API's base URL
    env: dict  # the environment of its components, for `airflow` CLI calls
    metadata: dict  # NEWS_PG_* of the metadata DB, for local_postgres.connect


@contextmanager
def local_executor_on_postgres(workdir: Path, postgres: dict,
                               extra_env: dict[str, str]) -> Iterator[Deployment]:
    """Airflow on the given PostgreSQL server (a new `airflow` database), the news DAG
    served and unpaused, its writer pool made; extra_env is added to every component's."""
    with closing(local_postgres.connect(postgres)) as pg:
        pg.autocommit = True  # CREATE DATABASE runs outside a transaction
        pg.cursor().execute("create database airflow")
    home = workdir / "airflow-home"
    home.mkdir(parents=True, exist_ok=True)
    api_port = local_postgres.free_port()
    env = {
        **base_env(home, api_port),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": (
            f"postgresql+psycopg2://{postgres['NEWS_PG_USER']}@{postgres['NEWS_PG_HOST']}:"
            f"{postgres['NEWS_PG_PORT']}/airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        **extra_env,
    }
    airflow(env, "db", "migrate")
    with ExitStack() as stack:  # exits in reverse: the scheduler (its workers report to
        processes = [stack.enter_context(airflow_process(env, *component))  # the api-server)
                     for component in (("api-server", "api-server", "--host", "127.0.0.1",
                                        "--port", str(api_port)),
                                       ("scheduler", "scheduler"),
                                       ("dag-processor", "dag-processor"))]
        api = f"http://127.0.0.1:{api_port}/api/v2"
        wait_for(lambda: answers(f"{api}/dags/{DAG_ID}"), 180,
                 f"the DAG was not served within 180 s (logs in {home})", processes)
        # through the API that is up now: one Airflow CLI start-up less than `pools set`
        requests.post(f"{api}/pools", timeout=60, json={
            "name": WRITER_POOL, "slots": 1, "description": "one writer of the DuckDB work file",
            "include_deferred": False}).raise_for_status()
        yield Deployment(api, env, {**postgres, "NEWS_PG_DBNAME": "airflow"})
