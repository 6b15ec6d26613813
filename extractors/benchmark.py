"""`make bench`: the pipeline's stages on a synthetic corpus, measured stage by stage.

    python -m extractors.benchmark --articles 1000 10000 [--seed 7] [--out bench-results]

For each size N it serves demo_site.synthetic from 127.0.0.1 (in its own process, so the
server's CPU is not counted as the pipeline's; it is reported beside fetch's), then calls
the functions of extractors.stages directly, outside Airflow:

  full         every stage on the N articles, politeness off
  incremental  the same warehouse after 1% of the corpus changed (edition 1), --repeats
               times from the state the full run left; the run of median wall time is
               reported (a run of seconds is at the mercy of one busy minute)
  one process  fetch, parse and enrich again on a fresh warehouse with one process, for
               the speed-up from 1 to 2 (sizes up to --speedup-max only: it re-runs NLP)
  nlp floor    bare nlp.pipe against the enrich stage on the same paragraphs

Each stage runs in a process of its own, as an Airflow task does: its CPU seconds are the
process's and its workers', its peak RSS the largest sum over its process tree (sampled).
Results go to <out>/bench-<timestamp>.json, the terminal, and README.md's Performance
section (between its bench markers; --no-readme leaves it alone).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from functools import partial
from itertools import islice
from multiprocessing import get_context
from pathlib import Path

import psutil

from extractors import stagefiles, stages
from extractors.stages import RunContext
from extractors.warehouse import paths_for

PER_SOURCE_STAGES = ("discover", "fetch", "parse")
WHOLE_RUN_STAGES = ("enrich", "load", "transform", "validate", "publish")
ALL_STAGES = PER_SOURCE_STAGES + WHOLE_RUN_STAGES
PARALLEL_STAGES = ("fetch", "parse", "enrich")
RSS_SAMPLE_SECONDS = 0.1
NLP_SAMPLE = 100  # articles in the bare-nlp.pipe comparison
# Each side of the comparison is timed this many times, alternately, and the least CPU time
# kept: on a shared machine one timing of a few seconds swings by a tenth or more.
NLP_FLOOR_ROUNDS = 5
INCREMENTAL_REPEATS = 3
MIB = 1024 * 1024
README = Path(__file__).resolve().parent.parent / "README.md"
# README.md's Performance section holds one block per list of sizes measured together, so
# `make bench N=100000` adds or refreshes its own block and leaves the 10,000 one alone.
README_END = "<!-- bench:end"
# Stage processes are started fresh, as Airflow starts each task: forking this process
# would copy pyarrow's threads into the child.
SPAWN = get_context("spawn")


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text()
                .splitlines() if line.startswith("model name")), platform.processor())
    return {"cpus": os.cpu_count(), "cpu_model": cpu, "memory_gib":
            round(psutil.virtual_memory().total / 1024**3, 1), "python": platform.python_version()}


# --- the synthetic site, in a process of its own ---

class SyntheticServer:
    """`python -m demo_site.synthetic` in a child process; port 0 picks a free port."""

    def __init__(self, articles: int, seed: int, edition: int, port: int = 0):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "demo_site.synthetic", "--articles", str(articles),
             "--seed", str(seed), "--edition", str(edition), "--port", str(port)],
            stdout=subprocess.PIPE, text=True)
        self.base_url = self.process.stdout.readline().strip()
        if not self.base_url:
            raise RuntimeError("the synthetic site did not start")

    def cpu_s(self) -> float:
        """CPU seconds the site's process has used so far."""
        times = psutil.Process(self.process.pid).cpu_times()
        return times.user + times.system

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()


# --- one stage in a forked child, measured ---

class PeakRss:
    """The largest total RSS of a process and its descendants, sampled in a thread."""

    def __init__(self, pid: int):
        self.process, self.peak = psutil.Process(pid), 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        while not self.done.wait(RSS_SAMPLE_SECONDS):
            try:
                tree = [self.process, *self.process.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in tree))
            except psutil.Error:  # a worker exited between listing and reading it
                continue

    def stop(self) -> int:
        self.done.set()
        self.thread.join()
        return self.peak


