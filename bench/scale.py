"""Scale: build, size, start-up and verification speed of indexes of 100k, 1M (and more) records.

    python -m bench.scale [--sizes 100000,1000000] [--model static-minilm] [--index-type auto]
                          [--work /tmp/citeproof-scale] [--keep]

Each size is an index of the 31,008 real dev records (corpus_dev + corpus_distractors_dev, so the
benchmark's cited works are findable) plus synthetic records from `bench.synth` (a generator fitted
on real titles, names, years and venues: real dumps of millions of records are not available
offline here). For each size it prints:

* build: records/s overall and per phase (parse, embed, shard write, train, store, add, write);
* size: disk bytes per record (records.sqlite, vectors.faiss) and RAM bytes per record of the vectors
  (the FAISS index's own size; IVF-PQ codes are 32 bytes for the default model's 256 dimensions, 48
  for MiniLM's 384, + an 8-byte id), and the resident memory a verifier process gains when it opens
  the index and verifies;
* cold start: a fresh `citeproof verify` process from start to its first verdict;
* verification, warm (after one full pass): citations/s for the HALLMARK dev BibTeX file in one call
  (median of three passes), in one process and shared among `--workers` processes (one per CPU
  core by default; passes alternated), p50/p99 ms of single citations one call each, and F1 on the
  dev labels;
  and the answers path: citations/s over the 280 dev LLM-style answers, extracted and verified one
  answer per call, as a chat service receives them.

Everything is a ratio against the same measurement on the 31k dev index built with the same model in
the same run (the baseline), because these machines are noisy. For a compressed (IVF-PQ) index the
vectors' RAM per record at 10M is computed from the built index's own sizes: its code size plus the
8-byte id per record, plus the coarse centroids an index of 10M would have (nlist x dim x 4 bytes),
spread over 10M records.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import faiss

from bench.eval import BENCH_TODAY, DEFAULT_DATA, Tally, scores
from bench.synth import write as write_synthetic
from citeproof.index import Index, build_index
from citeproof.index.build import RECORDS, VECTORS
from citeproof.index.vectors import nlist_for
from citeproof.verifier import Verifier

REAL_RECORDS = 31_008

_CHILD = r"""
import json, os, sys, time
t0 = time.perf_counter()
def rss():
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) * 1024 for l in fh if l.startswith("VmRSS:"))
from citeproof.verifier import Verifier
from citeproof.index import Index
t_import = time.perf_counter() - t0
index = Index(sys.argv[1])
index.embed(["warm the model"])
base = rss()
t_open = time.perf_counter() - t0
v = Verifier(index)
v.verify(sys.argv[2])
t_first = time.perf_counter() - t0
v.verify(open(sys.argv[3], encoding="utf-8").read())
print(json.dumps({"import_s": t_import, "open_s": t_open, "first_verdict_s": t_first,
                  "rss_model_bytes": base, "rss_after_bytes": rss()}))
