"""The Airflow UI shows a finished news_pipeline run: headless Chromium logs in, opens the
DAG's grid view, and takes a screenshot of its tasks.

Airflow gets its own home (metadata DB, users) in a temporary folder; the run is the real
DAG on one demo article per source; the UI is Airflow's own api-server on 127.0.0.1.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT, run_pipeline

pytestmark = [pytest.mark.ui, pytest.mark.e2e]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps calling Google's hosts.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
PIPELINE_TASKS = ["list_sources", "per_source", "enrich", "load_raw", "dbt", "validate",
                  "publish"]
SCREENSHOT = ROOT / ".tmp" / "airflow-grid.png"

if not Path(CHROMIUM).exists():
    if os.environ.get("NEWS_REQUIRE_CHROMIUM"):
        pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    pytest.skip("Chromium is not installed (apt-get install chromium)",
                allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def airflow(env: dict, *args: str) -> None:
    subprocess.run([str(Path(sys.executable).parent / "airflow"), *args], env=env,
                   check=True, capture_output=True, timeout=300)


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory):
    home = tmp_path_factory.mktemp("airflow-home")
    env = {**os.environ, "AIRFLOW_HOME": str(home),
           "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin"}
    airflow(env, "db", "migrate")
    airflow(env, "pools", "set", "news_warehouse_writer", "1", "one DuckDB writer")
    done = run_pipeline(home / "warehouse" / "news.duckdb", "--max-articles", "1", env=env)
    assert done.returncode == 0, done.stdout[-3000:]
    return env


@pytest.fixture(scope="module")
def ui_url(airflow_env):
    port = free_port()
    log = open(Path(airflow_env["AIRFLOW_HOME"]) / "api-server.log", "w")
    server = subprocess.Popen([str(Path(sys.executable).parent / "airflow"), "api-server",
                               "--host", "127.0.0.1", "--port", str(port)],
                              env=airflow_env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/api/v2/monitor/health", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert server.poll() is None, "api-server exited; see api-server.log"
            time.sleep(1)
        else:
            pytest.fail("the Airflow api-server did not answer within 120 s")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_grid_view_of_a_finished_run_shows_every_task(airflow_env, ui_url):
    from playwright.sync_api import sync_playwright

    passwords = Path(airflow_env["AIRFLOW_HOME"]) / "simple_auth_manager_passwords.json.generated"
    password = json.loads(passwords.read_text())["admin"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(ui_url)
            page.locator("input[name=username]").fill("admin")
            page.locator("input[name=password]").fill(password)
            page.locator("button[type=submit]").click()
            page.wait_for_url(f"{ui_url}/")
            page.goto(f"{ui_url}/dags/news_pipeline")
            for task in PIPELINE_TASKS:  # the grid's task list ("per_source [ ]" for a group)
                page.get_by_text(re.compile(rf"^{task}\b")).first.wait_for(timeout=30_000)
            # the overview's panels load on their own: on a busy machine they can come after
            # the grid
            for text in ("Failed Runs", "news-warehouse"):
                page.get_by_text(text).first.wait_for(timeout=30_000)
            SCREENSHOT.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))
            body = page.inner_text("body")
        finally:
            browser.close()
    assert "Failed Runs" in body and "news-warehouse" in body  # owner, from the DAG
    assert SCREENSHOT.stat().st_size > 10_000
