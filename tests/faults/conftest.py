"""Shared helpers of the fault-injection suite: servers, pipeline runs, mart snapshots.

Every pipeline run is a real subprocess (tests/faults/driver.py) so that a SIGKILL is a
real crash; all HTTP is to servers this suite starts on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml

from demo_site.serve import demo_server
from tests.conftest import ROOT

RUN_TIMEOUT = 300
BARRIER_TIMEOUT = 120
# Columns that say *when* a run happened, not *what* it found: equal content loaded by a
# different run (or in another warehouse) differs only in these.
VOLATILE_COLUMNS = frozenset({"run_id", "loaded_at", "fetched_at"})


RESULTS_FILE = Path(os.environ.get("FAULTS_RESULTS", ROOT / ".tmp" / "faults-results.json"))
# What each scenario injects and asserts, for the README table (tests/faults/report.py).
SCENARIOS = {
    "test_idempotency": ("1 Idempotency", "the demo site through the pipeline 3 times",
                         "identical row counts and checksums of every mart"),
    "test_crash_resume": ("2 Crash and resume",
                          "SIGKILL during fetch (torn log line), parse, raw load, dbt build, "
                          "publish; then retry / next run",
                          "marts equal an uninterrupted run, no duplicate keys, published "
                          "file always a complete earlier publication"),
    "test_hostile_site": ("3 Hostile site",
                          "timeouts, trickle, 5xx, 429+Retry-After, 404, redirect loop, "
                          "redirect to file://, huge/endless/binary bodies, bad encoding, "
                          "non-articles, malformed/empty feeds and sitemaps; plus a healthy "
                          "source", "run publishes, healthy source complete, every failure a "
                                    "row with a reason, discovered = fetched + skipped + failed "
                                    "+ unchanged"),
    "test_gate": ("4 Bad data stops at the gate",
                  "emptied body (+ a `<script>` URL), date in 2099, every article twice",
                  "GX (empty body) or dbt's tests (future date) stop the run with a "
                  "readable message, no duplicates, last good publication unchanged"),
    "test_concurrency": ("5 Concurrency", "reader processes querying the published file "
                         "during 3 pipeline runs and 30 back-to-back publications",
                         "zero reader errors, each answer one complete publication"),
    "test_changed_articles": ("6 Changed articles",
                              "a story edited with a new sitemap lastmod, one edited with "
                              "only a new ETag", "re-fetched (others 304), marts show the new "
                                                 "version, raw keeps both"),
    "test_fuzz_readers": ("7 Fuzzing", "Hypothesis: mutated demo feeds/sitemaps, generated "
                          "sitemaps/feeds/robots.txt, a gzip bomb",
                          "only DocumentError, < 2 s and < 64 MiB per input"),
    "test_security": ("8 Security", "loopback/private/link-local hosts in 13 spellings, DNS "
                      "rebinding, file:/ftp:/data:/javascript: URLs, SQL and `<script>` in "
                      "scraped URL/title/body", "refused without a connection unless "
                                                "allowed; hostile text reaches the marts byte "
                                                "for byte; no raw `<script>` in HTML reports"),
}
_outcomes: dict[str, dict] = {}


def pytest_configure(config):
    config.addinivalue_line("markers", "faults: fault-injection suite (issue 8); slow-ish")


def _outcome(module: str) -> dict:
    return _outcomes.setdefault(module, {"passed": 0, "failed": 0, "xfailed": 0,
                                         "seconds": 0.0, "measured": {}})


def _module(nodeid: str) -> str:
    return Path(nodeid.split("::")[0]).stem


def pytest_runtest_logreport(report):
    if _module(report.nodeid) not in SCENARIOS:
        return
    entry = _outcome(_module(report.nodeid))
    entry["seconds"] += report.duration
    if hasattr(report, "wasxfail"):  # a known, reported bug: counted apart
        entry["xfailed"] += report.when == "call"
    elif report.failed:
        entry["failed"] += 1
    elif report.when == "call" and report.passed:
        entry["passed"] += 1


def pytest_sessionfinish(session):
    """Merge this session's scenarios into the results file: a run of one module updates
    its row of the table and leaves the others as last measured."""
    if not _outcomes:
        return
    try:
        outcomes = json.loads(RESULTS_FILE.read_text(encoding="utf-8"))["outcomes"]
    except (OSError, ValueError, KeyError):
        outcomes = {}
    outcomes.update(_outcomes)
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps({"scenarios": SCENARIOS, "outcomes": outcomes},
                                       indent=1), encoding="utf-8")


@pytest.fixture
def measured(request):
    """measured(name=value, ...): a figure for the README table of this scenario."""
    module = _module(request.node.nodeid)

    def record(**values):
        _outcome(module)["measured"].update(values)

    return record


@dataclass
class RunResult:
    returncode: int
    stages: list[dict]
    stderr: str
    seconds: float

    def result(self, stage: str, source: str | None = None) -> dict:
        return next(s["result"] for s in self.stages
                    if s["stage"] == stage and s["source"] == source)


def driver_command(sources: Path, warehouse: Path, run_id: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "tests.faults.driver", "--sources", str(sources),
            "--warehouse", str(warehouse), "--run-id", run_id, *extra]


def _result(returncode: int, stdout: str, stderr: str, started: float) -> RunResult:
    lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    return RunResult(returncode, lines, stderr, round(time.monotonic() - started, 1))


def run_pipeline(sources: Path, warehouse: Path, run_id: str, *extra: str) -> RunResult:
    """One whole run (or from --from-stage on), to completion, in a fresh process."""
    started = time.monotonic()
    done = subprocess.run(driver_command(sources, warehouse, run_id, *extra), cwd=ROOT,
                          capture_output=True, text=True, timeout=RUN_TIMEOUT)
    return _result(done.returncode, done.stdout, done.stderr, started)


def run_and_kill(sources: Path, warehouse: Path, run_id: str, pause_at: str,
                 *extra: str) -> RunResult:
    """Start a run that stops itself at `pause_at`, then SIGKILL its whole process group
    (the worker and any dbt child) the moment it reports being there."""
    barrier = warehouse.parent / f".barrier-{run_id}-{pause_at.replace(':', '-')}"
    barrier.unlink(missing_ok=True)
    started = time.monotonic()
    child = subprocess.Popen(
        driver_command(sources, warehouse, run_id, "--pause-at", pause_at,
                       "--barrier", str(barrier), *extra),
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    try:
        deadline = time.monotonic() + BARRIER_TIMEOUT
        while not barrier.exists():
            if child.poll() is not None or time.monotonic() > deadline:
                out, err = child.communicate()
                raise AssertionError(f"never reached {pause_at} (exit {child.returncode}):"
                                     f"\n{out[-2000:]}\n{err[-3000:]}")
            time.sleep(0.05)
        os.killpg(child.pid, signal.SIGKILL)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
        out, err = child.communicate()
    assert child.returncode == -signal.SIGKILL
    return _result(child.returncode, out, err, started)


def write_sources(path: Path, sources: list[dict], **defaults) -> Path:
    doc = {"defaults": {"allow_private_network": True, "crawl_delay": 0, **defaults},
           "sources": sources}
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def demo_sources(base_url: str) -> list[dict]:
    """demo_site/sources.yml with the server's real address filled in."""
    text = (ROOT / "demo_site" / "sources.yml").read_text(encoding="utf-8")
    return yaml.safe_load(text.replace("${DEMO_BASE_URL}", base_url))["sources"]


