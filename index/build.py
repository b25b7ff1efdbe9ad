"""Building an index directory from dumps: shards (parse + embed) -> merge (SQLite + FAISS) ->
manifest -> atomic rename.

Records stream through in shards that are checkpointed on disk (`citeproof.index.shards`), so a
killed build resumes and memory stays flat whatever the dump size (an IVF-PQ index holds 48-byte
codes; flat and HNSW hold the float vectors). The index directory is written under a temporary
name beside the target and renamed into place at the end: a killed build never leaves a half index
where a good one was.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from citeproof.connectors import read_records
from citeproof.env import citeproof_version
from citeproof.errors import DumpFormatError, InputError
from citeproof.index.atomic import staging_dir, swap_into_place
from citeproof.index.coverage import parse_scope
from citeproof.index.embed import Embedder
from citeproof.index.layout import MANIFEST, RECORDS, VECTORS, embedding_text
from citeproof.index.manifest import Manifest, file_entry
from citeproof.index.shards import DEFAULT_SHARD_SIZE, BuildPlan, Checkpoint, merge_shards, write_shard
from citeproof.index.store import RecordStore
from citeproof.models import ReadStats

__all__ = ["ENGINES", "build_index"]

ENGINES = ("local", "ray")

def build_index(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    fmt: str | None = "csl-json",
    *,
    model: str | None = None,
    batch_size: int = 4096,
    embedder: Embedder | None = None,
    progress: Callable[[int], None] | None = None,
    overwrite: bool = True,
    index_type: str = "auto",
    shard_size: int = DEFAULT_SHARD_SIZE,
    engine: str = "local",
    engine_options: dict[str, Any] | None = None,
    complete: Sequence[str] = (),
) -> Manifest:
    """Build a citeproof index in `out_dir` from one or more dump files.

    `fmt` names the dump format (`csl-json`, `crossref`, `arxiv`, `dblp`, `bibtex`, `s2`) or is None
    to detect it per file. `index_type` is `flat` (exact), `hnsw`, `ivfpq` (compressed) or `auto`
    (flat below a million records, ivfpq above). Records are parsed and embedded in shards of
    `shard_size`, checkpointed beside `out_dir` (see `citeproof.index.shards`): an interrupted build,
    run again with the same arguments, resumes after its last finished shard. `engine` is `local`
    (this process) or `ray` (parse and embed on a Ray cluster; `engine_options` go to
    `citeproof.index.ray_engine.embed_shards`). `progress` is called with the number of records done.
    `complete` names the scopes the dumps hold completely ('dblp', 'crossref-member:98',
    'doi-prefix:10.1145', 'venue:NeurIPS', 'arxiv:cs.LG'; see `citeproof.index.coverage`): kept in the
    manifest, they let the verifier take absence in that scope as evidence. A malformed one is an
    `InputError` before any work is done.
    """
    t0 = time.perf_counter()
    path_list = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if shard_size < 1 or batch_size < 1:
        raise InputError("shard_size and batch_size must be positive")
    if isinstance(complete, str):
        complete = [complete]
    scopes = list(dict.fromkeys(str(parse_scope(s)) for s in complete))
    out = Path(out_dir)
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} exists")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = staging_dir(out)
    emb = embedder or Embedder(model)
    stats = ReadStats()
    timings = {"parse": 0.0, "embed": 0.0, "shards": 0.0}
    checkpoint = Checkpoint(out, BuildPlan.for_paths(path_list, fmt, emb.name, emb.dim, shard_size))
    try:
        done = checkpoint.open()
        if engine == "ray":
            from citeproof.index.ray_engine import embed_shards as ray_embed_shards

            ray_embed_shards(
                checkpoint,
                len(done),
                emb,
                stats,
                batch_size=batch_size,
                progress=progress,
                timings=timings,
                **(engine_options or {}),
            )
        else:
            _embed_shards(checkpoint, len(done), emb, stats, batch_size, progress, timings)
        shards = checkpoint.done()
        store = RecordStore.create(tmp / RECORDS)
        merged = merge_shards(shards, store, emb.dim, index_type, batch_size=batch_size)
        timings.update({k: timings.get(k, 0.0) + v for k, v in merged.timings.items()})
        year_range = store.years()
        t = time.perf_counter()
        store.finish()
        faiss.write_index(merged.vectors, str(tmp / VECTORS))
        timings["write"] = time.perf_counter() - t
        manifest = Manifest(
            citeproof_version=citeproof_version(),
            model=emb.name,
            model_version=emb.version,
            dim=emb.dim,
            count=merged.count,
            sources=[os.path.basename(str(p)) for p in path_list],
            formats=[fmt] if fmt else ["auto"],
            skipped=stats.skipped,
            duplicates=merged.duplicates,
            resumed=sum(s.count for s in done),
            skipped_examples=stats.errors[:20],
            built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            build_seconds=round(time.perf_counter() - t0, 3),
            timings={k: round(v, 3) for k, v in timings.items()},
            year_range=year_range,
            index_type=merged.index_type,
            complete=scopes,
            files={name: file_entry(tmp / name) for name in (RECORDS, VECTORS)},
        )
        (tmp / MANIFEST).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
        swap_into_place(tmp, out)
    except BaseException as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(e, (InputError, DumpFormatError)):
            checkpoint.discard()  # the input itself is wrong: nothing worth resuming
        else:
            checkpoint.release()
        raise
    checkpoint.discard()
    return manifest


def _embed_shards(
    checkpoint: Checkpoint,
    start: int,
    emb: Embedder,
    stats: ReadStats,
    batch_size: int,
    progress: Callable[[int], None] | None,
    timings: dict[str, float],
) -> None:
    """The local engine: read the dump in this process and write shards `start`, `start + 1`, ...
    Done shards are skipped by count, re-reading (not re-embedding) their records."""
    plan = checkpoint.plan
    records = iter(read_records([p for p, _, _ in plan.sources], fmt=plan.fmt, stats=stats))
    t = time.perf_counter()
    skip = start * plan.shard_size
    if skip:
        next(islice(records, skip, skip), None)  # consume the records of the done shards
    timings["parse"] += time.perf_counter() - t
    k, n = start, skip
    while True:
        t = time.perf_counter()
        shard = list(islice(records, plan.shard_size))
        timings["parse"] += time.perf_counter() - t
        if not shard:
            return
        parts = []
        for i in range(0, len(shard), batch_size):
            t = time.perf_counter()
            parts.append(emb.encode([embedding_text(r.title) for r in shard[i : i + batch_size]]))
            timings["embed"] += time.perf_counter() - t
            n += len(parts[-1])
            if progress:
                progress(n)
        t = time.perf_counter()
        write_shard(checkpoint.shard_path(k), shard, np.concatenate(parts))
        timings["shards"] += time.perf_counter() - t
        k += 1
