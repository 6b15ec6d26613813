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