def mart_tables(con) -> list[str]:
    return [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' "
        "order by 1").fetchall()]


def table_fingerprint(con, table: str, stable: bool) -> tuple[int, str]:
    """(row count, order-independent checksum of the rows); stable=True leaves out the
    columns that only record when a run happened."""
    cols = [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = 'marts' "
        "and table_name = ? order by ordinal_position", [table]).fetchall()]
    if stable:
        cols = [c for c in cols if c not in VOLATILE_COLUMNS]
    row = ", ".join(f'"{c}"' for c in cols)
    count, checksum = con.execute(
        f'select count(*), coalesce(sum(hash({row})), 0)::varchar from marts."{table}"'
    ).fetchone()
    return count, checksum


def snapshot(db: Path, stable: bool = True) -> dict[str, tuple[int, str]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: table_fingerprint(con, t, stable) for t in mart_tables(con)}


def publication(db: Path) -> str:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select run_id from audit.publication").fetchone()[0]


def duplicate_keys(db: Path) -> dict[str, int]:
    """Rows beyond one per key in each keyed mart (should all be 0)."""
    keys = {"articles": "article_id", "entities": "entity_id", "entity_mentions": "mention_id",
            "quotes": "quote_id", "sanctions": "sanction_id"}
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"select count(*) - count(distinct {k}) from marts.{t}")
                .fetchone()[0] for t, k in keys.items()}


