"""Genuine LLM output: GPT-3.5 title lists (are the titles found, is a fabricated one ever verified?) and
chat answers that cite nothing (how many get a false alarm?).

    python -m bench.real_llm [--data ../shared/data] [--index bench/.cache/dev-index] [--show N]

GPT-3.5 lists (`real_llm/ms_title_lists_gpt35.jsonl.gz`, 200 answers, 1,000 titles labelled real or
fabricated): a gold title span counts as found when one predicted citation covers at least half of it
(the extraction benchmark's rule); a prediction is spurious when it overlaps no gold span (its share of
all predictions is printed); predictions are the citations the verifier reports (tentative ones it
dropped are not; how many titles extraction found with them is printed too); the verdict of each gold title is counted per label and status (a title
not extracted counts as `not extracted`). A fabricated title `verified` must never happen. The answer's
`prompt` is not given to the verifier: users pass the answer only.

Chat negatives (`real_llm/chat_negatives_dev.jsonl.gz`, 853 answers citing nothing): split in two halves
by a hash of the id (deterministic, independent of file order). The *fit* half is the one to look at
while changing the extractor (`--show N` prints its flagged strings); the *report* half is only counted.
For each half: the share of answers with any `fabricated` or `mismatch` verdict, and the verdict counts.
The dev index is the one `bench.eval` builds (HALLMARK corpus_dev + distractors, 31,008 records).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.eval import BENCH_TODAY, FLAGGED, dev_index
from bench.extraction import show_examples
from citeproof.models import Citation
from citeproof.text import title_key
from citeproof.verifier import Verifier
from citeproof.verifier.extract import extract_citations

__all__ = ["half_of", "main"]

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data"


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def half_of(answer_id: str) -> str:
    """'fit' or 'report': a stable split by the id's SHA-1 (not Python's salted hash)."""
    return "fit" if hashlib.sha1(answer_id.encode("utf-8")).digest()[0] % 2 == 0 else "report"


def _covers(c: Citation, start: int, end: int) -> bool:
    return 2 * (min(c.end, end) - max(c.start, start)) >= end - start


def bench_gpt35(verifier: Verifier, path: Path, show: int) -> None:
    rows = list(_jsonl(path))
    n_gold = found = exact = n_pred = spurious = extracted = 0
    verdicts: dict[str, Counter[str]] = {"real": Counter(), "fabricated": Counter()}
    missed: list[str] = []
    false: list[str] = []
    wrong_title: list[str] = []
    bad_verified: list[str] = []
    real_fabricated: list[str] = []
    t0 = time.perf_counter()
    for r in rows:
        text = r["text"]
        cands = extract_citations(text)
        preds = verifier.verify(text, cands).citations
        n_pred += len(preds)
        for ref in r["refs"]:
            n_gold += 1
            extracted += any(_covers(c, ref["start"], ref["end"]) for c in cands)
            hit = next((c for c in preds if _covers(c, ref["start"], ref["end"])), None)
            verdicts[ref["label"]][hit.status.value if hit else "not extracted"] += 1
            if hit is None:
                missed.append(f"{r['id']}: {text[ref['start'] : ref['end']]!r}")
                continue
            found += 1
            if title_key(hit.title) == title_key(ref["title"].strip('"')):
                exact += 1
            else:
                wrong_title.append(f"{r['id']}: got {hit.title!r}, gold {ref['title']!r}")
            if ref["label"] == "real" and hit.status.value == "fabricated":
                real_fabricated.append(f"{r['id']}: {hit.raw[:160]!r} title={hit.title!r} year={hit.year} venue={hit.venue!r}")
            if ref["label"] == "fabricated" and hit.status.value == "verified":
                rec = hit.record.title if hit.record else None
                bad_verified.append(f"{r['id']}: {ref['title']!r} verified as {rec!r}")
        for c in preds:
            if not any(c.start < ref["end"] and ref["start"] < c.end for ref in r["refs"]):
                spurious += 1
                false.append(f"{r['id']}: {c.raw[:160]!r} -> {c.status.value}")
    dt = time.perf_counter() - t0
    print(f"=== GPT-3.5 title lists: {len(rows)} answers, {n_gold} titles, {n_pred} predicted, {dt:.1f}s ===")
    print(
        f"titles found {found / max(n_gold, 1):.4f} ({found}/{n_gold})  title exact {exact / max(found, 1):.4f}  "
        f"(extracted, tentative ones included: {extracted / max(n_gold, 1):.4f})"
    )
    print(f"spurious {spurious / max(n_pred, 1):.4f} ({spurious}/{n_pred})")
    for label, counts in verdicts.items():
        print(f"  {label:<10} titles: {dict(sorted(counts.items()))}")
    print(f"fabricated titles verified: {len(bad_verified)}")
    real_fab, fab_fab = verdicts["real"]["fabricated"], verdicts["fabricated"]["fabricated"]
    n_real = sum(verdicts["real"].values())
    print(
        f"real titles fabricated {real_fab / max(n_real, 1):.4f} ({real_fab}/{n_real})  "
        f"fabricated precision {f'{fab_fab / (real_fab + fab_fab):.4f}' if real_fab + fab_fab else 'n/a'} ({fab_fab}/{real_fab + fab_fab})"
    )
    show_examples("missed titles", missed, show)
    show_examples("spurious predictions", false, show)
    show_examples("title differs from gold", wrong_title, show)
    show_examples("fabricated titles verified", bad_verified, len(bad_verified))
    show_examples("real titles fabricated", real_fabricated, show)


def bench_negatives(verifier: Verifier, path: Path, show: int) -> None:
    halves: dict[str, dict[str, Any]] = {
        h: {"answers": 0, "flagged": 0, "verdicts": Counter(), "strings": []} for h in ("fit", "report")
    }
    t0 = time.perf_counter()
    for r in _jsonl(path):
        h = halves[half_of(r["id"])]
        h["answers"] += 1
        cites = verifier.verify(r["text"]).citations
        h["verdicts"].update(c.status.value for c in cites)
        flagged = [c for c in cites if c.status.value in FLAGGED]
        h["flagged"] += bool(flagged)
        for c in flagged:
            h["strings"].append(f"{r['id']}: {c.status.value:<10} {c.raw[:160]!r}  title={(c.title or '')[:80]!r}")
    dt = time.perf_counter() - t0
    total = sum(h["answers"] for h in halves.values())
    print(f"\n=== chat negatives: {total} answers citing nothing, {dt:.1f}s ===")
    for name, h in halves.items():
        v = h["verdicts"]
        print(
            f"{name:<6} half: {h['answers']} answers, flagged (fabricated or mismatch) "
            f"{h['flagged'] / max(h['answers'], 1):.4f} ({h['flagged']}); verdicts {dict(sorted(v.items()))}"
        )
    allv = halves["fit"]["verdicts"] + halves["report"]["verdicts"]
    print(f"all:  fabricated verdicts {allv['fabricated']}, mismatch {allv['mismatch']}")
    show_examples("flagged strings, fit half only", halves["fit"]["strings"], show)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared/data directory")
    ap.add_argument("--index", type=Path, default=HERE / ".cache" / "dev-index")
    ap.add_argument("--show", type=int, default=0, help="print this many examples of each kind")
    args = ap.parse_args(argv)
    index = dev_index(args.data / "hallmark", args.index)
    verifier = Verifier(index, today=BENCH_TODAY)
    verifier.verify("Vaswani et al. (2017). Attention is all you need. NeurIPS.")  # warm up the model
    print(f"dev index: {len(index):,} records")
    bench_gpt35(verifier, args.data / "real_llm" / "ms_title_lists_gpt35.jsonl.gz", args.show)
    bench_negatives(verifier, args.data / "real_llm" / "chat_negatives_dev.jsonl.gz", args.show)


if __name__ == "__main__":
    main()
