"""Building an index directory from dumps: stream -> SQLite + FAISS -> manifest -> atomic rename.

Records stream through in batches, so memory stays flat whatever the dump size (only the vectors,
384 floats a record for the default model, are held by FAISS). The whole directory is written
under a temporary name beside the target and renamed into place at the end: a killed build never
leaves a half index where a good one was.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path

import faiss

from citeproof.connectors import ReadStats, Record, read_records
from citeproof.connectors.env import citeproof_version
from citeproof.index.embed import Embedder
from citeproof.index.manifest import MANIFEST, Manifest, file_entry
from citeproof.index.store import RecordStore
from citeproof.index.vectors import reindex, resolve_type

__all__ = ["RECORDS", "VECTORS", "build_index", "embedding_text"]

VECTORS = "vectors.faiss"
RECORDS = "records.sqlite"



def embedding_text(title: str) -> str:
    """What is embedded for a record or a cited title: the title alone.

    Titles are what citations get most right and what retrieval must match; adding authors or
    venue would pull a chimeric citation towards the wrong paper.
    """
    return title


def _batches(items: Iterable[Record], n: int) -> Iterator[list[Record]]:
    it = iter(items)
    while batch := list(islice(it, n)):
        yield batch


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
) -> Manifest:
    """Build a citeproof index in `out_dir` from one or more dump files.

    `fmt` names the dump format (`csl-json`, `crossref`, `arxiv`, `dblp`, `bibtex`, `s2`) or is None
    to detect it per file. `index_type` is `flat` (exact), `hnsw`, `ivfpq` (compressed) or `auto`
    (flat below a million records, ivfpq above). `progress` is called with the number of records added after each batch.
    """
    t0 = time.perf_counter()
    path_list = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    out = Path(out_dir)
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} exists")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = _staging_dir(out)
    emb = embedder or Embedder(model)
    stats = ReadStats()
    timings = {"parse": 0.0, "store": 0.0, "embed": 0.0, "add": 0.0}
    try:
        store = RecordStore.create(tmp / RECORDS)
        vectors = faiss.IndexFlatIP(emb.dim)
        count = 0
        duplicates = 0
        records = read_records([str(p) for p in path_list], fmt=fmt, stats=stats)
        t = time.perf_counter()
        for batch in _batches(records, batch_size):
            timings["parse"] += time.perf_counter() - t
            t = time.perf_counter()
            kept = store.add(batch, start_rowid=count + 1)
            duplicates += len(batch) - len(kept)
            timings["store"] += time.perf_counter() - t
            t = time.perf_counter()
            vecs = emb.encode([embedding_text(r.title) for r in kept])
            timings["embed"] += time.perf_counter() - t
            t = time.perf_counter()
            vectors.add(vecs)
            timings["add"] += time.perf_counter() - t
            count += len(kept)
            if progress:
                progress(count)
            t = time.perf_counter()
        timings["parse"] += time.perf_counter() - t
        year_range = store.years()
        t = time.perf_counter()
        store.finish()
        chosen = resolve_type(index_type, count)
        faiss.write_index(reindex(vectors, chosen), str(tmp / VECTORS))
        timings["store"] += time.perf_counter() - t
        manifest = Manifest(
            citeproof_version=citeproof_version(),
            model=emb.name,
            dim=emb.dim,
            count=count,
            sources=[os.path.basename(str(p)) for p in path_list],
            formats=[fmt] if fmt else ["auto"],
            skipped=stats.skipped,
            duplicates=duplicates,
            skipped_examples=stats.errors[:20],
            built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            build_seconds=round(time.perf_counter() - t0, 3),
            timings={k: round(v, 3) for k, v in timings.items()},
            year_range=year_range,
            index_type=chosen,
            files={name: file_entry(tmp / name) for name in (RECORDS, VECTORS)},
        )
        (tmp / MANIFEST).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
        _swap_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, as another user's process
    return True


def _clean_stale(out: Path) -> None:
    """Clear what killed builds and updates of `out` (SIGKILL, OOM killer, power loss) left beside it.

    No `finally` runs after SIGKILL, so their `.NAME.tmp-PID` staging directories stay behind,
    half-written, and would pile up at every crash. An `.NAME.old-PID` is the previous index, set
    aside for the instant between the two renames of `_swap_into_place`: if `out` is missing, the
    kill came in that instant and the old index is put back; otherwise it is garbage. Directories of
    live processes (a concurrent build) are left alone.
    """
    if os.name != "posix" or not out.parent.is_dir():
        return  # os.kill(pid, 0) is a liveness probe only on POSIX
    pattern = re.compile(rf"\.{re.escape(out.name)}\.(tmp|old)-(\d+)")
    stale: list[tuple[str, Path]] = []
    for p in out.parent.iterdir():
        m = pattern.fullmatch(p.name)
        if m and p.is_dir() and not p.is_symlink() and not _pid_alive(int(m.group(2))):
            stale.append((m.group(1), p))
    for kind, p in sorted(stale, key=lambda kp: -kp[1].stat().st_mtime):  # newest old index first
        if kind == "old" and not out.exists():
            os.replace(p, out)
        else:
            shutil.rmtree(p, ignore_errors=True)


def _staging_dir(out: Path) -> Path:
    """An empty temporary directory beside `out`: on the same file system, so the final rename is
    atomic, and hidden, so nothing mistakes it for an index. Leftovers of killed runs are cleared
    first (`_clean_stale`)."""
    _clean_stale(out)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    return tmp


def _swap_into_place(tmp: Path, out: Path) -> None:
    """Replace `out` by `tmp` with renames only, so readers see the old or the new index, never a mix."""
    if not out.exists():
        os.replace(tmp, out)
        return
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    os.replace(out, old)
    try:
        os.replace(tmp, out)
    except BaseException:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)
