"""Accuracy and speed of citeproof on the HALLMARK dev benchmark, scored as shared/data/README.md says.

    python bench/eval.py [--index DIR] [--data ../shared/data/hallmark] [--limit N]

Builds the dev index (corpus_dev + corpus_distractors_dev, 31k real records) on first run into
bench/.cache/dev-index, then prints, for the BibTeX split and for the LLM-style answers: DR, FPR,
precision, F1, unverifiable rate, correction hit@1, per hallucination type and tier, extraction
recall, and citations/second, with a baseline measured in the same run (exact-title lookup: flag a
citation when no record has its normalised title) so figures read as ratios on a noisy machine.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

from citeproof.index import Index, build_index
from citeproof.verifier import Verifier

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "hallmark"
# HALLMARK's dev split was labelled in early 2026: judge "future" years against that date, not today's.
BENCH_TODAY = date(2026, 2, 15)


def dev_index(data: Path, out: Path) -> Index:
    if not (out / "manifest.json").is_file():
        print(f"building dev index in {out} ...", file=sys.stderr)
        m = build_index([data / "corpus_dev.csl.jsonl.gz", data / "corpus_distractors_dev.csl.jsonl.gz"], out, fmt="csl-json")
        print(f"  {m.count:,} records in {m.build_seconds:.0f}s ({m.timings})", file=sys.stderr)
    return Index(out)


def scores(rows: list[tuple[str, bool, str | None]]) -> dict[str, float]:
    """rows: (status, is_hallucinated, type). Flagged = mismatch or fabricated."""
    hall = [r for r in rows if r[1]]
    valid = [r for r in rows if not r[1]]
    flagged = lambda r: r[0] in ("mismatch", "fabricated")  # noqa: E731
    tp = sum(flagged(r) for r in hall)
    fp = sum(flagged(r) for r in valid)
    dr = tp / len(hall) if hall else 0.0
    fpr = fp / len(valid) if valid else 0.0
    prec = tp / (tp + fp) if tp + fp else 0.0
    f1 = 2 * prec * dr / (prec + dr) if prec + dr else 0.0
    unv = sum(r[0] == "unverifiable" for r in rows) / len(rows) if rows else 0.0
    return {"n": len(rows), "DR": dr, "FPR": fpr, "precision": prec, "F1": f1, "unverifiable": unv}


def fmt_scores(name: str, s: dict[str, float]) -> str:
    return (
        f"{name:<28} n={s['n']:<5} DR={s['DR']:.3f} FPR={s['FPR']:.3f} P={s['precision']:.3f} "
        f"F1={s['F1']:.3f} unverifiable={s['unverifiable']:.3f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--index", type=Path, default=HERE / ".cache" / "dev-index")
    ap.add_argument("--limit", type=int, default=0, help="only the first N answers (quick runs)")
    ap.add_argument("--confusions", type=int, default=3, help="examples shown per confusion")
    args = ap.parse_args()

    index = dev_index(args.data, args.index)
    verifier = Verifier(index, today=BENCH_TODAY)
    labels = {json.loads(line)["key"]: json.loads(line) for line in open(args.data / "dev_public.labels.jsonl")}

    # ---- BibTeX split ---------------------------------------------------------------------------
    bib = (args.data / "dev_public.bib").read_text(encoding="utf-8")
    verifier.verify(bib[:2000])  # warm up model and caches
    t0 = time.perf_counter()
    report = verifier.verify(bib)
    dt = time.perf_counter() - t0
    by_key = {c.key: c for c in report.citations if c.key}
    missing = [k for k in labels if k not in by_key]
    rows, per_type, per_tier = [], defaultdict(list), defaultdict(list)
    confusions: dict[str, list[str]] = defaultdict(list)
    hit1_n = hit1 = 0
    for key, lab in labels.items():
        c = by_key.get(key)
        status = c.status.value if c else "unverifiable"
        is_h = lab["label"] == "HALLUCINATED"
        row = (status, is_h, lab["type"])
        rows.append(row)
        per_type[lab["type"] or "VALID"].append(row)
        per_tier[lab["tier"] if is_h else "valid"].append(row)
        flagged = status in ("mismatch", "fabricated")
        if flagged != is_h and c is not None:
            tag = f"{lab['type'] or 'VALID'} -> {status}"
            if len(confusions[tag]) < args.confusions:
                confusions[tag].append(f"{(c.title or '')[:70]!r}: {'; '.join(c.reasons)[:220]}")
        if is_h and lab.get("original_id"):
            hit1_n += 1
            top = c.record if c and c.record else (c.suggestions[0].record if c and c.suggestions else None)
            if c and status == "mismatch" and top is not None and top.id == lab["original_id"]:
                hit1 += 1

    # baseline: exact normalised-title lookup, same index, same run
    t0 = time.perf_counter()
    base_rows = []
    for key, lab in labels.items():
        c = by_key.get(key)
        found = bool(c and c.title and index.store.by_title_key(c.title))
        base_rows.append(("verified" if found else "fabricated", lab["label"] == "HALLUCINATED", lab["type"]))
    base_dt = time.perf_counter() - t0 + report.timings["extract_s"]

    print(f"=== HALLMARK dev, BibTeX split (dev index: {len(index):,} records) ===")
    s = scores(rows)
    print(fmt_scores("citeproof", s))
    print(fmt_scores("baseline exact-title", scores(base_rows)))
    print(f"entries extracted: {len(by_key)}/{len(labels)} (missing {len(missing)})")
    print(f"correction hit@1: {hit1 / hit1_n if hit1_n else 0:.3f} ({hit1}/{hit1_n})")
    print(
        f"speed: {len(report.citations) / dt:.1f} citations/s batched "
        f"({dt * 1000 / max(len(report.citations), 1):.2f} ms/citation); baseline {len(labels) / base_dt:.1f}/s; "
        f"ratio citeproof/baseline = {(len(report.citations) / dt) / (len(labels) / base_dt):.3f}"
    )
    print("\nper type:")
    for t, r in sorted(per_type.items(), key=lambda x: x[0]):
        sc = scores(r)
        rate = sc["FPR"] if t == "VALID" else sc["DR"]
        counts = Counter(x[0] for x in r)
        print(f"  {t:<24} n={len(r):<4} {'FPR' if t == 'VALID' else 'DR '}={rate:.3f}  {dict(counts)}")
    print("per tier:")
    for t, r in sorted(per_tier.items(), key=lambda x: str(x[0])):
        sc = scores(r)
        print(f"  tier {t!s:<6} n={len(r):<4} {'FPR' if t == 'valid' else 'DR '}={sc['FPR'] if t == 'valid' else sc['DR']:.3f}")
    print("top confusions:")
    for tag, ex in sorted(confusions.items(), key=lambda x: -len(x[1])):
        print(f"  {tag}")
        for e in ex:
            print(f"      {e}")

    # ---- LLM-style answers ------------------------------------------------------------------------
    answers = [json.loads(line) for line in gzip.open(args.data / "answers_dev.jsonl.gz", "rt", encoding="utf-8")]
    if args.limit:
        answers = answers[: args.limit]
    gold_n = found_n = pred_n = spurious = 0
    arows = []
    t0 = time.perf_counter()
    ncit = 0
    for ans in answers:
        rep = verifier.verify(ans["text"])
        ncit += len(rep.citations)
        pred = rep.citations
        pred_n += len(pred)
        used = set()
        for g in ans["citations"]:
            gold_n += 1
            glen = g["end"] - g["start"]
            best = None
            for j, p in enumerate(pred):
                ov = min(p.end, g["end"]) - max(p.start, g["start"])
                if ov >= glen / 2:
                    best = j
                    break
            if best is not None:
                found_n += 1
                used.add(best)
                arows.append((pred[best].status.value, g["label"] == "HALLUCINATED", g.get("type")))
            else:
                arows.append(("unverifiable", g["label"] == "HALLUCINATED", g.get("type")))
        for j, p in enumerate(pred):
            if j not in used and not any(min(p.end, g["end"]) > max(p.start, g["start"]) for g in ans["citations"]):
                spurious += 1
    adt = time.perf_counter() - t0
    print(f"\n=== HALLMARK dev, LLM-style answers ({len(answers)} answers) ===")
    print(f"extraction recall: {found_n / gold_n if gold_n else 0:.4f} ({found_n}/{gold_n}); spurious: {spurious}/{pred_n}")
    print(fmt_scores("citeproof (answers)", scores(arows)))
    print(f"speed: {ncit / adt:.1f} citations/s end to end (extract + verify, one answer at a time)")


if __name__ == "__main__":
    main()