"""


def _dump(work: Path, size: int) -> Path:
    """The dump for `size` records: the real dev records first, then synthetic ones (cached)."""
    path = work / f"dump-{size}.csl.jsonl.gz"
    if not path.exists():
        t0 = time.perf_counter()
        tmp = path.with_suffix(".tmp")
        write_synthetic(tmp, size - REAL_RECORDS, seed=0, include_real=True)
        os.replace(tmp, path)
        print(f"  generated {size:,} records in {time.perf_counter() - t0:.0f}s -> {path}", file=sys.stderr)
    return path


def _build(dump: list[Path], out: Path, model: str, index_type: str) -> dict[str, float]:
    if (out / "manifest.json").exists():
        m = Index(out).manifest
    else:
        m = build_index(dump, out, fmt="csl-json", model=model, index_type=index_type, shard_size=100_000)
    files = {name: (out / name).stat().st_size for name in (RECORDS, VECTORS)}
    at_10m = 0.0
    if m.index_type == "ivfpq":
        vectors = faiss.read_index(str(out / VECTORS))  # (kept alive: the IVF view points into it)
        ivf = faiss.extract_index_ivf(vectors)
        at_10m = ivf.code_size + 8 + nlist_for(10_000_000) * ivf.d * 4 / 10_000_000
    return {
        "ram_10m": at_10m,
        "count": m.count, "seconds": m.build_seconds, **{f"t_{k}": v for k, v in m.timings.items()},
        "disk_records": files[RECORDS] / m.count, "disk_vectors": files[VECTORS] / m.count,
        "index_type": m.index_type,  # type: ignore[dict-item]
    }


def _child(index: Path, one: str, bib: Path) -> dict[str, float]:
    """Cold start and resident memory, in a fresh process."""
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", _CHILD, str(index), one, str(bib)], capture_output=True, text=True, check=True)
    out = json.loads(r.stdout.strip().splitlines()[-1])
    out["process_s"] = time.perf_counter() - t0
    return out


def _answers(data: Path) -> list[str]:
    """The HALLMARK dev LLM-style answers (280), for the answers path: one answer per call."""
    with gzip.open(data / "answers_dev.jsonl.gz", "rt", encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh]


def _warm(index: Index, bib: str, labels: list[dict], singles: list[str], answers: list[str], workers: int) -> dict[str, float]:
    v = Verifier(index, today=BENCH_TODAY)
    shared = Verifier(index, today=BENCH_TODAY, workers=workers)
    shared.workers_ready(timeout=120)  # (their start is not timed: a service starts them once)
    v.verify(bib)  # warm: the model loaded, the record store's pages in the OS cache
    shared.verify(bib)
    runs, shared_runs = [], []
    for _ in range(3):  # the median of three passes: single passes vary by +-20% on this shared machine
        t0 = time.perf_counter()
        report = v.verify(bib)
        runs.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        together = shared.verify(bib)
        shared_runs.append(time.perf_counter() - t0)
    shared.close()
    assert together.citations == report.citations, "a batch shared among processes must verify as one process does"
    dt = statistics.median(runs)
    by_key = {c.key: c for c in report.citations if c.key}
    t = Tally()
    for lab in labels:
        t.add(by_key.get(lab["key"]), lab["label"], lab["type"], lab["tier"], lab.get("original_id"))
    lat = []
    for raw in singles:
        t1 = time.perf_counter()
        v.verify(raw)
        lat.append((time.perf_counter() - t1) * 1000)
    lat.sort()
    t1, n_answers = time.perf_counter(), 0
    for text in answers:  # the answers path: extract and verify one answer per call
        n_answers += len(v.verify(text).citations)
    answers_s = time.perf_counter() - t1
    return {
        "cit_per_s": len(report.citations) / dt, "p50_ms": statistics.median(lat),
        "shared_cit_per_s": len(report.citations) / statistics.median(shared_runs), "workers": shared.workers,
        "p99_ms": lat[max(0, int(len(lat) * 0.99) - 1)], "F1": scores(t.rows)["F1"],
        "answers_cit_per_s": n_answers / answers_s,
    }


def _line(name: str, r: dict, base: dict | None) -> None:
    def ratio(key: str) -> str:
        return f" ({r[key] / base[key]:.2f}x)" if base and base.get(key) else ""

    n = r["count"]
    phases = {k[2:]: v for k, v in r.items() if k.startswith("t_") and v > 0}
    rates = ", ".join(f"{k} {n / v:,.0f}/s" for k, v in phases.items())
    print(f"\n--- {name}: {n:,} records, {r['index_type']} ---")
    print(f"build: {r['seconds']:.0f}s = {n / r['seconds']:,.0f} records/s{ratio('build_rate')}; phases: {rates}")
    print(
        f"disk: records.sqlite {r['disk_records']:.0f} B/record, vectors.faiss {r['disk_vectors']:.0f} B/record "
        f"(= vectors RAM per record once loaded)"
        + (f"; at 10M: {r['ram_10m']:.1f} B/record of vectors RAM (computed from this index's code size)" if r["ram_10m"] else "")
    )
    print(
        f"process: RSS +{r['rss_delta'] / n:.0f} B/record over the loaded model ({r['rss_delta'] / 2**20:.0f} MiB); "
        f"cold start to first verdict {r['first_verdict_s']:.2f}s{ratio('first_verdict_s')} "
        f"(import {r['import_s']:.2f}s, open+model {r['open_s'] - r['import_s']:.2f}s)"
    )
    print(
        f"verify warm: {r['cit_per_s']:.0f} citations/s batched{ratio('cit_per_s')}; single p50 {r['p50_ms']:.1f} ms"
        f"{ratio('p50_ms')} p99 {r['p99_ms']:.1f} ms{ratio('p99_ms')}; F1 {r['F1']:.4f}"
        + (f" (delta {100 * (r['F1'] - base['F1']):+.2f} points)" if base else "")
    )
    print(f"verify warm, batched, {r['workers']} processes: {r['shared_cit_per_s']:.0f} citations/s{ratio('shared_cit_per_s')}")
    print(f"answers path (dev LLM-style answers, one per call): {r['answers_cit_per_s']:.0f} citations/s{ratio('answers_cit_per_s')}")


def measure(name: str, dump: list[Path], out: Path, args: argparse.Namespace, bib_path: Path, labels: list[dict],
            singles: list[str], base: dict | None) -> dict:
    r: dict = _build(dump, out, args.model, args.index_type)
    r["build_rate"] = r["count"] / r["seconds"]
    c = _child(out, singles[0], bib_path)
    r.update(c, rss_delta=c["rss_after_bytes"] - c["rss_model_bytes"])
    index = Index(out)
    try:
        r.update(_warm(index, bib_path.read_text(encoding="utf-8"), labels, singles, _answers(args.data), args.workers))
    finally:
        index.close()
    _line(name, r, base)
    return r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--model", default="static-minilm")
    ap.add_argument("--index-type", default="auto")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--work", type=Path, default=Path("/tmp/citeproof-scale"))
    ap.add_argument("--singles", type=int, default=200, help="single-citation calls for p50/p99")
    ap.add_argument("--keep", action="store_true", help="keep the built indexes (dumps are always kept)")
    ap.add_argument("--workers", type=int, default=0, help="processes for the shared batch (Verifier(workers=N); 0: one per CPU core)")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    bib_path = args.data / "dev_public.bib"
    labels = [json.loads(x) for x in open(args.data / "dev_public.labels.jsonl", encoding="utf-8")]
    from citeproof.verifier.extract import extract_citations

    singles = [c.raw for c in extract_citations(bib_path.read_text(encoding="utf-8"))][: args.singles]
    print(f"model {args.model}, index type {args.index_type}; machine: {os.cpu_count()} CPUs")
    real = [args.data / "corpus_dev.csl.jsonl.gz", args.data / "corpus_distractors_dev.csl.jsonl.gz"]
    base_dir = args.work / f"index-dev-{args.model}"
    base = measure("baseline: dev index", real, base_dir, args, bib_path, labels, singles, None)
    for size in [int(s) for s in args.sizes.split(",") if s]:
        out = args.work / f"index-{size}-{args.model}-{args.index_type}"
        measure(f"{size:,}", [_dump(args.work, size)], out, args, bib_path, labels, singles, base)
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