def _run_and_send(work: Callable[[], dict], sender) -> None:
    try:
        result = {"counts": work()}
    except BaseException as exc:  # noqa: BLE001 - reported by the parent
        result = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}
    sender.send(result)


def measured(work: Callable[[], dict]) -> dict:
    """Run work() in a process of its own; its result with wall/CPU seconds and peak RSS.

    CPU is what the process and the workers it reaped used (RUSAGE_CHILDREN grows by exactly
    that when we reap it); RSS is sampled over the whole process tree."""
    receiver, sender = SPAWN.Pipe(duplex=False)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = SPAWN.Process(target=_run_and_send, args=(work, sender))
    process.start()
    sender.close()
    sampler = PeakRss(process.pid)
    try:
        result = receiver.recv()
    except EOFError:
        result = {"error": f"the stage process died (exit code {process.exitcode})"}
    process.join()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    result.update(wall_s=round(wall, 2), cpu_s=round(cpu, 2),
                  peak_rss_mib=round(sampler.stop() / MIB))
    return result


def per_source(stage: Callable, ctx: RunContext, processes: int) -> dict:
    """A per-source stage over every source, `processes` sources at a time (as Airflow's
    mapped tasks would run them)."""
    names = list(ctx.sources)
    if processes == 1:
        return {name: stage(ctx, name) for name in names}
    with ProcessPoolExecutor(processes, mp_context=SPAWN) as pool:
        return dict(zip(names, pool.map(partial(stage, ctx), names), strict=True))


def whole_run(stage: Callable, ctx: RunContext, processes: int) -> dict:
    return stage(ctx)


def run_stages(ctx: RunContext, names: tuple[str, ...], processes: int,
               site: SyntheticServer) -> dict:
    """Each stage measured, with the CPU the site served it (fetch's other half); the run
    stops at the first failure (later stages need it)."""
    # The stages' own worker processes, inherited by each stage's process.
    for env in (stages.FETCH_PROCESSES_ENV, stages.PARSE_PROCESSES_ENV,
                stages.NLP_PROCESSES_ENV):
        os.environ[env] = str(processes)
    results = {}
    for name in names:
        runner = per_source if name in PER_SOURCE_STAGES else whole_run
        site_cpu_s = site.cpu_s()
        result = measured(partial(runner, getattr(stages, name), ctx, processes))
        result["site_cpu_s"] = round(site.cpu_s() - site_cpu_s, 2)
        results[name] = result
        print(f"  {ctx.run_id} {name}: {result['wall_s']} s wall, {result['cpu_s']} s CPU"
              + (f"  FAILED {result['error']}" if "error" in result else ""), flush=True)
        if "error" in result:
            break
    return results


def parsed_articles(ctx: RunContext) -> int:
    return sum(row["parse_status"] == "ok" for path in ctx.stage_files("articles")
               for row in stagefiles.read_jsonl(path))


def fetched_pages(fetch_result: dict) -> int:
    """Pages the fetch stage finished with a body or a 304, over every source."""
    return sum(counts.get("ok", 0) + counts.get("not_modified", 0)
               for counts in fetch_result.get("counts", {}).values())


def summarise(ctx: RunContext, results: dict) -> dict:
    """Totals, each stage's share of the run's wall time and its articles per second (for
    fetch, pages per second: a run stopped after fetch has parsed no article)."""
    articles = parsed_articles(ctx)
    total_wall = sum(r["wall_s"] for r in results.values())
    for name, r in results.items():
        done = fetched_pages(r) if name == "fetch" else articles
        r["share"] = round(r["wall_s"] / total_wall, 3) if total_wall else 0
        r["articles_per_s"] = round(done / r["wall_s"], 1) if r["wall_s"] else None
    return {"run_id": ctx.run_id, "articles": articles, "wall_s": round(total_wall, 2),
            "cpu_s": round(sum(r["cpu_s"] for r in results.values()), 2),
            "peak_rss_mib": max(r["peak_rss_mib"] for r in results.values()),
            "stages": results}


# --- the NLP floor: bare nlp.pipe against the enrich stage on the same articles ---

