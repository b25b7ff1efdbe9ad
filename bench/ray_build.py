"""The Ray engine against the local engine on HALLMARK's dev corpus: build speed, identical indexes,
identical verdicts.

    python -m bench.ray_build [--data ../shared/data/hallmark] [--model NAME] [--limit N]
                              [--workers N] [--shard-size N]

Builds corpus_dev + corpus_distractors_dev (31,008 real records; `--limit N` keeps the first N
distractors) into two temporary indexes, with `engine="local"` and with `engine="ray"` on a local Ray
instance using every CPU of this machine, and prints the records/s of each and their ratio (the
machine is shared and noisy: read the ratio, measured in the same run). Ray's start-up is timed apart
(on a cluster it is paid once by `ray start`); the build itself includes its actors' start and model
load. Then it checks that the two indexes hold the same records in the same order with the same
vectors (up to float noise), and verifies HALLMARK's dev_public.bib against each with the same
`Verifier` settings as bench/eval.py, printing how many verdicts differ (expected: none) and the
scores of both.

The default model, static-minilm, builds the full corpus in seconds per engine. With `--model
all-MiniLM-L6-v2` (about 100-300 titles/s on two shared cores) it takes minutes: use `--limit`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
import time
from contextlib import closing
from itertools import islice
from pathlib import Path

import numpy as np
import ray

from bench.eval import BENCH_TODAY, fmt_scores, scores
from citeproof.index import Index, Manifest, build_index
from citeproof.index.embed import Embedder
from citeproof.verifier import Verifier

__all__ = ["main"]

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "hallmark"


def _inputs(data: Path, limit: int, tmp: Path) -> list[Path]:
    """corpus_dev plus the distractors, or their first `limit` lines (one record a line) as a file."""
    distractors = data / "corpus_distractors_dev.csl.jsonl.gz"
    if limit:
        part = tmp / f"distractors_first_{limit}.csl.jsonl"
        with gzip.open(distractors, "rt", encoding="utf-8") as src, part.open("w", encoding="utf-8") as dst:
            dst.writelines(islice(src, limit))
        distractors = part
    return [data / "corpus_dev.csl.jsonl.gz", distractors]


def _contents(directory: Path) -> tuple[list[str], np.ndarray]:
    """An index's records (as JSON, in index order) and its vectors, to compare two builds."""
    with closing(Index(directory)) as index:
        return [r.model_dump_json() for r in index.iter_records()], index.all_vectors()


def _build(
    paths: list[Path], out: Path, engine: str, emb: Embedder, shard_size: int, workers: int | None
) -> tuple[Manifest, float]:
    t = time.perf_counter()
    options = {"address": None, "workers": workers} if engine == "ray" else None
    manifest = build_index(
        paths, out, fmt="csl-json", embedder=emb, shard_size=shard_size, engine=engine, engine_options=options
    )
    return manifest, time.perf_counter() - t


def _verdicts(
    index_dir: Path, bib: str, labels: list[dict[str, object]]
) -> tuple[dict[str, str], dict[str, float]]:
    """Status per BibTeX key of dev_public.bib, and the scores bench/eval.py prints for them."""
    verifier = Verifier(index_dir, today=BENCH_TODAY)
    by_key = {c.key: c for c in verifier.verify(bib).citations if c.key}
    statuses = {k: c.status.value for k, c in by_key.items()}
    rows = []
    for lab in labels:
        c = by_key.get(str(lab["key"]))
        rows.append(
            (
                c.status.value if c else "unverifiable",
                lab["label"] == "HALLUCINATED",
                str(lab["type"] or "VALID"),
            )
        )
    return statuses, scores(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--model", default=None, help="embedding model (default static-minilm)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N distractor records")
    ap.add_argument("--workers", type=int, default=None, help="Ray embedding actors (default: CPUs // 2)")
    ap.add_argument("--shard-size", type=int, default=5000)
    args = ap.parse_args()

    emb = Embedder(args.model)
    print(f"model {emb.name} (dim {emb.dim}), {os.cpu_count()} CPUs", flush=True)
    with tempfile.TemporaryDirectory(prefix="ray-build-") as tmp_s:
        tmp = Path(tmp_s)
        paths = _inputs(args.data, args.limit, tmp)
        t = time.perf_counter()
        ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
        ray_init = time.perf_counter() - t
        try:
            built = {}
            for engine in ("local", "ray"):
                manifest, seconds = _build(paths, tmp / engine, engine, emb, args.shard_size, args.workers)
                built[engine] = (manifest, seconds)
                print(
                    f"{engine:<5} {manifest.count:,} records in {seconds:.1f}s = {manifest.count / seconds:,.0f} "
                    f"records/s; timings {manifest.timings}",
                    flush=True,
                )
        finally:
            ray.shutdown()
        (local, t_local), (on_ray, t_ray) = built["local"], built["ray"]
        print(f"ray start-up (not in the build time): {ray_init:.1f}s")
        print(f"records/s ray/local = {(on_ray.count / t_ray) / (local.count / t_local):.2f}")

        same = _contents(tmp / "local")[0] == _contents(tmp / "ray")[0]
        diff = float(np.abs(_contents(tmp / "local")[1] - _contents(tmp / "ray")[1]).max())
        print(
            f"identical records, same order: {same}; skipped {local.skipped} / {on_ray.skipped}; "
            f"max |vector difference| = {diff:.2e}"
        )

        bib = (args.data / "dev_public.bib").read_text(encoding="utf-8")
        labels = [json.loads(line) for line in open(args.data / "dev_public.labels.jsonl", encoding="utf-8")]
        v_local, s_local = _verdicts(tmp / "local", bib, labels)
        v_ray, s_ray = _verdicts(tmp / "ray", bib, labels)
        differing = sorted(k for k in v_local.keys() | v_ray.keys() if v_local.get(k) != v_ray.get(k))
        print(
            f"dev_public.bib verdicts: {len(v_local)} citations, {len(differing)} differ"
            + (f": {differing[:10]}" if differing else "")
        )
        print(fmt_scores("local index", s_local))
        print(fmt_scores("ray index", s_ray))
        if not same or differing:
            sys.exit(1)


if __name__ == "__main__":
    main()
