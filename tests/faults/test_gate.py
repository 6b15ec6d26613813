"""Scenario 4: a corrupt batch is stopped before publication with a readable message, and
readers keep the last good publication.

Two gates: dbt's own tests run inside `dbt build` (a date in the future fails
not_in_future there), and GX validation after it (an emptied body passes dbt's tests but
fails GX). Every article is loaded twice as well: that must never show in the marts.
"""

import html

import pytest

from tests.faults.conftest import (
    copy_warehouse,
    duplicate_keys,
    publication,
    run_pipeline,
    snapshot,
)
from tests.faults.driver import SCRIPT

pytestmark = pytest.mark.faults
GATES = {
    # corruption: (what the message must name, what it must explain)
    "empty,script,twice": ("validation failed, not published", "a page parsed ok has a body"),
    "future,twice": ("dbt build failed", "not_in_future_articles_published_at"),
}


@pytest.fixture(scope="module", params=sorted(GATES))
def corrupt_run(request, demo_sources_file, three_runs, tmp_path_factory):
    warehouse = copy_warehouse(three_runs.warehouse, tmp_path_factory.mktemp("gate"))
    # A full refresh re-fetches every page, so this run has a batch to corrupt.
    run = run_pipeline(demo_sources_file, warehouse, "corrupt-1", "--corrupt", request.param,
                       "--full-refresh")
    return request.param, run, warehouse, three_runs.snapshots[-1]


def test_the_run_fails_with_a_readable_message(corrupt_run, measured):
    corruption, run, _, _ = corrupt_run
    print(run.stderr[-2000:])
    headline, reason = GATES[corruption]
    assert run.returncode == 3, run.stderr[-3000:]
    assert run.stderr.startswith(headline) and reason in run.stderr
    assert "Traceback" not in run.stderr
    assert not any(s["stage"] == "publish" for s in run.stages)
    gate = "GX" if headline.startswith("validation") else "dbt test"
    measured(**{f"stopped[{corruption}]": f"{gate}: {run.stderr.splitlines()[0]}"})


def test_readers_still_see_the_last_good_publication(corrupt_run):
    _, _, warehouse, last_good = corrupt_run
    assert publication(warehouse) == "baseline-3"
    assert snapshot(warehouse, stable=False) == last_good


def test_scraped_markup_is_escaped_in_the_html_report(corrupt_run):
    corruption, _, warehouse, _ = corrupt_run
    if "script" not in corruption:
        pytest.skip("this batch carries no markup")
    pages = [p.read_text(errors="replace") for p in (warehouse.parent / "validation").rglob(
        "*.html")]
    assert not [p for p in pages if SCRIPT in p]
    assert any(html.escape(SCRIPT) in p or html.escape(SCRIPT, quote=False) in p
               for p in pages), "the failing value is not in the report at all"


def test_duplicated_articles_never_reach_the_marts(corrupt_run):
    _, _, warehouse, _ = corrupt_run
    work_marts = warehouse.with_name("news.work.duckdb")
    assert set(duplicate_keys(work_marts).values()) == {0}
