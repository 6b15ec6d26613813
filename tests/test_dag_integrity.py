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


def test_runs_have_a_data_interval_and_no_catch_up(dagbag):
    from airflow.sdk import CronDataIntervalTimetable

    dag = dagbag.dags["news_pipeline"]
    # A backfill run re-processes its interval: the trigger timetable a bare cron string
    # gets in Airflow 3 would give every run an empty one.
    assert isinstance(dag.timetable, CronDataIntervalTimetable)
    assert dag.catchup is False
    assert dag.dagrun_timeout is not None


@pytest.mark.parametrize(("conf", "message"), [
    ({"max_articles": 0}, "Invalid input for param max_articles: 0 is less than the minimum"),
    ({"max_articles": "ten"}, "Invalid input for param max_articles: 'ten' is not of type"),
    ({"full_refresh": "yes"}, "Invalid input for param full_refresh"),
])
def test_a_bad_run_configuration_is_refused_at_trigger_time(dagbag, conf, message):
    """The Param schema Airflow checks a conf against (`dags trigger -c`, `backfill create
    --dag-run-conf`), before any run exists."""
    import copy

    from airflow.sdk.exceptions import ParamValidationError

    params = copy.deepcopy(dagbag.dags["news_pipeline"].params)
    with pytest.raises(ParamValidationError) as error:
        params.update(conf)
    assert message in str(error.value)
