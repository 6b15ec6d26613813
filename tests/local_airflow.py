"""A local Airflow deployment for the tests that need the real scheduler (backfill, scale
out): its own AIRFLOW_HOME, the LocalExecutor, api-server and scheduler as processes."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

AIRFLOW = str(Path(sys.executable).parent / "airflow")


def base_env(home: Path, api_port: int) -> dict[str, str]:
    """What every component of one local deployment shares."""
    return {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",  # a 2-core machine; a real worker sets its own
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        # every component must sign and check task tokens with the same secret
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        # the REST API without a login: it listens on 127.0.0.1 only, for this test
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        # only the runs the test creates: no scheduled run of the latest interval
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
    }


def airflow(env: dict, *args: str) -> str:
    """`airflow <args>`; its stdout, or RuntimeError with its output."""
    done = subprocess.run([AIRFLOW, *args], env=env, capture_output=True, text=True,
                          timeout=300)
    if done.returncode:
        raise RuntimeError(f"airflow {' '.join(args)}:\n{done.stdout[-3000:]}{done.stderr}")
    return done.stdout


@contextmanager
def airflow_process(env: dict, name: str, *args: str) -> Iterator[subprocess.Popen]:
    """One Airflow component, logging to $AIRFLOW_HOME/<name>.log; stopped with its children
    (the LocalExecutor's workers) on exit."""
    log_path = Path(env["AIRFLOW_HOME"]) / f"{name}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen([AIRFLOW, *args], env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).ok
    except requests.RequestException:  # not up yet, or busy
        return False


def wait_for(ready, timeout_s: float, message: str, processes=()) -> None:
    deadline = time.monotonic() + timeout_s
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError(message)
        if any(p.poll() is not None for p in processes):
            raise RuntimeError(f"an Airflow process exited: {message}")
        time.sleep(1)