@pytest.fixture(scope="session")
def demo_url():
    """One demo site for the session: article URLs (hence ids) contain its port, so runs
    in different warehouses are comparable only against the same server."""
    with demo_server() as base_url:
        yield base_url


@pytest.fixture(scope="session")
def demo_sources_file(demo_url, tmp_path_factory) -> Path:
    return write_sources(tmp_path_factory.mktemp("sources") / "demo.yml", demo_sources(demo_url))


def start_readers(db: Path, count: int, stop: Path) -> list[subprocess.Popen]:
    stop.unlink(missing_ok=True)
    return [subprocess.Popen([sys.executable, "-m", "tests.faults.reader", str(db), str(stop)],
                             cwd=ROOT, stdout=subprocess.PIPE, text=True)
            for _ in range(count)]


def stop_readers(readers: list[subprocess.Popen], stop: Path) -> list[dict]:
    stop.touch()
    return [json.loads(r.communicate(timeout=60)[0]) for r in readers]


@dataclass
class ThreeRuns:
    warehouse: Path
    runs: list[RunResult]
    snapshots: list[dict]  # every column, after each run
    readers: list[dict]


READERS = 2


@pytest.fixture(scope="session")
def three_runs(demo_sources_file, tmp_path_factory) -> ThreeRuns:
    """The demo site through the whole pipeline three times into one fresh warehouse,
    with reader processes querying the published file all along (scenarios 1 and 5)."""
    warehouse = tmp_path_factory.mktemp("baseline") / "news.duckdb"
    stop = warehouse.parent / ".stop-readers"
    readers = start_readers(warehouse, READERS, stop)
    runs, snapshots = [], []
    try:
        for n in (1, 2, 3):
            run = run_pipeline(demo_sources_file, warehouse, f"baseline-{n}")
            assert run.returncode == 0, run.stderr[-3000:]
            runs.append(run)
            snapshots.append(snapshot(warehouse, stable=False))
    finally:
        results = stop_readers(readers, stop)
    return ThreeRuns(warehouse, runs, snapshots, results)


def copy_warehouse(source: Path, target_dir: Path) -> Path:
    """A copy of a warehouse folder (published, work, runs, archive) to run faults on."""
    shutil.copytree(source.parent, target_dir, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".stop-*", ".barrier-*"))
    return target_dir / source.name


@dataclass
class EditorialRuns:
    """Two runs over tests/faults/editorial.py's site, with its pages edited between."""

    warehouse: Path
    first: RunResult
    second: RunResult
    urls: dict[str, str]


@pytest.fixture(scope="session")
def editorial_runs(tmp_path_factory) -> EditorialRuns:
    from tests.faults import editorial
    from tests.faults.sites import Site

    folder = tmp_path_factory.mktemp("editorial")
    warehouse = folder / "news.duckdb"
    with Site() as site:
        urls = editorial.publish_first_versions(site)
        sources = write_sources(folder / "sources.yml", editorial.sources(site))
        first = run_pipeline(sources, warehouse, "edit-1")
        assert first.returncode == 0, first.stderr[-3000:]
        editorial.publish_corrections(site)
        second = run_pipeline(sources, warehouse, "edit-2")
        assert second.returncode == 0, second.stderr[-3000:]
    return EditorialRuns(warehouse, first, second, urls)
