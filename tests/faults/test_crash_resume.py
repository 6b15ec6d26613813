"""Scenario 2: SIGKILL the worker during fetch, parse, raw load, dbt build and publish.

One warehouse lives through every kill in turn, each followed by what Airflow would do
next (retry the task in the same run, or the next scheduled run). The result must equal
an uninterrupted run of the same site (the session's baseline), with no duplicates, and
the published file must only ever be a complete publication.
"""

import json

import pytest

from extractors import stagefiles
from extractors.stages import RunContext, final_fetches
from tests.faults.conftest import (
    duplicate_keys,
    publication,
    run_and_kill,
    run_pipeline,
    snapshot,
)
from tests.faults.driver import FETCH_RECORDS_BEFORE_KILL

pytestmark = pytest.mark.faults


def fetch_log_lines(warehouse, run_id: str, source: str) -> list[str]:
    ctx = RunContext(run_id=run_id, sources_file="-", warehouse=str(warehouse))
    return ctx.file("fetches", source).read_text(encoding="utf-8").split("\n")


def assert_one_final_fetch_per_url(warehouse, run_id: str, source: str) -> None:
    ctx = RunContext(run_id=run_id, sources_file="-", warehouse=str(warehouse))
    rows = [r for r in stagefiles.read_jsonl(ctx.file("fetches", source))
            if not r["is_feed"] and r["status"] in ("ok", "failed", "skipped")]
    urls = [r["url"] for r in rows]
    assert len(urls) == len(set(urls)), "a URL was fetched to completion twice"
    assert len(final_fetches(ctx.file("fetches", source))) == len(urls)


def test_kill_at_every_stage_then_rerun_equals_uninterrupted_run(
        demo_sources_file, three_runs, tmp_path, measured):
    warehouse = tmp_path / "news.duckdb"
    first_source = "capital-wire"
    expected = snapshot(three_runs.warehouse)

    # fetch: killed while writing its 4th record (a torn line); the task is retried.
    run_and_kill(demo_sources_file, warehouse, "crash-1", "fetch")
    lines = fetch_log_lines(warehouse, "crash-1", first_source)
    assert len(lines) == FETCH_RECORDS_BEFORE_KILL + 1 and lines[-1], "expected a torn line"
    assert not warehouse.exists()

    # parse: the fetch retry resumes (finished URLs not fetched again), parse is killed.
    killed = run_and_kill(demo_sources_file, warehouse, "crash-1", "parse",
                          "--from-stage", "fetch")
    assert killed.result("fetch", first_source)["resumed_done"] >= FETCH_RECORDS_BEFORE_KILL - 1
    assert_one_final_fetch_per_url(warehouse, "crash-1", first_source)

    # raw load: killed with raw.discoveries and raw.fetches written, articles not yet.
    run_and_kill(demo_sources_file, warehouse, "crash-2", "load:articles")
    # dbt build: frozen after its first model, then the worker and dbt are killed.
    run_and_kill(demo_sources_file, warehouse, "crash-3", "dbt")
    assert not warehouse.exists()

    # The next scheduled run makes up for all of it.
    done = run_pipeline(demo_sources_file, warehouse, "crash-4")
    assert done.returncode == 0, done.stderr[-3000:]
    after_recovery = snapshot(warehouse)
    assert after_recovery == expected
    assert set(duplicate_keys(warehouse).values()) == {0}

    # publish: killed with every mart copied into the staging file, before the rename.
    before = snapshot(warehouse, stable=False)
    run_and_kill(demo_sources_file, warehouse, "crash-5", "publish")
    assert publication(warehouse) == "crash-4"  # readers still see the last publication
    assert snapshot(warehouse, stable=False) == before

    # Clearing the publish task re-runs it: it must cope with the dead attempt's leftovers.
    done = run_pipeline(demo_sources_file, warehouse, "crash-5", "--from-stage", "publish")
    assert done.returncode == 0, done.stderr[-3000:]
    assert publication(warehouse) == "crash-5"
    assert snapshot(warehouse) == expected
    assert set(duplicate_keys(warehouse).values()) == {0}
    assert not list(warehouse.parent.glob(".*publishing*"))
    print("per-table (rows, checksum) after five kills:", json.dumps(expected))
    measured(kills=5, rows_equal_to_uninterrupted=sum(n for n, _ in expected.values()),
             duplicate_keys=0)


# Found by this suite: enrichment statuses used to commit before their mentions, quotes
# and sanctions, so a kill between them lost those rows for good. Now a batch of statuses
# commits with its rows.
def test_kill_between_enrichments_and_mentions_loses_nothing(
        demo_sources_file, three_runs, tmp_path):
    warehouse = tmp_path / "news.duckdb"
    run_and_kill(demo_sources_file, warehouse, "split-1", "load:entity_mentions")
    done = run_pipeline(demo_sources_file, warehouse, "split-2")
    assert done.returncode == 0, done.stderr[-3000:]
    assert snapshot(warehouse) == snapshot(three_runs.warehouse)
