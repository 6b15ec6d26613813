"""Where the warehouse files live, and the only two ways to open DuckDB.

Write-audit-publish: every task writes to the *work* database beside the published one;
`publish` writes the validated marts into a new file and renames it over WAREHOUSE in one
step (extractors/publish.py), so readers only ever open a complete, read-only publication.
DuckDB allows one read-write process per file, so tasks open late and close early.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

# DuckDB's memory per connection, the pipeline's and dbt's (it spills to disk past this).
# Its default, 80% of RAM, let dbt's transform grow with the warehouse (6 GiB at 100,000
# articles). A larger cap makes transform faster on a machine that has the memory.
MEMORY_LIMIT = os.environ.get("NEWS_DUCKDB_MEMORY_LIMIT") or "1GB"


@dataclass(frozen=True)
class WarehousePaths:
    published: Path  # the file analysts and BI tools open (WAREHOUSE)
    work: Path  # raw + dbt build target; only the pipeline opens it
    runs: Path  # per-run stage files (JSONL), the hand-off between tasks
    archive: str  # raw response archive: a folder or any fsspec URL
    validation: Path  # GX Data Docs and the per-run validation JSON
    dbt_target: Path  # dbt's target folder (manifest, run results): one per warehouse

    def run_dir(self, run_id: str) -> Path:
        return self.runs / safe_name(run_id)


def safe_name(text: str) -> str:
    """A run id as a folder name: Airflow run ids contain ':' and '+'."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)


def paths_for(warehouse: str | os.PathLike) -> WarehousePaths:
    published = Path(warehouse).resolve()
    base = published.parent
    return WarehousePaths(
        published=published,
        work=base / f"{published.stem}.work.duckdb",
        runs=base / "runs",
        archive=os.environ.get("NEWS_ARCHIVE_URL") or str(base / "archive"),
        validation=base / "validation",
        dbt_target=base / "dbt-target",
    )


@contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only, config={"memory_limit": MEMORY_LIMIT})
    try:
        # DuckDB draws a progress bar on stdout for queries over 2 s, terminal or not: large
        # loads filled task logs with bars. (A per-connection setting, not a config option.)
        con.execute("SET enable_progress_bar = false")
        yield con
    finally:
        con.close()
