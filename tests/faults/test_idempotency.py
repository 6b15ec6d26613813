"""Scenario 1: the same pipeline three times on the same site gives identical marts."""

import pytest

pytestmark = pytest.mark.faults


def test_three_runs_give_identical_marts(three_runs, measured):
    first, second, third = three_runs.snapshots
    print("per-table (rows, checksum):", first)
    print("run seconds:", [r.seconds for r in three_runs.runs])
    assert first["articles"][0] == 34  # the whole demo site
    assert all(rows > 0 for rows, _ in first.values())
    # Every column, loaded_at included: a re-run rewrites nothing that did not change.
    assert second == first
    assert third == first
    measured(tables=len(first), rows=sum(n for n, _ in first.values()),
             run_seconds=[r.seconds for r in three_runs.runs])


def test_reruns_fetch_nothing_and_load_no_new_rows(three_runs):
    for run in three_runs.runs[1:]:
        fetched = [s["result"].get("ok", 0) for s in run.stages if s["stage"] == "fetch"]
        assert fetched == [0, 0, 0]
        assert run.result("load")["articles"] == 0