def nlp_floor(ctx: RunContext, sample: int) -> dict:
    from extractors.enrich import PIPE_BATCH, enrich_articles, paragraphs_of
    from extractors.nlp.model import load_model

    rows = (row for path in ctx.stage_files("articles") for row in stagefiles.read_jsonl(path)
            if row["parse_status"] == "ok")
    articles = [stages.article_from(row) for row in islice(rows, sample)]
    nlp = load_model()
    paragraphs = [p for a in articles for p in paragraphs_of(a)]
    for _ in nlp.pipe(paragraphs[:PIPE_BATCH]):  # warm up, so neither side pays first-use costs
        pass

    def cpu_seconds(work: Iterator) -> float:
        started = time.process_time()
        for _ in work:
            pass
        return time.process_time() - started

    timings = [(cpu_seconds(nlp.pipe(paragraphs, batch_size=PIPE_BATCH)),
                cpu_seconds(enrich_articles(articles, nlp))) for _ in range(NLP_FLOOR_ROUNDS)]
    bare, enrich = min(t[0] for t in timings), min(t[1] for t in timings)
    words = sum(len(p.split()) for p in paragraphs)
    return {"articles": len(articles), "words": words, "rounds": NLP_FLOOR_ROUNDS,
            "bare_pipe_cpu_s": round(bare, 2), "enrich_cpu_s": round(enrich, 2),
            "ratio": round(enrich / bare, 2), "bare_words_per_cpu_s": round(words / bare)}


# --- one corpus size ---

def write_sources(folder: Path, base_url: str) -> Path:
    from demo_site.synthetic import sources_yaml

    path = folder / "sources.yml"
    path.write_text(sources_yaml(base_url), encoding="utf-8")
    return path


def fresh_context(folder: Path, run_id: str, base_url: str, articles: int) -> RunContext:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return context_in(folder, run_id, base_url, articles)


def context_in(folder: Path, run_id: str, base_url: str, articles: int) -> RunContext:
    # max_articles: every page the site lists, not the production default per source.
    return RunContext(run_id=run_id, sources_file=str(write_sources(folder, base_url)),
                      warehouse=str(folder / "news.duckdb"), max_articles=2 * articles)


