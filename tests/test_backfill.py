"""`airflow backfill create` over two days re-processes each day's discoveries, and a
second backfill of the same days changes nothing in the published marts.

Real Airflow (tests/local_airflow.py: metadata on PostgreSQL, api-server, scheduler with
the LocalExecutor, dag-processor, its own home in a temporary folder), the real DAG on a
daily schedule, the demo site on 127.0.0.1.
The demo's harbour-times Atom feed dates one story inside each backfilled day
(2026-05-13 and 2026-05-14, UTC) and the others outside; an undated URL-list page
belongs to no window.
"""

import json
import time
from pathlib import Path

import duckdb
import pytest
import requests

from demo_site.serve import start_demo_server
from tests.local_airflow import DAG_ID, Deployment, airflow, local_executor_on_postgres
from tests.local_postgres import postgres_for_tests

pytestmark = pytest.mark.e2e
FROM_DATE, TO_DATE = "2026-05-13", "2026-05-14"  # two daily windows
IN_WINDOW = {  # logical date (window start) -> the one story the feed dates inside it
    "2026-05-13": "/harbour-times/2026/05/13/tahiri-dismisses-sanctions.html",
    "2026-05-14": "/harbour-times/2026/05/14/us-lifts-sanctions-merovian-bank.html",
}
UNDATED = "/old-gazette/archive/2026/05/02/story-110.html"
# Bookkeeping that truthfully changes on a re-fetch: when it was fetched and loaded.
FETCH_TIME_COLUMNS = ("fetched_at", "loaded_at")
MARTS = ("articles", "entities", "entity_mentions", "quotes", "sanctions")
RUN_TIMEOUT_S = 600  # per run: a loaded 2-core machine made one take 3 minutes


@pytest.fixture(scope="module")
def site():
    base_url, stop = start_demo_server(port=0)
    yield base_url
    stop()


@pytest.fixture(scope="module")
def sources_file(tmp_path_factory, site):
    path = tmp_path_factory.mktemp("sources") / "sources.yml"
    path.write_text(f"""
defaults: {{allow_private_network: true, crawl_delay: 0}}
sources:
  - name: harbour-times
    feeds: ["{site}/harbour-times/atom.xml"]
  - name: old-gazette
    urls: ["{site}{UNDATED}"]
""")
    return path


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Deployment:
    with postgres_for_tests() as postgres, local_executor_on_postgres(
            tmp_path_factory.mktemp("airflow"), postgres, {"NEWS_SCHEDULE": "@daily"}) as running:
        yield running


def backfill(deployment: Deployment, conf: dict, reprocess: str) -> dict[str, dict]:
    """Create the backfill with the CLI, wait until the scheduler has finished it; return
    its runs by day."""
    api = deployment.api
    airflow(deployment.env, "backfill", "create", "--dag-id", DAG_ID, "--from-date", FROM_DATE,
            "--to-date", TO_DATE, "--max-active-runs", "1", "--reprocess-behavior", reprocess,
            "--dag-run-conf", json.dumps(conf))
    deadline = time.monotonic() + RUN_TIMEOUT_S * len(IN_WINDOW)
    while not _get(api, "backfills", dag_id=DAG_ID)["backfills"][-1]["completed_at"]:
        assert time.monotonic() < deadline, "the backfill did not finish in time"
        time.sleep(5)
    runs = _get(api, f"dags/{DAG_ID}/dagRuns", run_type="backfill", limit=100)["dag_runs"]
    return {r["logical_date"][:10]: r for r in runs}


def _get(api: str, path: str, **params) -> dict:
    """The REST API, patient: on a loaded machine it can take many seconds to answer."""
    for _ in range(5):
        try:
            answer = requests.get(f"{api}/{path}", params=params, timeout=60)
        except requests.RequestException:
            continue
        answer.raise_for_status()
        return answer.json()
    raise AssertionError(f"the api-server did not answer GET {path}")


def fetched_pages(work_db: Path, runs: dict[str, dict]) -> dict[str, dict[str, tuple]]:
    """day -> {page path: (status, fetched_at)} of the article pages its run fetched."""
    with duckdb.connect(str(work_db), read_only=True) as con:
        rows = con.execute("select run_id, url, status, fetched_at from raw.fetches "
                           "where not is_feed").fetchall()
    day_of = {run["dag_run_id"]: day for day, run in runs.items()}
    pages: dict[str, dict] = {day: {} for day in runs}
    for run_id, url, status, fetched_at in rows:
        if run_id in day_of:
            pages[day_of[run_id]]["/" + url.split("/", 3)[3]] = (status, fetched_at)
    return pages


def snapshot(published: Path) -> dict:
    """Every published mart row, without the columns that record when it was fetched."""
    with duckdb.connect(str(published), read_only=True) as con:
        tables = {}
        for table in MARTS:
            columns = [c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = "
                "'marts' and table_name = ? order by ordinal_position", [table]).fetchall()
                       if c not in FETCH_TIME_COLUMNS]
            select = ", ".join(f'"{c}"' for c in columns)
            tables[table] = con.execute(
                f"select {select} from marts.{table} order by all").fetchall()
        tables["article_urls"] = [
            "/" + url.split("/", 3)[3]
            for (url,) in con.execute("select url from marts.articles").fetchall()]
        return tables


def test_backfill_reprocesses_each_window_and_a_second_backfill_changes_nothing(
        deployment, sources_file, tmp_path):
    warehouse = tmp_path / "news.duckdb"
    conf = {"sources": str(sources_file), "warehouse": str(warehouse)}
    work_db = warehouse.with_name("news.work.duckdb")

    first = backfill(deployment, conf, reprocess="none")
    assert {day: run["state"] for day, run in first.items()} == dict.fromkeys(IN_WINDOW,
                                                                               "success")
    pages = fetched_pages(work_db, first)
    # Each window fetched exactly its own story: not the other day's, not the stories
    # dated outside both days, not the undated page.
    assert {day: {path: status for path, (status, _) in got.items()}
            for day, got in pages.items()} == {day: {path: "ok"}
                                               for day, path in IN_WINDOW.items()}
    published = snapshot(warehouse)
    assert sorted(published["article_urls"]) == sorted(IN_WINDOW.values())

    again = backfill(deployment, conf, reprocess="completed")
    assert {day: run["state"] for day, run in again.items()} == dict.fromkeys(IN_WINDOW,
                                                                               "success")
    pages_again = fetched_pages(work_db, again)
    for day, path in IN_WINDOW.items():
        status, fetched_at = pages_again[day][path]
        # Fetched again in full, although known: no conditional GET, so no 304 leaves
        # the window with nothing to re-parse ...
        assert status == "ok" and fetched_at > pages[day][path][1]
    # ... and the same bodies give the same article versions and the same marts.
    assert snapshot(warehouse) == published
