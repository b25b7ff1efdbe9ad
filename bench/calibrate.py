"""Fit `verifier/calibration.json` on HALLMARK dev and report expected calibration error (ECE).

    python bench/calibrate.py [--write]

Runs the verifier on the dev BibTeX split and the dev answers (2,238 labelled citations), groups
verdicts by evidence bucket (`citeproof.verifier.calibration.bucket`) and sets each bucket's
confidence to its smoothed share of correct verdicts. ECE is reported for the heuristic confidence
and, honestly, for the calibrated one under 2-fold cross-fitting (fit on one half, score the other),
besides the in-sample figure. `--write` stores the table fitted on all data.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
from collections import defaultdict
from pathlib import Path

from citeproof.models import CitationResult, Status
from citeproof.verifier import Verifier
from citeproof.verifier.calibration import bucket

HERE = Path(__file__).resolve().parent
FLAGGED = (Status.mismatch, Status.fabricated)
PRIOR_WEIGHT = 4.0
# No verdict is certain, and dev is in-distribution: a real work missing from an index, or a style
# never seen, fails in ways dev cannot show. Confidence is capped accordingly.
MAX_CONFIDENCE = 0.99


def correct(r: CitationResult, hallucinated: bool) -> bool | None:
    if r.status is Status.unverifiable:
        return None  # no claim either way
    return (r.status in FLAGGED) == hallucinated


def fit(samples: list[tuple[CitationResult, bool]]) -> dict[str, float]:
    per_status: dict[str, list[bool]] = defaultdict(list)
    per_bucket: dict[str, list[bool]] = defaultdict(list)
    for r, ok in samples:
        per_status[r.status.value].append(ok)
        per_bucket[bucket(r)].append(ok)
    table = {s: (sum(v) + 1) / (len(v) + 2) for s, v in per_status.items()}
    for b, v in per_bucket.items():
        prior = table[b.split("|")[0]]
        table[b] = (sum(v) + PRIOR_WEIGHT * prior) / (len(v) + PRIOR_WEIGHT)
    return {k: round(min(v, MAX_CONFIDENCE), 4) for k, v in sorted(table.items())}


def ece(pairs: list[tuple[float, bool]], bins: int = 10) -> float:
    groups: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    for conf, ok in pairs:
        groups[min(int(conf * bins), bins - 1)].append((conf, ok))
    n = len(pairs)
    return sum(abs(sum(c for c, _ in g) / len(g) - sum(o for _, o in g) / len(g)) * len(g) / n for g in groups.values())


def lookup(table: dict[str, float], r: CitationResult) -> float:
    return table.get(bucket(r), table.get(r.status.value, r.confidence))


def main() -> None:
    from bench.eval import BENCH_TODAY, DEFAULT_DATA, dev_index

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--index", type=Path, default=HERE / ".cache" / "dev-index")
    ap.add_argument("--write", action="store_true", help="write verifier/calibration.json")
    args = ap.parse_args()

    verifier = Verifier(dev_index(args.data, args.index), today=BENCH_TODAY, calibration=False)
    labels = {json.loads(x)["key"]: json.loads(x)["label"] == "HALLUCINATED" for x in open(args.data / "dev_public.labels.jsonl")}
    samples: list[tuple[CitationResult, bool]] = []
    for r in verifier.verify((args.data / "dev_public.bib").read_text(encoding="utf-8")).citations:
        if r.key in labels and (ok := correct(r, labels[r.key])) is not None:
            samples.append((r, ok))
    for ans in gzip.open(args.data / "answers_dev.jsonl.gz", "rt", encoding="utf-8"):
        a = json.loads(ans)
        pred = verifier.verify(a["text"]).citations
        for g in a["citations"]:
            half = (g["end"] - g["start"]) / 2
            r = next((p for p in pred if min(p.end, g["end"]) - max(p.start, g["start"]) >= half), None)
            if r is not None and (ok := correct(r, g["label"] == "HALLUCINATED")) is not None:
                samples.append((r, ok))

    table = fit(samples)
    raw = ece([(r.confidence, ok) for r, ok in samples])
    insample = ece([(lookup(table, r), ok) for r, ok in samples])
    rng = random.Random(0)
    idx = list(range(len(samples)))
    rng.shuffle(idx)
    halves = [idx[: len(idx) // 2], idx[len(idx) // 2 :]]
    cross = []
    for k in (0, 1):
        t = fit([samples[i] for i in halves[k]])
        cross += [(lookup(t, samples[i][0]), samples[i][1]) for i in halves[1 - k]]
    print(f"labelled verdicts: {len(samples)} (accuracy {sum(ok for _, ok in samples) / len(samples):.4f})")
    print(f"ECE heuristic confidence:          {raw:.4f}")
    print(f"ECE calibrated, 2-fold cross-fit:  {ece(cross):.4f}  (ratio to heuristic {ece(cross) / raw if raw else 0:.3f})")
    print(f"ECE calibrated, in-sample:         {insample:.4f}")
    counts: dict[str, int] = defaultdict(int)
    for r, _ in samples:
        counts[bucket(r)] += 1
    for b, c in sorted(table.items()):
        print(f"  {b:<45} n={counts.get(b, 0):<5} confidence={c:.4f}")
    if args.write:
        out = HERE.parent / "verifier" / "calibration.json"
        note = "Fitted by bench/calibrate.py on HALLMARK dev (BibTeX split + answers); bucket -> P(verdict correct)."
        out.write_text(json.dumps({"_comment": note, "confidence": table}, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
