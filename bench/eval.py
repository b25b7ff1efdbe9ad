"""Accuracy and speed of citeproof on the HALLMARK dev benchmark, scored as shared/data/README.md says.

    python bench/eval.py [--index DIR] [--data ../shared/data/hallmark] [--limit N]

Builds the dev index (corpus_dev + corpus_distractors_dev, 31k real records, with the default model)
on first run into bench/.cache/dev-index; an index given with --index is queried with the model its
manifest names (printed in the header). Then prints, for the BibTeX split and for the LLM-style answers: DR, FPR,
precision, F1, unverifiable rate, correction hit@1, per hallucination type and tier, the top
confusions with examples, extraction recall, and speed. A baseline is measured in the same run
(exact-title lookup: flag a citation when no record has its normalised title) so that accuracy and
speed read as ratios on a noisy machine.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from citeproof.index import Index, build_index
from citeproof.models import CitationResult
from citeproof.verifier import Verifier

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "hallmark"
# Fixed so that runs are reproducible; HALLMARK's "future" years are all >= 2030.
BENCH_TODAY = date(2026, 11, 27)
FLAGGED = ("mismatch", "fabricated")


def dev_index(data: Path, out: Path) -> Index:
    if not (out / "manifest.json").is_file():
        print(f"building dev index in {out} ...", file=sys.stderr)
        m = build_index([data / "corpus_dev.csl.jsonl.gz", data / "corpus_distractors_dev.csl.jsonl.gz"], out, fmt="csl-json")
        print(f"  {m.count:,} records in {m.build_seconds:.0f}s ({m.timings})", file=sys.stderr)
    return Index(out)


@dataclass
class Tally:
    """Verdicts against gold labels, with everything the report prints."""

    max_examples: int = 3
    rows: list[tuple[str, bool, str]] = field(default_factory=list)
    per_tier: dict[str, list[tuple[str, bool, str]]] = field(default_factory=lambda: defaultdict(list))
    confusions: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    hit1: int = 0
    hit1_n: int = 0

    def add(self, c: CitationResult | None, label: str, htype: str | None, tier: object, original_id: str | None) -> None:
        status = c.status.value if c else "unverifiable"  # a citation not extracted is not flagged
        is_h = label == "HALLUCINATED"
        row = (status, is_h, htype or "VALID")
        self.rows.append(row)
        self.per_tier[str(tier) if is_h else "valid"].append(row)
        if (status in FLAGGED) != is_h:
            examples = self.confusions[f"{row[2]} -> {status}"]
            if len(examples) < self.max_examples:
                why = "; ".join(c.reasons)[:220] if c else "not extracted"
                examples.append(f"{((c.title if c else None) or '')[:70]!r}: {why}")
        if is_h and original_id:
            self.hit1_n += 1
            top = (c.record or (c.suggestions[0].record if c.suggestions else None)) if c else None
            if status == "mismatch" and top is not None and top.id == original_id:
                self.hit1 += 1


def scores(rows: list[tuple[str, bool, str]]) -> dict[str, float]:
    hall = [r for r in rows if r[1]]
    valid = [r for r in rows if not r[1]]
    tp = sum(r[0] in FLAGGED for r in hall)
    fp = sum(r[0] in FLAGGED for r in valid)
    dr = tp / len(hall) if hall else 0.0
    fpr = fp / len(valid) if valid else 0.0
    prec = tp / (tp + fp) if tp + fp else 0.0
    f1 = 2 * prec * dr / (prec + dr) if prec + dr else 0.0
    unv = sum(r[0] == "unverifiable" for r in rows) / len(rows) if rows else 0.0
    return {"n": len(rows), "DR": dr, "FPR": fpr, "precision": prec, "F1": f1, "unverifiable": unv}


def fmt_scores(name: str, s: dict[str, float]) -> str:
    return (
        f"{name:<26} n={s['n']:<5} DR={s['DR']:.3f} FPR={s['FPR']:.3f} P={s['precision']:.3f} "
        f"F1={s['F1']:.3f} unverifiable={s['unverifiable']:.3f}"
    )


def print_tally(t: Tally, baseline: list[tuple[str, bool, str]] | None) -> None:
    s = scores(t.rows)
    print(fmt_scores("citeproof", s))
    if baseline is not None:
        b = scores(baseline)
        print(fmt_scores("baseline exact-title", b))
        print(f"F1 ratio citeproof/baseline = {s['F1'] / b['F1'] if b['F1'] else float('inf'):.3f}")
    print(f"correction hit@1: {t.hit1 / t.hit1_n if t.hit1_n else 0:.3f} ({t.hit1}/{t.hit1_n})")
    print("per type:")
    by_type: dict[str, list] = defaultdict(list)
    for r in t.rows:
        by_type[r[2]].append(r)
    for name, rows in sorted(by_type.items()):
        sc = scores(rows)
        what, rate = ("FPR", sc["FPR"]) if name == "VALID" else ("DR ", sc["DR"])
        print(f"  {name:<24} n={len(rows):<4} {what}={rate:.3f}  {dict(Counter(r[0] for r in rows))}")
    print("per tier:")
    for tier, rows in sorted(t.per_tier.items()):
        sc = scores(rows)
        print(f"  tier {tier:<6} n={len(rows):<4} " + (f"FPR={sc['FPR']:.3f}" if tier == "valid" else f"DR ={sc['DR']:.3f}"))
    print("top confusions:")
    for tag, ex in sorted(t.confusions.items(), key=lambda x: -len(x[1])):
        print(f"  {tag}")
        for e in ex:
            print(f"      {e}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--index", type=Path, default=HERE / ".cache" / "dev-index")
    ap.add_argument("--limit", type=int, default=0, help="only the first N answers (quick runs)")
    ap.add_argument("--examples", type=int, default=3, help="examples shown per confusion")
    args = ap.parse_args()

    index = dev_index(args.data, args.index)
    verifier = Verifier(index, today=BENCH_TODAY)
    labels = [json.loads(line) for line in open(args.data / "dev_public.labels.jsonl", encoding="utf-8")]

    # ---- BibTeX split: one call for the whole file -------------------------------------------------
    bib = (args.data / "dev_public.bib").read_text(encoding="utf-8")
    verifier.verify(bib[:2000])  # warm up the model
    t0 = time.perf_counter()
    report = verifier.verify(bib)
    dt = time.perf_counter() - t0
    by_key = {c.key: c for c in report.citations if c.key}
    tally = Tally(max_examples=args.examples)
    for lab in labels:
        tally.add(by_key.get(lab["key"]), lab["label"], lab["type"], lab["tier"], lab.get("original_id"))

    t0 = time.perf_counter()
    baseline = []
    for lab in labels:
        c = by_key.get(lab["key"])
        found = bool(c and c.title and index.store.by_title_key(c.title))
        baseline.append(("verified" if found else "fabricated", lab["label"] == "HALLUCINATED", lab["type"] or "VALID"))
    base_dt = time.perf_counter() - t0 + report.timings["extract_s"]

    print(f"=== HALLMARK dev, BibTeX split (dev index: {len(index):,} records, {index.manifest.model}) ===")
    print(f"entries extracted: {len(by_key)}/{len(labels)}")
    print_tally(tally, baseline)
    n = len(report.citations)
    print(
        f"speed: {n / dt:.1f} citations/s batched ({dt * 1000 / max(n, 1):.2f} ms/citation); "
        f"baseline {len(labels) / base_dt:.1f}/s; ratio citeproof/baseline = {(n / dt) / (len(labels) / base_dt):.4f}"
    )

    # ---- single citations, warm: latency per call ---------------------------------------------------
    singles = [c.raw for c in report.citations[:200]]
    lat = []
    for raw in singles:
        t0 = time.perf_counter()
        verifier.verify(raw)
        lat.append((time.perf_counter() - t0) * 1000)
    lat.sort()
    print(
        f"single citation, warm: p50={statistics.median(lat):.1f} ms p99={lat[int(len(lat) * 0.99) - 1]:.1f} ms "
        f"(n={len(lat)}); batched/single throughput ratio = {(n / dt) / (1000 / statistics.mean(lat)):.2f}"
    )

    # ---- LLM-style answers: extraction spans, then verdicts ----------------------------------------------
    answers = [json.loads(line) for line in gzip.open(args.data / "answers_dev.jsonl.gz", "rt", encoding="utf-8")]
    if args.limit:
        answers = answers[: args.limit]
    gold_n = found_n = pred_n = spurious = 0
    atally = Tally(max_examples=args.examples)
    label_of = {x["key"]: x for x in labels}
    t0 = time.perf_counter()
    for ans in answers:
        pred = verifier.verify(ans["text"]).citations
        pred_n += len(pred)
        for g in ans["citations"]:
            gold_n += 1
            half = (g["end"] - g["start"]) / 2
            match = next((p for p in pred if min(p.end, g["end"]) - max(p.start, g["start"]) >= half), None)
            found_n += match is not None
            lab = label_of.get(g["key"])
            atally.add(match, g["label"], g.get("type"), lab["tier"] if lab else "?", lab.get("original_id") if lab else None)
        spurious += sum(
            1 for p in pred if not any(min(p.end, g["end"]) > max(p.start, g["start"]) for g in ans["citations"])
        )
    adt = time.perf_counter() - t0
    print(f"\n=== HALLMARK dev, LLM-style answers ({len(answers)} answers) ===")
    print(f"extraction recall: {found_n / gold_n if gold_n else 0:.4f} ({found_n}/{gold_n}); spurious: {spurious}/{pred_n}")
    print_tally(atally, None)
    print(f"speed: {pred_n / adt:.1f} citations/s end to end (extract + verify, one answer per call)")


if __name__ == "__main__":
    main()
