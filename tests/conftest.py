"""Test-wide settings: the same Airflow environment `make` exports, for direct pytest runs."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

for key, value in {
    "AIRFLOW_HOME": str(ROOT / ".airflow"),
    "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "NEWS_WAREHOUSE_ROOT": str(ROOT),
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
}.items():
    os.environ.setdefault(key, value)


def run_pipeline(warehouse, *extra_args: str, env: dict | None = None):
    """`make run` into the given warehouse: the real DAG through Airflow on the demo site."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "extractors.run", "--sources", "demo_site/sources.yml",
         "--warehouse", str(warehouse), *extra_args],
        cwd=ROOT, env=env or os.environ.copy(), capture_output=True, text=True, timeout=1200)
