"""Approximate index types against exact search on the dev index: recall@10, speed, size, accuracy.

    python -m bench.index_types [--index bench/.cache/dev-index]

For each type (hnsw, ivfpq) the dev index's exact vectors are re-indexed (no re-embedding), and the
1,119 cited titles of the HALLMARK dev BibTeX split are searched in both: recall@10 against flat,
search time as a ratio to flat in the same run, bytes per record, and the F1 of the whole verifier
on the BibTeX split with that index type (the issue's bar: within 0.5 F1 points of flat).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

from bench.eval import BENCH_TODAY, DEFAULT_DATA, HERE, Tally, dev_index, scores
from citeproof.index import Index
from citeproof.index.layout import VECTORS
from citeproof.index.manifest import MANIFEST, file_entry
from citeproof.index.vectors import make_searchable, reindex
from citeproof.verifier import Verifier
from citeproof.verifier.extract import extract_citations


def f1_on_bib(index: Index, bib: str, labels: list[dict]) -> float:
    report = Verifier(index, today=BENCH_TODAY).verify(bib)
    by_key = {c.key: c for c in report.citations}
    t = Tally()
    for lab in labels:
        t.add(by_key.get(lab["key"]), lab["label"], lab["type"], lab["tier"], lab.get("original_id"))
    return scores(t.rows)["F1"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--index", type=Path, default=HERE / ".cache" / "dev-index")
    args = ap.parse_args()
    flat_index = dev_index(args.data, args.index)
    bib = (args.data / "dev_public.bib").read_text(encoding="utf-8")
    labels = [json.loads(x) for x in open(args.data / "dev_public.labels.jsonl", encoding="utf-8")]
    titles = [c.title for c in extract_citations(bib) if c.title]
    queries = flat_index.embed(titles)
    flat = flat_index.vectors

    def timed_search(index: faiss.Index) -> tuple[np.ndarray, float]:
        index.search(queries[:50], 10)
        t0 = time.perf_counter()
        _, ids = index.search(queries, 10)
        return ids, time.perf_counter() - t0

    exact, flat_s = timed_search(flat)
    flat_f1 = f1_on_bib(flat_index, bib, labels)
    n = flat.ntotal
    print(f"dev index: {n:,} records; {len(titles)} cited titles as queries")
    print(f"flat   recall@10=1.000 search={flat_s * 1000 / len(titles):.3f} ms/query (ratio 1.00) "
          f"bytes/record={len(faiss.serialize_index(flat)) / n:.0f} F1={flat_f1:.4f}")
    for kind in ("hnsw", "ivfpq"):
        t0 = time.perf_counter()
        approx = make_searchable(reindex(flat, kind))
        build_s = time.perf_counter() - t0
        found, s = timed_search(approx)
        recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, found, strict=True)]))
        size = len(faiss.serialize_index(approx))
        per_record = (faiss.extract_index_ivf(approx).code_size + 8) if kind == "ivfpq" else size / n
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / kind
            shutil.copytree(args.index, copy)
            faiss.write_index(approx, str(copy / VECTORS))
            manifest = json.loads((copy / MANIFEST).read_text())
            manifest["index_type"] = kind
            manifest["files"][VECTORS] = file_entry(copy / VECTORS).model_dump()
            (copy / MANIFEST).write_text(json.dumps(manifest))
            f1 = f1_on_bib(Index(copy), bib, labels)
        print(
            f"{kind:<6} recall@10={recall:.3f} search={s * 1000 / len(titles):.3f} ms/query (ratio {s / flat_s:.2f}) "
            f"bytes/record={per_record:.0f} (marginal) F1={f1:.4f} (delta {100 * (f1 - flat_f1):+.2f} points) "
            f"re-index {build_s:.1f}s"
        )


if __name__ == "__main__":
    main()
