"""The DAG folder imports cleanly and every DAG follows the house rules."""

import os
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[1] / "dags"
NETWORK_TASKS = {"per_source.discover", "per_source.fetch"}


@pytest.fixture(scope="module")
def dagbag():
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_dags_import_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert "news_pipeline" in dagbag.dags


def test_every_dag_has_schedule_tags_owner_and_task_timeouts(dagbag):
    for dag_id, dag in dagbag.dags.items():
        assert dag.timetable.can_be_scheduled, f"{dag_id} needs an explicit schedule"
        assert dag.tags, dag_id
        for task in dag.tasks:
            assert task.owner == "news-warehouse", task.task_id
            assert task.execution_timeout is not None, task.task_id


def test_network_tasks_retry_and_deterministic_ones_do_not(dagbag):
    dag = dagbag.dags["news_pipeline"]
    for task in dag.tasks:
        if task.task_id in NETWORK_TASKS:
            assert task.retries >= 1 and task.retry_exponential_backoff, task.task_id
        else:
            assert task.retries == 0, task.task_id


def test_every_task_that_writes_the_work_database_holds_the_writer_pool(dagbag):
    dag = dagbag.dags["news_pipeline"]
    writers = {t.task_id for t in dag.tasks if t.pool == "news_warehouse_writer"}
    assert writers == {"load_raw", "dbt.staging", "dbt.intermediate", "dbt.marts", "validate",
                       "publish"}


def test_failures_are_recorded_by_a_callback(dagbag):
    for task in dagbag.dags["news_pipeline"].tasks:
        assert task.on_failure_callback, task.task_id


def test_pipeline_order(dagbag):
    dag = dagbag.dags["news_pipeline"]
    chain = ["enrich", "load_raw", "dbt.staging", "dbt.intermediate", "dbt.marts", "validate",
             "publish"]
    for upstream, downstream in zip(chain, chain[1:], strict=False):
        assert downstream in dag.get_task(upstream).downstream_task_ids
    assert dag.get_task("per_source.fetch").upstream_task_ids == {"per_source.discover"}
    assert dag.max_active_runs == 1
