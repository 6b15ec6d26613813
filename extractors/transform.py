"""Run dbt (dbt_project/) against the work database, and read back what happened.

dbt runs as a subprocess, from its own virtualenv (.venv-dbt, built by `make setup` from
requirements-dbt.lock): nothing here imports dbt, so dbt's dependency pins never constrain
Airflow's, and its ~3 s import and its logging stay out of the calling process. Results
come from target/run_results.json (sources.json for `source freshness`), not from scraping
the console: counts by status, and each failing node with its message.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from extractors.warehouse import MEMORY_LIMIT

PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"
DBT_VENV = PROJECT_DIR.parent / ".venv-dbt"
TAIL_LINES = 40
DEFAULT_TARGET = PROJECT_DIR / "target"

# `--select` arguments that build one layer at a time, in this order: run_dbt(["build",
# "--select", *LAYERS["staging"]], ...). Seeds go with staging because intermediate models
# (alias resolution) read them; each layer's data and unit tests run with it.
LAYERS = {
    "staging": ["path:seeds", "path:models/staging"],
    "intermediate": ["path:models/intermediate"],
    "marts": ["path:models/marts"],
}


class DbtError(RuntimeError):
    """dbt reported an error (a model, test or seed failed, or dbt itself did)."""

    def __init__(self, message: str, result: DbtResult | None = None):
        super().__init__(message)
        self.result = result


@dataclass
class DbtResult:
    command: list[str]
    returncode: int
    elapsed_s: float
    counts: dict[str, int] = field(default_factory=dict)  # pass/success/warn/error/fail/skip
    failures: list[str] = field(default_factory=list)  # "node: message", errors and fails
    warnings: list[str] = field(default_factory=list)
    output_tail: str = ""  # the last lines of dbt's console output

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.failures


def dbt_executable() -> str:
    """NEWS_DBT_EXECUTABLE if set (a worker image's dbt), else the checkout's .venv-dbt."""
    configured = os.environ.get("NEWS_DBT_EXECUTABLE")
    if configured:
        return configured
    own = DBT_VENV / "bin" / "dbt"
    if not own.exists():
        raise DbtError(f"no dbt at {own}: run `make setup`, or set NEWS_DBT_EXECUTABLE")
    return str(own)


def dbt_env(work_db: Path, target_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        NEWS_WORK_DB=str(Path(work_db).resolve()),
        NEWS_DUCKDB_MEMORY_LIMIT=MEMORY_LIMIT,
        DBT_SEND_ANONYMOUS_USAGE_STATS="False",
        DO_NOT_TRACK="1",
        DBT_TARGET_PATH=str(target_dir),
        DBT_LOG_PATH=str(target_dir / "logs"),
        DBT_USE_COLORS="False",
        DBT_VERSION_CHECK="False",
        DBT_PARTIAL_PARSE="True",
    )
    return env


def _summarise(results: list[dict]) -> tuple[Counter, list[str], list[str]]:
    counts: Counter = Counter()
    failures, warnings = [], []
    for r in results:
        status = str(r.get("status", "")).lower()
        counts[status] += 1
        node = r.get("unique_id", "?")
        message = " ".join(str(r.get("message") or "").split())[:500]
        if status in {"error", "fail", "runtime error"}:
            failures.append(f"{node}: {message}")
        elif status == "warn":
            warnings.append(f"{node}: {message}")
    return counts, failures, warnings


def run_dbt(command: list[str], work_db: Path, full_refresh: bool = False,
            target_dir: Path = DEFAULT_TARGET) -> DbtResult:
    """`dbt <command>` on the work database; raises DbtError if anything errored or failed.

    Example: run_dbt(["build"], paths.work) or run_dbt(["build"], paths.work, full_refresh=True).
    target_dir (manifest, run results, docs) defaults to dbt_project/target; give another to
    keep concurrent invocations (tests) from reading each other's results.
    """
    args = [dbt_executable(), *command, "--project-dir", str(PROJECT_DIR),
            "--profiles-dir", str(PROJECT_DIR)]
    if full_refresh and command and command[0] in {"build", "run", "seed"}:
        args.append("--full-refresh")
    target_dir = Path(target_dir)
    # `dbt source freshness` writes sources.json, every other command run_results.json
    results_files = [target_dir / "run_results.json", target_dir / "sources.json"]
    for results_file in results_files:
        results_file.unlink(missing_ok=True)  # never read a previous invocation's results

    started = time.monotonic()
    proc = subprocess.run(args, env=dbt_env(work_db, target_dir), cwd=PROJECT_DIR,
                          capture_output=True, text=True, check=False)
    elapsed = round(time.monotonic() - started, 2)
    output = (proc.stdout or "") + (proc.stderr or "")
    tail = "\n".join(output.rstrip().splitlines()[-TAIL_LINES:])

    counts, failures, warnings = Counter(), [], []
    results = [r for f in results_files if f.exists()
               for r in json.loads(f.read_text()).get("results", [])]
    if results:
        counts, failures, warnings = _summarise(results)
    result = DbtResult(command=list(command), returncode=proc.returncode, elapsed_s=elapsed,
                       counts=dict(counts), failures=failures, warnings=warnings,
                       output_tail=tail)
    if proc.returncode != 0 or failures:
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no results"
        # The verb first ("dbt build failed"), the full command after: a task log's reader
        # sees what failed before the selection flags.
        lines = [f"dbt {command[0]} failed (exit {proc.returncode}; {summary}): "
                 f"dbt {' '.join(command)}"]
        lines += [f"  {f}" for f in failures] or [f"  {tail}"]
        raise DbtError("\n".join(lines), result)
    return result
