"""Scenario 4: a corrupt batch (emptied bodies, dates in the future, every article twice)
fails GX validation with a readable message, and readers keep the last good publication."""

import pytest

from tests.faults.conftest import (
    copy_warehouse,
    duplicate_keys,
    publication,
    run_pipeline,
    snapshot,
)

pytestmark = pytest.mark.faults


@pytest.fixture(scope="module")
def corrupt_run(demo_sources_file, three_runs, tmp_path_factory):
    warehouse = copy_warehouse(three_runs.warehouse, tmp_path_factory.mktemp("gate"))
    # A full refresh re-fetches every page, so this run has a batch to corrupt.
    run = run_pipeline(demo_sources_file, warehouse, "corrupt-1", "--corrupt",
                       "--full-refresh")
    return run, warehouse, three_runs.snapshots[-1]


def test_the_run_fails_with_a_readable_message(corrupt_run):
    run, _, _ = corrupt_run
    print(run.stderr[-2000:])
    assert run.returncode == 3
    assert "validation failed, not published" in run.stderr
    assert "body_chars" in run.stderr and "a page parsed ok has a body" in run.stderr
    assert "published_hours_ahead" in run.stderr
    assert "Traceback" not in run.stderr
    assert not any(s["stage"] == "publish" for s in run.stages)


def test_readers_still_see_the_last_good_publication(corrupt_run):
    _, warehouse, last_good = corrupt_run
    assert publication(warehouse) == "baseline-3"
    assert snapshot(warehouse, stable=False) == last_good


def test_duplicated_articles_never_reach_the_marts(corrupt_run):
    _, warehouse, _ = corrupt_run
    work_marts = warehouse.with_name("news.work.duckdb")
    assert set(duplicate_keys(work_marts).values()) == {0}
