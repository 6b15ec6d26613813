"""news_pipeline: news sites -> validated DuckDB warehouse (an Airflow DAG).

    list_sources -> per source [discover -> fetch -> parse] -> enrich -> load_raw
                 -> dbt [staging -> intermediate -> marts] -> validate -> publish

Each task is a thin wrapper around a function in extractors.stages; tasks hand over
files in the run's folder, and XComs carry only source names and counts. Heavy imports
(spaCy, dbt, Great Expectations) happen inside tasks so the scheduler parses this fast.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from pathlib import Path

import pendulum
from airflow.sdk import (
    Asset,
    CronDataIntervalTimetable,
    Param,
    chain,
    dag,
    get_current_context,
    task,
    task_group,
)

from extractors import stages
from extractors.config import check_run_params
from extractors.failures import failure_from_context, record_failure
from extractors.transform import LAYERS as DBT_LAYERS

log = logging.getLogger("news_pipeline")

PROJECT_ROOT = Path(os.environ.get("NEWS_WAREHOUSE_ROOT", Path(__file__).resolve().parents[1]))
DEFAULT_SOURCES = os.environ.get("NEWS_SOURCES", str(PROJECT_ROOT / "demo_site" / "sources.yml"))
DEFAULT_WAREHOUSE = os.environ.get("NEWS_WAREHOUSE",
                                   str(PROJECT_ROOT / "warehouse" / "news.duckdb"))
SCHEDULE = os.environ.get("NEWS_SCHEDULE", "@hourly")  # cron expression or preset

RAW_ASSET = Asset(name="news_warehouse_raw", uri="file:///news-warehouse/raw")
MARTS_ASSET = Asset(name="news_warehouse_marts", uri="file:///news-warehouse/marts")

# Network-facing tasks retry with backoff; deterministic ones do not (a retry would fail
# the same way and only delay the alert).
NETWORK_TASK = dict(retries=2, retry_delay=timedelta(seconds=30), retry_exponential_backoff=True,
                    execution_timeout=timedelta(hours=1))
LOCAL_TASK = dict(retries=0, execution_timeout=timedelta(minutes=30))
# DuckDB allows one read-write process per file: every task that writes the work database
# takes the single slot of this pool (created by `make setup`), across runs and backfills.
WRITER_POOL = "news_warehouse_writer"
WRITER_TASK = dict(LOCAL_TASK, pool=WRITER_POOL)


def run_context() -> stages.RunContext:
    context = get_current_context()
    params = context["params"]
    run_type = context["dag_run"].run_type
    return stages.RunContext(
        run_id=context["run_id"],
        sources_file=params["sources"],
        warehouse=params["warehouse"],
        max_articles=params.get("max_articles"),
        full_refresh=bool(params.get("full_refresh")),
        # A backfill run re-processes the discoveries dated inside its data interval.
        run_type=getattr(run_type, "value", run_type),  # the enum's "backfill", "manual"...
        data_interval_start=context.get("data_interval_start"),
        data_interval_end=context.get("data_interval_end"),
    )


def on_failure(context) -> None:
    record_failure(context["params"]["warehouse"], failure_from_context(context))


def report(stage: str, subject: str, counts: dict) -> None:
    """One log line per stage with its numbers; the run summary is built from the same."""
    log.info("[stage] %s %s: %s", stage, subject,
             ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing to do")


@dag(
    dag_id="news_pipeline",
    # A data-interval timetable: each run covers [previous tick, this tick), which is the
    # window a backfill run re-processes (a plain cron string gives Airflow 3's trigger
    # timetable, whose runs have an empty interval).
    schedule=CronDataIntervalTimetable(SCHEDULE, timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,  # past windows only on request: `airflow backfill create`
    max_active_runs=1,  # one writer: DuckDB allows a single read-write process per file
    dagrun_timeout=timedelta(hours=4),  # a hung run must not block the next ones forever
    tags=["news", "etl", "duckdb"],
    default_args={"owner": "news-warehouse", "on_failure_callback": on_failure},
    params={
        "sources": Param(DEFAULT_SOURCES, type="string", description="Sources YAML file"),
        "warehouse": Param(DEFAULT_WAREHOUSE, type="string",
                           description="Published DuckDB file; working files live beside it"),
        "max_articles": Param(None, type=["null", "integer"], minimum=1,
                              description="Cap on articles fetched per source in this run"),
        "full_refresh": Param(False, type="boolean",
                              description="Re-fetch known pages and rebuild dbt models"),
    },
    doc_md=__doc__,
)
def news_pipeline():
    @task(**LOCAL_TASK)
    def list_sources() -> list[str]:
        # Fails here, with a message naming the param, before any work starts.
        params = get_current_context()["params"]
        sources = check_run_params(params["sources"], params["warehouse"],
                                   params.get("max_articles"))
        ctx = run_context()
        window = (f"{ctx.data_interval_start:%Y-%m-%dT%H:%M} -> "
                  f"{ctx.data_interval_end:%Y-%m-%dT%H:%M}" if ctx.data_interval_start
                  and ctx.data_interval_end else "none")
        log.info("[stage] sources: %s (run type %s, data interval %s)",
                 ", ".join(s.name for s in sources), ctx.run_type, window)
        return [s.name for s in sources]

    @task(**NETWORK_TASK)
    def discover(source_name: str) -> str:
        report("discover", source_name, stages.discover(run_context(), source_name))
        return source_name

    @task(**NETWORK_TASK)
    def fetch(source_name: str) -> str:
        report("fetch", source_name, stages.fetch(run_context(), source_name))
        return source_name

    @task(**LOCAL_TASK)
    def parse(source_name: str) -> str:
        report("parse", source_name, stages.parse(run_context(), source_name))
        return source_name

    @task_group
    def per_source(source_name: str):
        return parse(fetch(discover(source_name)))

    # all_done: one broken source must not hold back the others' articles.
    @task(trigger_rule="all_done", **LOCAL_TASK)
    def enrich(parsed_sources) -> None:
        report("enrich", "all sources", stages.enrich(run_context()))

    @task(outlets=[RAW_ASSET], **WRITER_TASK)
    def load_raw() -> None:
        report("load", "raw", stages.load(run_context()))

    # One task per dbt layer, so the UI shows which layer's model or test failed.
    @task(**WRITER_TASK)
    def dbt_layer(layer: str) -> None:
        report("dbt", layer, stages.transform(run_context(), layer))

    @task_group(group_id="dbt")
    def dbt_build():
        layers = [dbt_layer.override(task_id=layer)(layer) for layer in DBT_LAYERS]
        chain(*layers)

    @task(**WRITER_TASK)
    def validate() -> None:
        report("validate", "gx", stages.validate(run_context()))

    @task(outlets=[MARTS_ASSET], **WRITER_TASK)
    def publish() -> None:
        report("publish", "warehouse", stages.publish(run_context()))

    enriched = enrich(per_source.expand(source_name=list_sources()))
    chain(enriched, load_raw(), dbt_build(), validate(), publish())


news_pipeline()