def bench_size(articles: int, seed: int, out: Path, processes: int, speedup_max: int,
               stage_names: tuple[str, ...] = ALL_STAGES,
               repeats: int = INCREMENTAL_REPEATS) -> dict:
    print(f"\n## {articles} articles", flush=True)
    folder = out / f"work-{articles}"
    server = SyntheticServer(articles, seed, edition=0)
    try:
        ctx = fresh_context(folder, "bench-full", server.base_url, articles)
        full = summarise(ctx, run_stages(ctx, stage_names, processes, server))
        floor = measured(partial(nlp_floor, ctx, NLP_SAMPLE))
    finally:
        server.stop()
    port = server.port  # article ids contain the port: the next edition must keep it
    server = SyntheticServer(articles, seed, edition=1, port=port)
    try:
        ctx = context_in(folder, "bench-incremental", server.base_url, articles)
        repeated = incremental_runs(ctx, stage_names, processes, repeats, server)
    finally:
        server.stop()
    incremental = sorted(repeated, key=lambda run: run["wall_s"])[(len(repeated) - 1) // 2]
    result = {"articles": articles, "full": full, "incremental": incremental,
              "incremental_repeats_wall_s": [run["wall_s"] for run in repeated],
              "incremental_share": round(incremental["wall_s"] / full["wall_s"], 3),
              "incremental_cpu_share": round(incremental["cpu_s"] / full["cpu_s"], 3),
              "dbt_build_s": full["stages"].get("transform", {}).get("wall_s"),
              "nlp_floor": floor.get("counts", floor)}
    if articles <= speedup_max and processes > 1:
        result["speedup"] = speedup(articles, seed, folder / "one-process", full)
    return result


def incremental_runs(ctx: RunContext, stage_names: tuple[str, ...], processes: int,
                     repeats: int, site: SyntheticServer) -> list[dict]:
    """The run `repeats` times, each from the same state: both DuckDB files as they were
    before the first (closed, so without a WAL; absent if they were), the run's own files
    removed."""
    paths = paths_for(ctx.warehouse)
    saved = {db: db.with_name(f"{db.name}.before-{ctx.run_id}")
             for db in (paths.work, paths.published)}
    for db, copy in saved.items():
        if db.exists():
            shutil.copyfile(db, copy)
    runs: list[dict] = []
    try:
        for _ in range(repeats):
            if runs:
                for db, copy in saved.items():
                    if copy.exists():
                        shutil.copyfile(copy, db)
                    else:
                        db.unlink(missing_ok=True)
                shutil.rmtree(paths.run_dir(ctx.run_id), ignore_errors=True)
            runs.append(summarise(ctx, run_stages(ctx, stage_names, processes, site)))
            if any("error" in r for r in runs[-1]["stages"].values()):
                break
    finally:
        for copy in saved.values():
            copy.unlink(missing_ok=True)
    return runs


def speedup(articles: int, seed: int, folder: Path, full: dict) -> dict:
    """Wall time with one process over wall time with several, per parallel stage."""
    server = SyntheticServer(articles, seed, edition=0)
    try:
        ctx = fresh_context(folder, "bench-one-process", server.base_url, articles)
        single = run_stages(ctx, ("discover", *PARALLEL_STAGES), 1, server)
    finally:
        server.stop()
    return {name: {"one_process_wall_s": single[name]["wall_s"],
                   "speedup": round(single[name]["wall_s"] / full["stages"][name]["wall_s"], 2)}
            for name in PARALLEL_STAGES if name in single and name in full["stages"]}


# --- the report ---

def cores(measure: dict) -> float:
    """CPU seconds per wall second: how many cores a stage kept busy (under load, fewer
    than it could have)."""
    return round(measure["cpu_s"] / measure["wall_s"], 2) if measure["wall_s"] else 0.0


def load_average() -> list[float]:
    """1, 5 and 15-minute load averages, as `uptime` prints them."""
    return [round(x, 2) for x in os.getloadavg()]


def machine_line(report: dict) -> str:
    m = report["machine"]
    state = (f"load average (1, 5, 15 min) {report['load_before']} before, "
             f"{report['load_after']} after")
    if report["under_load"]:
        state += (": measured under load, other jobs shared the CPUs, so wall-clock "
                  "figures are inflated (CPU seconds are not)")
    return (f"{m['cpus']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB, Python "
            f"{m['python']}; {state}")


def size_table(size: dict) -> list[str]:
    """One row per stage: the full run, then the 1% incremental run beside it."""
    full, incremental = size["full"], size["incremental"]
    lines = [f"| {size['articles']:,} articles | articles/s (fetch: pages/s) | wall s | CPU s "
             "| cores | peak RSS MiB | share | 1% incremental: wall s | CPU s | peak RSS MiB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, r in full["stages"].items():
        inc = incremental["stages"].get(name, {})
        failed = " FAILED" if "error" in r or "error" in inc else ""
        lines.append(f"| {name}{failed} | {r['articles_per_s']} | {r['wall_s']} | {r['cpu_s']} "
                     f"| {cores(r)} | {r['peak_rss_mib']} | {r['share']:.0%} "
                     f"| {inc.get('wall_s', '')} | {inc.get('cpu_s', '')} "
                     f"| {inc.get('peak_rss_mib', '')} |")
    lines.append(f"| **total** ({full['articles']:,} parsed; incremental "
                 f"{incremental['articles']:,}) | | **{full['wall_s']}** | **{full['cpu_s']}** "
                 f"| {cores(full)} | {full['peak_rss_mib']} | | **{incremental['wall_s']}** "
                 f"| **{incremental['cpu_s']}** | {incremental['peak_rss_mib']} |")
    return lines


def size_notes(size: dict) -> str:
    floor = size["nlp_floor"]
    repeats = size["incremental_repeats_wall_s"]
    notes = [f"incremental run = {size['incremental_share']:.1%} of the full run's wall "
             f"time ({size['incremental_cpu_share']:.1%} of its CPU), the median of "
             f"{len(repeats)} runs from the same state ({', '.join(map(str, repeats))} s)",
             f"dbt build {size['dbt_build_s']} s"]
    fetch = size["full"]["stages"].get("fetch")
    if fetch and fetch["wall_s"]:  # the site runs on the same CPUs as the pipeline
        notes.append(f"the synthetic site's process used {fetch['site_cpu_s']} CPU s serving "
                     f"fetch ({fetch['site_cpu_s'] / fetch['wall_s']:.2f} cores)")
    if "ratio" in floor:
        notes.append(f"enrich / bare nlp.pipe CPU = {floor['ratio']} on {floor['articles']}"
                     f" articles, least of {floor['rounds']} timings each (bare: "
                     f"{floor['bare_words_per_cpu_s']} words/CPU-s)")
    errors = size["full"]["stages"].get("enrich", {}).get("counts", {}).get("status:error")
    if errors:
        notes.append(f"WARNING: enrich failed on {errors} articles, so their analysis "
                     "time is missing")
    if "speedup" in size:
        notes.append("speed-up 1 -> 2 processes: " + ", ".join(
            f"{k} {v['speedup']}x" for k, v in size["speedup"].items()))
    return f"- {size['articles']:,} articles: " + "; ".join(notes)


def markdown(report: dict) -> str:
    lines = [f"Measured {report['started_at'][:16].replace('T', ' ')} UTC with "
             f"`{report['command']}` on {machine_line(report)}."]
    for size in report["sizes"]:
        lines += ["", *size_table(size)]
    lines += ["", *(size_notes(size) for size in report["sizes"])]
    return "\n".join(lines)


def readme_markers(sizes: list[int]) -> tuple[str, str]:
    key = " ".join(str(n) for n in sizes)
    return (f"<!-- bench:begin {key} (written by `make bench N=\"{key}\"`) -->",
            f"{README_END} {key} -->")


def update_readme(text: str, sizes: list[int], readme: Path = README) -> bool:
    """Replace the README.md block of these sizes with text; sizes not measured together
    before get a new block after the last one. False if README.md has no bench block."""
    content = readme.read_text(encoding="utf-8")
    begin_marker, end_marker = readme_markers(sizes)
    if begin_marker not in content:
        last = content.rfind(README_END)
        if last < 0:
            return False
        after = content.index("-->", last) + len("-->")
        content = f"{content[:after]}\n\n{begin_marker}\n{end_marker}{content[after:]}"
    begin = content.index(begin_marker) + len(begin_marker)
    end = content.find(end_marker, begin)
    if end < 0:
        return False
    readme.write_text(content[:begin] + "\n" + text + "\n" + content[end:], encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--speedup-max", type=int, default=1000,
                        help="measure the 1-process speed-up only up to this many articles")
    parser.add_argument("--until", choices=ALL_STAGES, default=ALL_STAGES[-1],
                        help="stop each run after this stage (before validate, the second "
                             "run is not incremental: pages count as known once validated)")
    parser.add_argument("--repeats", type=int, default=INCREMENTAL_REPEATS,
                        help="run the incremental run this many times from the same state "
                             "and report the median")
    parser.add_argument("--out", type=Path, default=Path("bench-results"))
    parser.add_argument("--no-readme", dest="readme", action="store_false",
                        help="do not rewrite README.md's Performance table")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    stage_names = ALL_STAGES[:ALL_STAGES.index(args.until) + 1]
    args.out.mkdir(parents=True, exist_ok=True)
    command = "python -m extractors.benchmark " + " ".join(argv if argv is not None
                                                            else sys.argv[1:])
    report = {"started_at": datetime.now(UTC).isoformat(), "command": command,
              "machine": machine(), "processes": args.processes, "seed": args.seed,
              "load_before": load_average()}
    report["sizes"] = [bench_size(n, args.seed, args.out.resolve(), args.processes,
                                  args.speedup_max, stage_names, args.repeats)
                       for n in args.articles]
    report["load_after"] = load_average()
    # Runnable jobs before we started, or more than our own processes, share the CPUs.
    report["under_load"] = (report["load_before"][0] >= 0.5
                            or report["load_after"][0] > args.processes + 0.5)
    path = args.out / f"bench-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    text = markdown(report)
    print("\n" + text + f"\n\nresults: {path}")
    if args.readme and not update_readme(text, args.articles):
        print(f"README.md has no {' ... '.join(readme_markers(args.articles))} markers, nor any "
              "other bench block: not updated")
    return 0 if all("error" not in r for s in report["sizes"] for run in ("full", "incremental")
                    for r in s[run]["stages"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
