"""The end-of-run summary: what one run fetched, parsed, built and validated."""

from __future__ import annotations

from collections import Counter

from extractors import stagefiles
from extractors.stages import RunContext, final_fetches
from extractors.warehouse import connect

MART_COUNTS = ("articles", "entities", "quotes", "sanctions")


def _table_counts(path, schema: str, tables) -> dict[str, int | None]:
    if not path.exists():
        return dict.fromkeys(tables)
    with connect(path, read_only=True) as con:
        present = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ?",
            [schema]).fetchall()}
        return {t: (con.execute(f'select count(*) from {schema}."{t}"').fetchone()[0]
                    if t in present else None) for t in tables}


def _validation(ctx: RunContext) -> dict:
    if not ctx.paths.work.exists():
        return {"verdict": "not run"}
    with connect(ctx.paths.work, read_only=True) as con:
        try:
            rows = con.execute("select success, count(*) from audit.validation_runs "
                               "where run_id = ? group by 1", [ctx.run_id]).fetchall()
        except Exception:  # no audit schema yet: validation never ran
            rows = []
    counts = {bool(ok): n for ok, n in rows}
    if not counts:
        return {"verdict": "not run"}
    failed, total = counts.get(False, 0), sum(counts.values())
    return {"verdict": "passed" if not failed else "FAILED", "expectations": total,
            "failed": failed}


def summarize(ctx: RunContext) -> dict:
    fetches = [r for p in ctx.stage_files("fetches") for r in final_fetches(p).values()]
    feeds = [r for p in ctx.stage_files("feeds") for r in stagefiles.read_jsonl(p)]
    articles = [r for p in ctx.stage_files("articles") for r in stagefiles.read_jsonl(p)]
    discovered = sum(1 for p in ctx.stage_files("discovered") for _ in stagefiles.read_jsonl(p))
    planned = sum(1 for p in ctx.stage_files("plan") for _ in stagefiles.read_jsonl(p))
    fetch_status = Counter(r["status"] for r in fetches)
    docs = sorted(ctx.paths.validation.rglob("index.html")) if ctx.paths.validation.exists() else []
    return {
        "run_id": ctx.run_id,
        "discovered": discovered,
        # Known and unchanged since the last run, or past max_articles: so that
        # discovered = fetch outcomes + not_fetched, as the summary promises.
        "not_fetched": discovered - planned,
        "fetch": dict(fetch_status),
        "fetch_failures": dict(Counter(r["error_class"] for r in fetches
                                       if r["status"] == "failed")),
        "feeds_failed": sum(r["status"] == "failed" for r in feeds),
        "parse": dict(Counter(r["parse_status"] for r in articles)),
        "published": _table_counts(ctx.paths.published, "marts", MART_COUNTS),
        "validation": _validation(ctx),
        "warehouse": str(ctx.paths.published),
        "validation_report": str(docs[0]) if docs else None,
    }


def format_summary(summary: dict, failed_tasks: list[str]) -> str:
    fetch, parse, marts = summary["fetch"], summary["parse"], summary["published"]
    parse_failed = sum(n for status, n in parse.items() if status != "ok")
    failures = ", ".join(f"{k} {v}" for k, v in sorted(summary["fetch_failures"].items()))
    validation = summary["validation"]
    lines = [
        f"news-warehouse run {summary['run_id']}",
        f"  discovered {summary['discovered']} URLs, not fetched (unchanged or over the cap) "
        f"{summary['not_fetched']}; feeds failed {summary['feeds_failed']}",
        f"  fetched {fetch.get('ok', 0)}, unchanged (304) {fetch.get('not_modified', 0)}, "
        f"skipped {fetch.get('skipped', 0)}, failed {fetch.get('failed', 0)}"
        + (f" ({failures})" if failures else ""),
        f"  parsed {parse.get('ok', 0)}, not articles or failed {parse_failed}",
        "  published: " + ", ".join(f"{t} {n if n is not None else '-'}" for t, n in marts.items()),
        f"  validation: {validation['verdict']}"
        + (f" ({validation['failed']} of {validation['expectations']} expectations failed)"
           if validation.get("expectations") else ""),
        f"  warehouse: {summary['warehouse']}",
        f"  validation report: {summary['validation_report'] or '-'}",
    ]
    if failed_tasks:
        lines.append("  FAILED tasks: " + ", ".join(failed_tasks))
    return "\n".join(lines)
