"""Fit `verifier/calibration.json` on citations in and out of the index's coverage, and report
calibration per status, in and out of coverage.

    python -m bench.calibrate [--data ../shared/data] [--index bench/.cache/dev-index-cov] [--write]

What a confidence is a probability of (the definition the table is fitted to):

- `verified`: that the citation is genuine (label VALID / real);
- `mismatch`, `fabricated`: that the citation is hallucinated (label HALLUCINATED / fabricated);
- `unverifiable` with `out_of_coverage` (not found where the index covers nothing): that the cited work
  is real after all. "We cannot tell" has no truth value to be right or wrong about; what a reader of
  such a verdict needs is how likely the work is to exist, and that is what its confidence states;
- any other `unverifiable` (too little to check, an identifier the index does not hold, a failed
  lookup): not fitted, it keeps its heuristic confidence; its label mix is printed.

Data, each verdict scored against the gold label of the citation it covers (at least half of the span):

- in coverage: HALLMARK dev (`hallmark/dev_public.bib` and `hallmark/answers_dev.jsonl.gz`, 2,238 labelled
  citations), whose works all lie where the dev index covers;
- out of coverage: the GPT-3.5 title lists (`real_llm/ms_title_lists_gpt35.jsonl.gz`, 1,000 bare titles
  labelled real or fabricated), most of whose real works the dev index does not hold. They are split by
  `bench.real_llm.half_of(answer id)`: the *fit* half is used for fitting only, the *report* half for
  reporting only.

Reported figures are never scored on the data they were fitted on: a HALLMARK verdict is scored with a
table fitted on the other HALLMARK half (2-fold, seed 0) plus the GPT-3.5 fit half; a GPT-3.5 report-half
verdict with the table fitted on all of HALLMARK plus the GPT-3.5 fit half, which is also the table
`--write` stores. For each status and each side (in coverage: HALLMARK; out of coverage: the GPT-3.5
report half) it prints n, mean confidence, accuracy (the share of verdicts whose confidence statement
held) and ECE over 10 bins, for the heuristic confidence, the shipped table and the refitted one.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from citeproof.models import CitationResult, Status
from citeproof.verifier import Verifier
from citeproof.verifier.calibration import bucket, calibrated, load_table

HERE = Path(__file__).resolve().parent
FLAGGED = (Status.mismatch, Status.fabricated)
PRIOR_WEIGHT = 4.0
# No verdict is certain, and dev data are not the world: a real work missing from an index, or a style
# never seen, fails in ways they cannot show. Confidence is kept inside [1 - cap, cap].
MAX_CONFIDENCE = 0.99
SIDES = ("in", "out")
SIDE_NAMES = {"in": "in coverage (HALLMARK dev)", "out": "out of coverage (GPT-3.5 lists, report half)"}


@dataclass
class Sample:
    result: CitationResult  # with its heuristic confidence (`Verifier(calibration=False)`)
    real: bool  # the cited work is genuine, cited as it is (HALLMARK VALID, GPT-3.5 real)
    side: str  # "in" (HALLMARK) or "out" (GPT-3.5 lists)
    part: str  # HALLMARK: "0" / "1" (cross-fitting halves); GPT-3.5: "fit" / "report"


def correct(r: CitationResult, real: bool) -> bool | None:
    """Whether what the verdict's confidence is a probability of held (see the module docstring);
    None for verdicts the table does not calibrate."""
    if r.status is Status.unverifiable:
        return real if r.out_of_coverage else None
    if r.status is Status.verified:
        return real
    return not real


def fit(samples: list[tuple[CitationResult, bool]]) -> dict[str, float]:
    """bucket -> smoothed share of verdicts whose statement held: each bucket's rate shrunk toward its
    status's (Laplace-smoothed) rate with weight `PRIOR_WEIGHT`. An `unverifiable` verdict falls back
    to no status rate (`calibration.calibrated`), so none is stored for it."""
    per_status: dict[str, list[bool]] = defaultdict(list)
    per_bucket: dict[str, list[bool]] = defaultdict(list)
    for r, ok in samples:
        b = bucket(r)
        if b == "mention":
            continue
        per_status[r.status.value].append(ok)
        per_bucket[b].append(ok)
    prior = {s: (sum(v) + 1) / (len(v) + 2) for s, v in per_status.items()}
    table = {s: p for s, p in prior.items() if s != Status.unverifiable.value}
    for b, v in per_bucket.items():
        p = prior[b.split("|")[0]]
        table[b] = (sum(v) + PRIOR_WEIGHT * p) / (len(v) + PRIOR_WEIGHT)
    return {k: round(min(max(v, 1 - MAX_CONFIDENCE), MAX_CONFIDENCE), 4) for k, v in sorted(table.items())}


def ece(pairs: list[tuple[float, bool]], bins: int = 10) -> float:
    """Expected calibration error: |mean confidence - accuracy| per equal-width bin, weighted by size."""
    groups: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    for conf, ok in pairs:
        groups[min(int(conf * bins), bins - 1)].append((conf, ok))
    n = len(pairs)
    return sum(abs(sum(c for c, _ in g) / len(g) - sum(o for _, o in g) / len(g)) * len(g) / n for g in groups.values())


def lookup(table: dict[str, float], r: CitationResult) -> float:
    """The confidence `r` gets from `table`, as the verifier applies it (its own when none)."""
    conf = calibrated(r, table)
    return r.confidence if conf is None else conf


def _overlaps(r: CitationResult, start: int, end: int) -> bool:
    return 2 * (min(r.end, end) - max(r.start, start)) >= end - start


def _jsonl(path: Path) -> Iterator[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def collect(verifier: Verifier, data: Path) -> list[Sample]:
    """Every gold citation that got a verdict, with its label, side and part."""
    from bench.real_llm import half_of

    hm = data / "hallmark"
    out: list[Sample] = []
    labels = {
        x["key"]: x["label"] != "HALLUCINATED"
        for x in map(json.loads, (hm / "dev_public.labels.jsonl").read_text(encoding="utf-8").splitlines())
    }
    hallmark: list[tuple[CitationResult, bool]] = []
    for r in verifier.verify((hm / "dev_public.bib").read_text(encoding="utf-8")).citations:
        if r.key in labels:
            hallmark.append((r, labels[r.key]))
    for a in _jsonl(hm / "answers_dev.jsonl.gz"):
        pred = verifier.verify(a["text"]).citations
        for g in a["citations"]:
            r = next((p for p in pred if _overlaps(p, g["start"], g["end"])), None)
            if r is not None:
                hallmark.append((r, g["label"] != "HALLUCINATED"))
    order = list(range(len(hallmark)))
    random.Random(0).shuffle(order)
    for pos, i in enumerate(order):
        r, real = hallmark[i]
        out.append(Sample(r, real, "in", str(pos % 2)))
    for a in _jsonl(data / "real_llm" / "ms_title_lists_gpt35.jsonl.gz"):
        pred = verifier.verify(a["text"]).citations
        for g in a["refs"]:
            r = next((p for p in pred if _overlaps(p, g["start"], g["end"])), None)
            if r is not None:
                out.append(Sample(r, g["label"] == "real", "out", half_of(a["id"])))
    return out


def _pairs(samples: list[Sample]) -> list[tuple[CitationResult, bool]]:
    return [(s.result, ok) for s in samples if (ok := correct(s.result, s.real)) is not None]


def reported(samples: list[Sample]) -> tuple[list[tuple[Sample, bool, float]], dict[str, float]]:
    """(sample, correct, refitted confidence) for every calibrated sample on the reporting side of a
    split, each scored by a table not fitted on it; and the table fitted on all fitting data."""
    gpt_fit = [s for s in samples if s.side == "out" and s.part == "fit"]
    hallmark = [s for s in samples if s.side == "in"]
    full = fit(_pairs(hallmark + gpt_fit))
    rows: list[tuple[Sample, bool, float]] = []
    for k in ("0", "1"):
        t = fit(_pairs([s for s in hallmark if s.part != k] + gpt_fit))
        rows += [(s, ok, lookup(t, s.result)) for s in hallmark if s.part == k and (ok := correct(s.result, s.real)) is not None]
    rows += [
        (s, ok, lookup(full, s.result))
        for s in samples
        if s.side == "out" and s.part == "report" and (ok := correct(s.result, s.real)) is not None
    ]
    return rows, full


def _line(name: str, pairs: list[tuple[float, bool]]) -> str:
    if not pairs:
        return f"    {name:<10} n=0"
    n = len(pairs)
    mean = sum(c for c, _ in pairs) / n
    acc = sum(o for _, o in pairs) / n
    return f"    {name:<10} n={n:<5} mean confidence={mean:.3f} accuracy={acc:.3f} ECE={ece(pairs):.3f}"


def report(
    rows: list[tuple[Sample, bool, float]], shipped: dict[str, float], emit: Callable[[str], None] = print
) -> dict[tuple[str, str], dict[str, float]]:
    """Print per status and side, for the heuristic, shipped and refitted confidence; return the
    refitted figures as {(side, status): {n, confidence, accuracy, ece}} ('all' for every status)."""
    figures: dict[tuple[str, str], dict[str, float]] = {}
    for side in SIDES:
        emit(f"{SIDE_NAMES[side]}:")
        side_rows = [x for x in rows if x[0].side == side]
        for status in [*(s.value for s in Status), "all"]:
            sel = [x for x in side_rows if status in ("all", x[0].result.status.value)]
            if not sel:
                continue
            emit(f"  {status}" + ("  (confidence = P(the work is real); out_of_coverage verdicts only)" if status == "unverifiable" else ""))
            refit = [(c, ok) for _, ok, c in sel]
            emit(_line("heuristic", [(s.result.confidence, ok) for s, ok, _ in sel]))
            emit(_line("shipped", [(lookup(shipped, s.result), ok) for s, ok, _ in sel]))
            emit(_line("refitted", refit))
            n = len(refit)
            figures[side, status] = {
                "n": n,
                "confidence": sum(c for c, _ in refit) / n,
                "accuracy": sum(o for _, o in refit) / n,
                "ece": ece(refit),
            }
    return figures


def label_mix(samples: list[Sample], emit: Callable[[str], None] = print) -> None:
    """How the `unverifiable` verdicts split between real and hallucinated works, per side."""
    emit("unverifiable verdicts by label (all parts):")
    for side in SIDES:
        mix: Counter[tuple[str, str]] = Counter()
        for s in samples:
            if s.side == side and s.result.status is Status.unverifiable:
                kind = "out_of_coverage" if s.result.out_of_coverage else "other reason"
                mix[kind, "real" if s.real else "hallucinated"] += 1
        parts = ", ".join(f"{k} {lab}: {n}" for (k, lab), n in sorted(mix.items())) or "none"
        emit(f"  {SIDE_NAMES[side].split(' (')[0]}: {parts}")


def main() -> None:
    from bench.eval import BENCH_TODAY, dev_index

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data", help="the shared/data directory")
    ap.add_argument("--index", type=Path, default=HERE / ".cache" / "dev-index-cov", help="built here if absent")
    ap.add_argument("--write", action="store_true", help="write verifier/calibration.json")
    args = ap.parse_args()

    verifier = Verifier(dev_index(args.data / "hallmark", args.index), today=BENCH_TODAY, calibration=False)
    if not verifier.index.coverage.known:
        ap.error(f"{args.index} keeps no coverage (built before it was kept): rebuild it, or pass another --index")
    samples = collect(verifier, args.data)
    shipped = load_table()
    rows, table = reported(samples)
    n_side = Counter(s.side for s in samples)
    print(
        f"verdicts: {n_side['in']} in coverage (HALLMARK dev), {n_side['out']} out of coverage (GPT-3.5 lists: "
        f"{sum(s.side == 'out' and s.part == 'fit' for s in samples)} fit half, "
        f"{sum(s.side == 'out' and s.part == 'report' for s in samples)} report half); "
        f"calibrated and reported: {len(rows)}"
    )
    print("ECE over 10 bins, never on the data fitted on (HALLMARK 2-fold cross-fit, GPT-3.5 report half):")
    report(rows, shipped)
    label_mix(samples)
    every = [(c, ok) for _, ok, c in rows]
    print(f"overall: ECE heuristic {ece([(s.result.confidence, ok) for s, ok, _ in rows]):.4f}, "
          f"shipped {ece([(lookup(shipped, s.result), ok) for s, ok, _ in rows]):.4f}, refitted {ece(every):.4f}")
    counts: Counter[str] = Counter(bucket(r) for r, _ in _pairs([s for s in samples if s.side == "in" or s.part == "fit"]))
    print("table fitted on HALLMARK dev + the GPT-3.5 fit half (bucket, fitting verdicts, confidence; shipped):")
    for b, c in table.items():
        old = shipped.get(b)
        print(f"  {b:<45} n={counts.get(b, 0):<5} confidence={c:.4f}  shipped={'-' if old is None else f'{old:.4f}'}")
    if args.write:
        out = HERE.parent / "verifier" / "calibration.json"
        note = (
            "Fitted by bench/calibrate.py on HALLMARK dev (BibTeX split + answers) and the fit half of the GPT-3.5 "
            "title lists; bucket -> P(verdict correct): verified, P(genuine); mismatch and fabricated, "
            "P(hallucinated); unverifiable|out_of_coverage, P(the cited work is real)."
        )
        out.write_text(json.dumps({"_comment": note, "confidence": table}, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
