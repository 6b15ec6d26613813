"""Scenario 5: readers query the published warehouse in a loop while runs publish."""

import pytest

from extractors.stages import RunContext, publish
from extractors.warehouse import connect
from tests.faults.conftest import start_readers, stop_readers

pytestmark = pytest.mark.faults
PUBLICATIONS = 30


def answers(results: list[dict]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for result in results:
        for answer, n in result["answers"].items():
            merged[answer] = merged.get(answer, 0) + n
    return merged


def test_readers_never_fail_while_three_runs_publish(three_runs, measured):
    import json

    seen = answers(three_runs.readers)
    errors = [e for r in three_runs.readers for e in r["errors"]]
    published = {run.stages[-1]["result"]["marts.articles"] for run in three_runs.runs}
    print(f"{sum(seen.values())} answers from {len(three_runs.readers)} readers, "
          f"{len(errors)} errors, distinct answers {len(seen)}")
    measured(answers_during_runs=sum(seen.values()), reader_errors=len(errors))
    assert errors == []
    assert sum(seen.values()) > 100
    by_run: dict[str, set] = {}
    for answer in map(json.loads, seen):
        run_id, counts, dupes = answer
        by_run.setdefault(run_id, set()).add(tuple(counts))
        assert dupes == 0
        assert counts[0] in published
    assert set(by_run) <= {"baseline-1", "baseline-2", "baseline-3"}
    assert len(by_run) >= 2  # the readers really were reading across a swap
    assert all(len(counts) == 1 for counts in by_run.values())  # one publication, one answer


def build_work_db(ctx: RunContext, rows: int) -> None:
    with connect(ctx.paths.work) as con:
        con.execute("create schema if not exists marts")
        con.execute("create schema if not exists audit")
        con.execute("create or replace table marts.articles as "
                    "select i::varchar as article_id from range(?) t(i)", [rows])
        for table in ("entities", "entity_mentions", "quotes", "sanctions"):
            con.execute(f"create or replace table marts.{table} as select 1 as x")


def test_readers_never_fail_during_a_publication_storm(tmp_path, measured):
    """Many more swaps than a pipeline run gives: publication p<n> holds n articles, so
    every answer can be checked against the publication it names."""
    import json

    warehouse = tmp_path / "news.duckdb"
    stop = tmp_path / ".stop"
    readers = start_readers(warehouse, 2, stop)
    try:
        for n in range(1, PUBLICATIONS + 1):
            ctx = RunContext(run_id=f"p{n}", sources_file="-", warehouse=str(warehouse))
            build_work_db(ctx, n)
            publish(ctx)
    finally:
        results = stop_readers(readers, stop)
    errors = [e for r in results for e in r["errors"]]
    seen = [json.loads(a) for a in answers(results)]
    print(f"{PUBLICATIONS} publications, {len(seen)} distinct answers, {len(errors)} errors")
    measured(storm_publications=PUBLICATIONS, storm_publications_seen=len(seen),
             storm_errors=len(errors))
    assert errors == []
    assert len(seen) >= 3
    assert all(counts[0] == int(run_id[1:]) for run_id, counts, _ in seen)
