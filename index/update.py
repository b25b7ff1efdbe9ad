"""Appending records to an existing index, copy-on-write: new works without a rebuild.

An index is read by running verifiers while it is updated, so the update never writes into it: the
directory is copied beside itself, records are appended to the copy's SQLite store with the next row
ids and their title vectors to the copy's FAISS index (row id = vector position + 1 stays true), a new
manifest is written, and the copy is renamed into place. Until that rename the old index is
untouched and readable; an interrupted update leaves it exactly as it was.

One writer at a time per index: two concurrent updates would each start from the old index, and the
later rename would drop the other's records.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timezone
from itertools import islice
from pathlib import Path

import faiss

from citeproof.connectors.live.crossref import Crossref
from citeproof.env import citeproof_version
from citeproof.errors import IndexCorruptError, IndexModelMismatchError
from citeproof.index.atomic import clean_stale, staging_dir, swap_into_place
from citeproof.index.embed import Embedder
from citeproof.index.layout import MANIFEST, RECORDS, VECTORS, embedding_text
from citeproof.index.manifest import Manifest, file_entry, load_manifest
from citeproof.index.shards import chunks
from citeproof.index.store import RecordStore
from citeproof.models import ReadStats, Record

__all__ = ["add_records", "update_from_crossref"]

_MAX_EXAMPLES = 20


def add_records(
    index_dir: str | os.PathLike[str],
    records: Iterable[Record],
    stats: ReadStats | None = None,
    *,
    sources: Sequence[str] = (),
    embedder: Embedder | None = None,
    batch_size: int = 4096,
    progress: Callable[[int], None] | None = None,
) -> Manifest:
    """Append `records` to the index in `index_dir` and return its new manifest.

    A record whose id the index already holds is skipped and counted in the manifest's
    `duplicates`. `stats` is the `ReadStats` of the reader that produced `records` (if any): its
    skipped records are added to the manifest's, as `build_index` does. `sources` (file names, or a
    label such as `crossref:from-index-date:2025-01-01`) are appended to the manifest's sources.
    The old files are checksummed first: an update must not bless a damaged index with fresh sums.
    """
    t0 = time.perf_counter()
    out = Path(index_dir)
    clean_stale(out)  # first: a kill between the two renames of an earlier swap left `out` missing
    old = load_manifest(out, verify_checksums=True)
    emb = embedder or Embedder(old.model)
    if emb.name != old.model or (old.model_version and emb.version and emb.version != old.model_version):
        raise IndexModelMismatchError(
            f"{out} was built with model {old.model!r} {old.model_version or ''}, not {emb.name!r} {emb.version or ''}"
        )
    tmp = staging_dir(out)
    conn: sqlite3.Connection | None = None
    try:
        shutil.copytree(out, tmp, dirs_exist_ok=True)
        # no journal: a crash discards the copy anyway; coverage counts are added to (or, in an index
        # built before they were kept, first counted from the records it holds)
        store = RecordStore.append(tmp / RECORDS)
        conn = store.conn
        try:
            vectors = faiss.read_index(str(tmp / VECTORS))
        except RuntimeError as e:
            raise IndexCorruptError(f"{out / VECTORS}: unreadable FAISS index: {e}") from e
        last_rowid = conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM records").fetchone()[0]
        if not (store.count() == last_rowid == vectors.ntotal == old.count) or vectors.d != old.dim:
            raise IndexCorruptError(f"{out}: records, vectors and manifest disagree; rebuild the index")
        count, duplicates = old.count, 0
        for batch in chunks(records, batch_size):
            kept = store.add(batch, start_rowid=count + 1)
            duplicates += len(batch) - len(kept)
            if kept:
                vectors.add(emb.encode([embedding_text(r.title) for r in kept]))
                count += len(kept)
            if progress:
                progress(count - old.count)
        year_range = store.years()
        store.finish()  # closes the connection
        conn = None
        faiss.write_index(vectors, str(tmp / VECTORS))
        read_errors = stats.errors if stats is not None else []
        manifest = old.model_copy(
            update={
                "citeproof_version": citeproof_version(),
                "count": count,
                "sources": list(dict.fromkeys([*old.sources, *sources])),
                "skipped": old.skipped + (stats.skipped if stats is not None else 0),
                "duplicates": old.duplicates + duplicates,
                "skipped_examples": (old.skipped_examples + read_errors)[:_MAX_EXAMPLES],
                "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "build_seconds": round(old.build_seconds + time.perf_counter() - t0, 3),
                "year_range": year_range,
                "files": {name: file_entry(tmp / name) for name in (RECORDS, VECTORS)},
            }
        )
        (tmp / MANIFEST).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
        swap_into_place(tmp, out)
    except BaseException:
        if conn is not None:
            conn.close()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def update_from_crossref(
    index_dir: str | os.PathLike[str],
    since: date,
    mailto: str | None,
    filter: str | None = None,
    max_records: int | None = None,
    *,
    client: Crossref | None = None,
    embedder: Embedder | None = None,
    progress: Callable[[int], None] | None = None,
) -> Manifest:
    """Append the Crossref works indexed since `since` (Crossref's `from-index-date`) to an index.

    `filter` adds Crossref filters (`type:journal-article,from-pub-date:2020`); `max_records` stops
    early. The walk is all or nothing: a network failure midway raises `LookupFailedError` and the
    index stays as it was, so rerunning with the same `since` is always safe.
    """
    crossref_filter = f"from-index-date:{since.isoformat()}" + (f",{filter}" if filter else "")
    crossref = client or Crossref(mailto)
    stats = ReadStats()
    rows = min(500, max_records) if max_records else 500
    works: Iterable[Record] = crossref.iter_works(filter=crossref_filter, rows=rows, stats=stats)
    if max_records is not None:
        works = islice(works, max_records)
    try:
        return add_records(
            index_dir, works, stats, sources=[f"crossref:{crossref_filter}"], embedder=embedder, progress=progress
        )
    finally:
        if client is None:
            crossref.close()
