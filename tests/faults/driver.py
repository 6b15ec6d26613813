"""Run the pipeline's stages in one process, as an Airflow worker would, with fault hooks.

    python -m tests.faults.driver --sources S --warehouse W --run-id R
        [--from-stage fetch] [--pause-at fetch|parse|load:<table>|dbt|publish --barrier F]
        [--corrupt empty,future,script,twice] [--full-refresh]

Stages run in DAG order (per source: discover, fetch, parse; then enrich, load, dbt layer
by layer, validate, publish). One JSON line per stage goes to stdout. --pause-at stops the process
at a precise point inside a stage, writes the barrier file and sleeps, so the test can
SIGKILL it there: deterministic kills without sleeps. Exit 3: a quality gate stopped the
run (a dbt test or GX validation), with the gate's own message on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from extractors import publish, stagefiles, stages
from extractors.stages import RunContext, ValidationFailed
from extractors.transform import LAYERS as DBT_LAYERS
from extractors.transform import DbtError

PER_SOURCE = ("discover", "fetch", "parse")
GLOBAL = ("enrich", "load", "transform", "validate", "publish")
FETCH_RECORDS_BEFORE_KILL = 3
PAGES_PARSED_BEFORE_KILL = 2
DBT_PROGRESS = re.compile(r"\bOK created\b")
SCRIPT = "<script>alert(1)</script>"
SCRIPT_URL = f"javascript:{SCRIPT}"


def pause(barrier: Path) -> None:
    """Tell the test where we are, then wait for its SIGKILL."""
    barrier.write_text(str(os.getpid()))
    while True:
        time.sleep(60)


def hook_fetch(barrier: Path) -> None:
    # A few records land, then the kill hits in the middle of writing the next line.
    original, seen = stagefiles.append_line, []

    def append_line(f, record):
        if len(seen) == FETCH_RECORDS_BEFORE_KILL:
            line = stagefiles.to_json(record)
            f.write(line[: len(line) // 2])
            f.flush()
            pause(barrier)
        seen.append(record)
        original(f, record)

    stagefiles.append_line = append_line


def hook_parse(barrier: Path) -> None:
    original, seen = stages.parse_page, []

    def parse_page(*args, **kwargs):
        if len(seen) == PAGES_PARSED_BEFORE_KILL:
            pause(barrier)
        seen.append(1)
        return original(*args, **kwargs)

    stages.parse_page = parse_page


def hook_load(barrier: Path, table: str) -> None:
    # Killed inside the raw load, with the tables before `table` already written (whether
    # they survive depends on load's transactions: the point is that nothing is lost).
    import extractors.load as load

    original = load.load_rows

    def load_rows(con, table_name, *args, **kwargs):
        if table_name == table:
            pause(barrier)
        return original(con, table_name, *args, **kwargs)

    load.load_rows = load_rows


def hook_dbt(barrier: Path) -> None:
    # dbt is a child process: once it has built a model, freeze it (SIGSTOP) so the kill
    # lands mid-build however fast the machine is.
    import extractors.transform as transform

    def run(args, *, env=None, cwd=None, **_):
        child = subprocess.Popen(args, env=env, cwd=cwd, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
        for line in child.stdout:
            if DBT_PROGRESS.search(line):
                os.kill(child.pid, signal.SIGSTOP)
                pause(barrier)
        child.wait()
        return subprocess.CompletedProcess(args, child.returncode, "", "")

    transform.subprocess = type("Sub", (), {"run": staticmethod(run)})


def hook_publish(barrier: Path) -> None:
    # All marts are in the staging file; the kill comes before the rename.
    original = publish.connect

    class Pausing:
        def __init__(self, con):
            self.con = con

        def execute(self, sql, *args):
            if sql.startswith("CREATE TABLE audit.publication"):
                pause(barrier)
            return self.con.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self.con, name)

    @contextlib.contextmanager
    def connect(path, read_only=False):
        with original(path, read_only=read_only) as con:
            yield Pausing(con) if str(path).endswith(".publishing") else con

    publish.connect = connect


def corrupt_articles(ctx: RunContext, kinds: set[str]) -> None:
    """A bad batch, as a broken parser would make it: per source an emptied body, a date
    in the future, a URL that is markup, and/or every article twice."""
    for path in ctx.stage_files("articles"):
        rows = [r for r in stagefiles.read_jsonl(path) if r["parse_status"] == "ok"]
        if not rows:
            continue
        if "empty" in kinds:
            rows[0].update(body_text="", paragraphs=[], word_count=0)
        if "future" in kinds:
            rows[-1]["published_at"] = "2099-01-01T00:00:00+00:00"
        if "script" in kinds:  # GX quotes failing values in its HTML Data Docs
            rows[-1]["url"] = SCRIPT_URL
        stagefiles.write_jsonl(path, rows + rows if "twice" in kinds else rows)


def install_hook(spec: str, barrier: Path) -> None:
    name, _, arg = spec.partition(":")
    hooks = {"fetch": hook_fetch, "parse": hook_parse, "dbt": hook_dbt,
             "publish": hook_publish, "load": lambda b: hook_load(b, arg or "articles")}
    hooks[name](barrier)


def report(stage: str, subject: str | None, result: dict) -> None:
    print(json.dumps({"stage": stage, "source": subject, "result": result}, default=str),
          flush=True)


def run(ctx: RunContext, from_stage: str, corrupt: set[str]) -> None:
    order = PER_SOURCE + GLOBAL
    todo = order[order.index(from_stage):]
    for name in ctx.sources:
        for stage in PER_SOURCE:
            if stage in todo:
                report(stage, name, getattr(stages, stage)(ctx, name))
    if corrupt:
        corrupt_articles(ctx, corrupt)
    for stage in GLOBAL:
        if stage == "transform" and stage in todo:  # one dbt build per layer, as the DAG does
            for layer in DBT_LAYERS:
                report(stage, layer, stages.transform(ctx, layer))
        elif stage in todo:
            report(stage, None, getattr(stages, stage)(ctx))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", required=True)
    parser.add_argument("--warehouse", required=True)
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--from-stage", default="discover")
    parser.add_argument("--pause-at")
    parser.add_argument("--barrier", type=Path)
    parser.add_argument("--corrupt", default="")
    parser.add_argument("--full-refresh", action="store_true")
    args = parser.parse_args()
    if args.pause_at:
        install_hook(args.pause_at, args.barrier)
    ctx = RunContext(run_id=args.run_id, sources_file=args.sources, warehouse=args.warehouse,
                     full_refresh=args.full_refresh)
    try:
        run(ctx, args.from_stage, set(filter(None, args.corrupt.split(","))))
    except (ValidationFailed, DbtError) as exc:  # what the task log would show
        print(str(exc), file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
