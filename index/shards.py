"""Sharded, resumable builds: parse and embed a dump shard by shard, checkpointed, then merge.

Embedding is the slow part of a build (hours for tens of millions of titles), so its output is
kept on disk as it is made. A build of `out/` works in `.out.build/` beside it:

    .out.build/plan.json          what is being built (sources with size and mtime, format, model,
                                  shard size); a rerun with the same plan resumes, any other starts over
    .out.build/owner              the pid of the build that holds it (two builds must not share one)
    .out.build/shards/00000/      records.jsonl (Record JSON a line), vectors.f32 (raw float32, one
                                  row a record, same order), meta.json (count and dim; written last:
                                  the shard is done)

Shard k holds records k*shard_size ... (k+1)*shard_size-1 of the dump, in the order the readers
yield them, so any engine (this process, or Ray workers: `citeproof.index.ray_engine`) writes the
same shards, and a resumed build skips the done ones by count. Each shard is written under a
temporary name and renamed, so a kill leaves whole shards or none. `merge_shards` then writes the
record store and the vector index of the chosen type in one pass; IVF-PQ is trained on a sample drawn
across all shards first, so the float vectors are never all in memory at once.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import faiss
import numpy as np

from citeproof.errors import IndexStoreError
from citeproof.index.store import RecordStore
from citeproof.index.vectors import new_index, resolve_type, training_size
from citeproof.models import Record

__all__ = [
    "DEFAULT_SHARD_SIZE",
    "BuildPlan",
    "Checkpoint",
    "MergeResult",
    "Shard",
    "chunks",
    "merge_shards",
    "record_json",
    "write_shard",
]

DEFAULT_SHARD_SIZE = 50_000  # records: a few minutes of MiniLM embedding on 2 cores, lost at most on a kill
_RECORDS = "records.jsonl"
_VECTORS = "vectors.f32"  # raw float32, row-major: memory-mapped, and nothing to unpickle
_META = "meta.json"


@dataclass(frozen=True)
class BuildPlan:
    """What a build makes. Two runs with equal plans make the same shards, so one can resume the other."""

    sources: tuple[tuple[str, int, int], ...]  # (absolute path, size, mtime_ns)
    fmt: str | None
    model: str
    dim: int
    shard_size: int
    version: int = 1

    @classmethod
    def for_paths(
        cls, paths: Sequence[str | os.PathLike[str]], fmt: str | None, model: str, dim: int, shard_size: int
    ) -> BuildPlan:
        srcs = []
        for p in paths:
            st = os.stat(p)
            srcs.append((str(Path(p).resolve()), st.st_size, st.st_mtime_ns))
        return cls(tuple(srcs), fmt, model, dim, shard_size)

    def to_json(self) -> str:
        return json.dumps(
            {
                "sources": [list(s) for s in self.sources],
                "fmt": self.fmt,
                "model": self.model,
                "dim": self.dim,
                "shard_size": self.shard_size,
                "version": self.version,
            },
            indent=2,
        )


@dataclass(frozen=True)
class Shard:
    """One finished shard on disk."""

    path: Path
    count: int
    dim: int

    def vectors(self) -> np.ndarray:
        """The shard's vectors, memory-mapped read-only (rows are read only when used)."""
        if self.count == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.memmap(self.path / _VECTORS, dtype=np.float32, mode="r", shape=(self.count, self.dim))

    def batches(self, size: int) -> Iterator[tuple[list[Record], np.ndarray]]:
        """(records, their vectors) in batches; vectors are memory-mapped, read as needed."""
        vectors = self.vectors()
        with (self.path / _RECORDS).open(encoding="utf-8") as fh:
            pos = 0
            while lines := list(islice(fh, size)):
                recs = [Record.model_validate_json(line) for line in lines]
                yield recs, np.ascontiguousarray(vectors[pos : pos + len(recs)], dtype=np.float32)
                pos += len(recs)


def record_json(record: Record) -> str:
    """A record as a shard line holds it (engines that serialise records elsewhere use this too)."""
    return record.model_dump_json(exclude_none=True)


