"""`make run`: run the news_pipeline DAG once through Airflow and print what it built.

Starts the bundled demo site when the sources file refers to ${DEMO_BASE_URL}, runs
`airflow dags test`, then asks Airflow for the task states of that run: `dags test`
exits 0 even when a task failed, so the verdict comes from the states, not the exit code.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from extractors.config import ConfigError, check_run_params
from extractors.report import format_summary, summarize
from extractors.stages import RunContext

DAG_ID = "news_pipeline"
BAD_STATES = {"failed", "upstream_failed"}
BIN = Path(sys.executable).parent
STAGE_LINE = re.compile(r"\s+\[news_pipeline\] loc=\S+$")


def airflow(*args: str, env: dict, log_file=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "airflow"), *args], env=env, text=True,
                          stdout=log_file or subprocess.PIPE, stderr=subprocess.STDOUT)


def airflow_json(*args: str, env: dict) -> list[dict]:
    """An Airflow CLI listing with `-o json`; warnings printed before the JSON are skipped."""
    done = airflow(*args, "-o", "json", env=env)
    start = done.stdout.find("[{")
    if done.returncode != 0 or start < 0:
        raise RuntimeError(f"airflow {' '.join(args)}: {done.stdout.strip()[-300:]}")
    return json.loads(done.stdout[start:])


def run_id_for(logical_date: str, env: dict) -> str:
    """`dags test` names its run after the wall clock, not the logical date: look it up."""
    runs = airflow_json("dags", "list-runs", DAG_ID, env=env)
    wanted = datetime.fromisoformat(logical_date)
    for run in runs:
        if datetime.fromisoformat(run["logical_date"]) == wanted:
            return run["run_id"]
    raise RuntimeError(f"Airflow has no run of {DAG_ID} at {logical_date}")


def failed_tasks(run_id: str, env: dict) -> list[str]:
    states = airflow_json("tasks", "states-for-dag-run", DAG_ID, run_id, env=env)
    return sorted({f"{s['task_id']}={s['state']}" for s in states if s["state"] in BAD_STATES})


def _remembered_port(remembered: Path) -> int:
    try:
        return int(remembered.read_text())
    except (OSError, ValueError):
        return 0


@contextlib.contextmanager
def demo_site_if_needed(sources: Path, warehouse: Path):
    if "${DEMO_BASE_URL}" not in sources.read_text(encoding="utf-8"):
        yield {}
        return
    from demo_site.serve import start_demo_server

    # Article URLs, hence article ids, contain the port: the demo site gets the port it
    # had last time for this warehouse, so that re-runs are idempotent.
    remembered = warehouse.parent / ".demo-port"
    try:
        base_url, stop = start_demo_server(port=_remembered_port(remembered))
    except OSError:
        print("demo site: last run's port is busy, the demo articles get new URLs")
        base_url, stop = start_demo_server(port=0)
    try:
        print(f"demo site serving at {base_url}")
        remembered.parent.mkdir(parents=True, exist_ok=True)
        remembered.write_text(base_url.rsplit(":", 1)[1])
        yield {"DEMO_BASE_URL": base_url}
    finally:
        stop()


def run_pipeline(sources: Path, warehouse: Path, max_articles: int | None = None,
                 full_refresh: bool = False) -> tuple[dict, list[str], Path]:
    """Run the DAG once; return (summary, failed tasks, Airflow output log)."""
    logical_date = datetime.now(UTC).isoformat()
    conf = {"sources": str(sources), "warehouse": str(warehouse),
            "max_articles": max_articles, "full_refresh": full_refresh}
    logs = Path(os.environ.get("AIRFLOW_HOME", ".airflow")) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"dags-test-{logical_date.replace(':', '')}.log"
    with demo_site_if_needed(sources, warehouse) as extra_env:
        env = {**os.environ, **extra_env}
        if not extra_env:  # fail fast, before Airflow starts (the demo's file is ours)
            check_run_params(str(sources), str(warehouse), max_articles)
        with log_path.open("w") as log_file:
            airflow("dags", "test", DAG_ID, logical_date, "-c", json.dumps(conf),
                    env=env, log_file=log_file)
    run_id = run_id_for(logical_date, env)
    failed = failed_tasks(run_id, env)
    ctx = RunContext(run_id=run_id, sources_file=str(sources), warehouse=str(warehouse))
    return summarize(ctx), failed, log_path


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, required=True)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--max-articles", type=positive_int)
    parser.add_argument("--full-refresh", action="store_true")
    args = parser.parse_args(argv)
    sources, warehouse = args.sources.resolve(), args.warehouse.resolve()
    if not sources.is_file():
        print(f"error: sources file not found: {sources}", file=sys.stderr)
        return 2
    try:
        summary, failed, log_path = run_pipeline(sources, warehouse, args.max_articles,
                                                 args.full_refresh)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for line in log_path.read_text(errors="replace").splitlines():
        if "[stage]" in line:  # the DAG's own progress lines, without Airflow's decoration
            print(STAGE_LINE.sub("", line[line.find("[stage]"):]))
        elif "ValidationFailed" in line:
            print(line)
    print()
    print(format_summary(summary, failed))
    print(f"  Airflow log: {log_path}")
    ok = not failed and summary["validation"]["verdict"] == "passed"
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
