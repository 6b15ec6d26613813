"""Score `parse_article` against an article-extraction benchmark folder.

    python -m extractors.evaluate_parser <folder> [--per-page] [--json out.json] [--worst N]

<folder> holds `ground-truth.json` ({page_id: {"url", "articleBody"}}) and
`html/<page_id>.html`. The metric is the benchmark's: bags of word 4-grams (tokens are
`re.findall(r"\\w+")`), per-page precision/recall/exact, macro-averaged; precision only over
pages with a non-empty prediction; F1 is the harmonic mean of the two averages.
Timing covers `parse_article` only (files are read first), in this single process, after
one untimed warm-up parse (imports, language model load). The speed floor, BeautifulSoup's
own parse plus `<p>` text, is timed on the same page right before the parser, so load from
other processes hits both alike; wall-clock and CPU time are both reported.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

from bs4 import BeautifulSoup

from extractors.parse import parse_article

TOKEN_RE = re.compile(r"\w+")
SHINGLE = 4
DEFAULT_WORST = 15
# No lang attribute and no date: loads the language model and htmldate once, untimed.
WARM_UP_HTML = "<html><body><article>" + "<p>A warm-up paragraph, long enough.</p>" * 20 \
    + "</article></body></html>"


def tokens(text: str) -> list[str]:
    return TOKEN_RE.findall(text or "")


def shingles(toks: list[str]) -> Counter:
    """Bag of 4-token runs; 1-3 tokens make one shingle; no tokens make none."""
    if not toks:
        return Counter()
    if len(toks) < SHINGLE:
        return Counter([tuple(toks)])
    return Counter(tuple(toks[i : i + SHINGLE]) for i in range(len(toks) - SHINGLE + 1))


def score_page(predicted: str, expected: str) -> dict:
    """precision (None when the prediction is empty), recall, exact for one page."""
    p_toks, e_toks = tokens(predicted), tokens(expected)
    p_sh, e_sh = shingles(p_toks), shingles(e_toks)
    overlap = sum((p_sh & e_sh).values())
    n_pred, n_true = sum(p_sh.values()), sum(e_sh.values())
    precision = overlap / n_pred if n_pred else None
    recall = overlap / n_true if n_true else (1.0 if not n_pred else 0.0)
    return {"precision": precision, "recall": recall, "exact": int(p_toks == e_toks)}


def aggregate(scores: list[dict]) -> dict:
    precisions = [s["precision"] for s in scores if s["precision"] is not None]
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(s["recall"] for s in scores) / len(scores) if scores else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    acc = sum(s["exact"] for s in scores) / len(scores) if scores else 0.0
    return {"precision": p, "recall": r, "f1": f1, "accuracy": acc, "pages": len(scores)}


def page_f1(s: dict) -> float:
    p, r = s["precision"] or 0.0, s["recall"]
    return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(folder: Path) -> tuple[dict, list[dict]]:
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id, item in sorted(truth.items()):
        path = folder / "html" / f"{page_id}.html"
        html = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
        pages.append((page_id, item.get("url") or "", html, item.get("articleBody") or ""))

    parse_article(WARM_UP_HTML, "https://example.com/warm-up")  # imports, model loads
    rows = []
    spent = {"parser": [0.0, 0.0], "floor": [0.0, 0.0]}  # [wall, cpu] seconds
    for page_id, url, html, expected in pages:
        timed(spent["floor"], paragraph_text, html)
        article = timed(spent["parser"], parse_article, html, url)
        s = score_page(article.body_text, expected)
        rows.append({"page_id": page_id, "url": url, "status": article.parse_status,
                     "method": article.extraction_method, **s, "f1": page_f1(s),
                     "articleBody": article.body_text})
    summary = aggregate(rows)
    for name, (wall, cpu) in spent.items():
        summary[f"{name}_seconds"], summary[f"{name}_cpu_seconds"] = wall, cpu
        summary[f"{name}_pages_per_second"] = len(rows) / wall if wall else 0.0
        summary[f"{name}_cpu_pages_per_second"] = len(rows) / cpu if cpu else 0.0
    return summary, rows


def paragraph_text(html: str) -> str:
    """The speed floor: BeautifulSoup's own lxml parse plus the text of every <p>."""
    soup = BeautifulSoup(html, "lxml")
    return "\n".join(p.get_text() for p in soup.find_all("p"))


def timed(spent: list[float], func, *args):
    """Call func(*args), adding its wall-clock and CPU seconds to spent[0] and spent[1]."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = func(*args)
    spent[0] += time.perf_counter() - wall
    spent[1] += time.process_time() - cpu
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--per-page", action="store_true", help="list the worst pages")
    ap.add_argument("--worst", type=int, default=DEFAULT_WORST, help="how many to list")
    ap.add_argument("--json", type=Path, help="write {page_id: {articleBody}} + scores here")
    args = ap.parse_args(argv)
    if not (args.folder / "ground-truth.json").exists():
        print(f"{args.folder}: no ground-truth.json", file=sys.stderr)
        return 2

    summary, rows = evaluate(args.folder)
    print(f"pages      {summary['pages']}")
    print(f"precision  {summary['precision']:.4f}")
    print(f"recall     {summary['recall']:.4f}")
    print(f"F1         {summary['f1']:.4f}")
    print(f"accuracy   {summary['accuracy']:.4f}")
    for name in ("parser", "floor"):
        print(f"{name + ' speed':<13}{summary[f'{name}_pages_per_second']:.1f} pages/s wall "
              f"({summary[f'{name}_seconds']:.2f} s), "
              f"{summary[f'{name}_cpu_pages_per_second']:.1f} pages/s CPU "
              f"({summary[f'{name}_cpu_seconds']:.2f} s)")
    ratio = summary["parser_cpu_seconds"] / summary["floor_cpu_seconds"] \
        if summary["floor_cpu_seconds"] else 0.0
    print(f"parser/floor {ratio:.2f}x the floor's CPU time")
    if args.per_page:
        print(f"\nworst {args.worst} pages by F1:")
        for row in sorted(rows, key=lambda r: r["f1"])[: args.worst]:
            p = "-" if row["precision"] is None else f"{row['precision']:.2f}"
            print(f"  F1 {row['f1']:.3f}  P {p:>4}  R {row['recall']:.2f}  "
                  f"{row['status']:<14} {row['method'] or '-':<9} {row['page_id'][:12]}  "
                  f"{row['url'][:70]}")
    if args.json:
        out = {"summary": summary,
               "pages": {r["page_id"]: {k: v for k, v in r.items() if k != "page_id"}
                         for r in rows}}
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