def write_shard(
    directory: Path, records: Sequence[Record | str], vectors: np.ndarray, extra: dict[str, object] | None = None
) -> Shard:
    """Write one shard atomically: files under `NAME.tmp`, then one rename. `extra` goes into meta.json.

    A record may come already serialised by `record_json` (the Ray engine's workers do that), so the
    driver does not parse and serialise it again."""
    if len(records) != len(vectors):
        raise ValueError(f"{len(records)} records but {len(vectors)} vectors")
    tmp = directory.with_name(directory.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with (tmp / _RECORDS).open("w", encoding="utf-8") as fh:
        fh.writelines((r if isinstance(r, str) else record_json(r)) + "\n" for r in records)
    vecs = np.ascontiguousarray(vectors, dtype=np.float32)
    if vecs.ndim != 2:
        raise ValueError(f"vectors must be a 2-D array, not {vecs.ndim}-D")
    (tmp / _VECTORS).write_bytes(vecs.tobytes())
    meta = {"count": len(records), "dim": int(vecs.shape[1]), **(extra or {})}
    (tmp / _META).write_text(json.dumps(meta), encoding="utf-8")
    shutil.rmtree(directory, ignore_errors=True)
    os.replace(tmp, directory)
    return Shard(directory, len(records), int(vecs.shape[1]))


class Checkpoint:
    """The `.NAME.build` directory of a build of `out`: its plan, its owner and its done shards."""

    def __init__(self, out: Path, plan: BuildPlan) -> None:
        self.out = out
        self.root = out.parent / f".{out.name}.build"
        self.plan = plan

    @property
    def shards_dir(self) -> Path:
        return self.root / "shards"

    def open(self) -> list[Shard]:
        """Claim the directory and return the shards already done (none if the plan changed)."""
        self._claim()
        plan_file = self.root / "plan.json"
        if plan_file.is_file() and plan_file.read_text(encoding="utf-8") == self.plan.to_json():
            return self.done()
        for p in self.root.iterdir():  # another plan, or none: start over
            if p.name != "owner":
                shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
        self.shards_dir.mkdir()
        tmp = plan_file.with_suffix(".tmp")
        tmp.write_text(self.plan.to_json(), encoding="utf-8")
        os.replace(tmp, plan_file)
        return []

    def _claim(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        owner = self.root / "owner"
        try:
            pid = int(owner.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            pid = 0
        if pid and pid != os.getpid() and _pid_alive(pid):
            raise IndexStoreError(
                f"another build of {self.out} is running (pid {pid}); wait for it or stop it"
            )
        owner.write_text(str(os.getpid()), encoding="utf-8")

    def done(self) -> list[Shard]:
        """The leading run of finished shards (a shard counts once its meta.json exists)."""
        out: list[Shard] = []
        for k in range(1 << 30):
            d = self.shard_path(k)
            try:
                meta = json.loads((d / _META).read_text(encoding="utf-8"))
                shard = Shard(d, int(meta["count"]), int(meta["dim"]))
                whole = (d / _VECTORS).stat().st_size == shard.count * shard.dim * 4 and shard.dim == self.plan.dim
            except (OSError, ValueError, KeyError, TypeError):
                break
            if not whole:
                break  # written by something else, or cut short: rebuilt from here
            out.append(shard)
        return out

    def shard_path(self, k: int) -> Path:
        return self.shards_dir / f"{k:05d}"

    def release(self) -> None:
        """Give up ownership (the build stopped; its shards stay for a rerun to resume)."""
        owner = self.root / "owner"
        try:
            if owner.read_text(encoding="utf-8").strip() == str(os.getpid()):
                owner.unlink()
        except OSError:
            pass

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    if os.name != "posix":
        return True  # no cheap probe: assume the owner lives, and say so in the error
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class MergeResult:
    count: int
    duplicates: int
    index_type: str
    vectors: faiss.Index
    timings: dict[str, float] = field(default_factory=dict)


def merge_shards(
    shards: Sequence[Shard],
    store: RecordStore,
    dim: int,
    index_type: str,
    *,
    batch_size: int = 4096,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> MergeResult:
    """Add every shard's records to `store` (duplicate ids dropped, with their vectors) and their
    vectors to a new index of `index_type` ('auto' resolved on the total count)."""
    timings = {"train": 0.0, "store": 0.0, "add": 0.0}
    total = sum(s.count for s in shards)
    chosen = resolve_type(index_type, total)
    t = time.perf_counter()
    vectors = new_index(
        chosen, dim, total, _sample(shards, training_size(total), dim, seed) if chosen == "ivfpq" else None
    )
    timings["train"] += time.perf_counter() - t
    count = duplicates = 0
    for shard in shards:
        for recs, vecs in shard.batches(batch_size):
            t = time.perf_counter()
            kept = {id(r) for r in store.add(recs, start_rowid=count + 1)}
            timings["store"] += time.perf_counter() - t
            t = time.perf_counter()
            mask = [id(r) in kept for r in recs]
            vectors.add(vecs if all(mask) else vecs[np.asarray(mask, dtype=bool)])
            timings["add"] += time.perf_counter() - t
            count += len(kept)
            duplicates += len(recs) - len(kept)
            if progress:
                progress(count)
    return MergeResult(count, duplicates, chosen, vectors, timings)


def _sample(shards: Sequence[Shard], size: int, dim: int, seed: int) -> np.ndarray:
    """`size` vectors drawn uniformly across all shards (memory-mapped: only the sample is read)."""
    total = sum(s.count for s in shards)
    if total == 0:
        return np.zeros((0, dim), dtype=np.float32)
    picks = np.sort(np.random.default_rng(seed).choice(total, size=min(size, total), replace=False))
    parts, base = [], 0
    for s in shards:
        mine = picks[(picks >= base) & (picks < base + s.count)] - base
        if len(mine):
            parts.append(np.asarray(s.vectors()[mine], dtype=np.float32))
        base += s.count
    return np.concatenate(parts) if parts else np.zeros((0, dim), dtype=np.float32)


def chunks(items: Iterable[Record], n: int) -> Iterator[list[Record]]:
    """Lists of `n` items (the last one shorter) from a stream."""
    it = iter(items)
    while batch := list(islice(it, n)):
        yield batch
