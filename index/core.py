"""Opening an index and retrieving candidate records: exact ids, lexical BM25 and dense vectors.

Retrieval only proposes candidates with their retrieval evidence; deciding whether a candidate *is*
the cited work is the verifier's job (data flows one way: index -> verifier).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import faiss
import numpy as np

from citeproof.errors import IndexCorruptError, IndexModelMismatchError
from citeproof.index.coverage import Coverage
from citeproof.index.dense import FlatSearch
from citeproof.index.dense import supports as flat_search_supports
from citeproof.index.embed import Embedder
from citeproof.index.layout import RECORDS, VECTORS, embedding_text
from citeproof.index.manifest import Manifest, load_manifest
from citeproof.index.store import RecordStore, venue_key
from citeproof.index.vectors import make_searchable
from citeproof.models import Record

__all__ = ["VERIFY_CHECKSUMS_ENV", "Hit", "Index", "Query", "open_index"]

# Set to 1 to check every file's SHA-256 whenever an index is opened, e.g. in a service that loads
# indexes copied from elsewhere, without changing the code that opens them.
VERIFY_CHECKSUMS_ENV = "CITEPROOF_VERIFY_CHECKSUMS"


@dataclass(frozen=True)
class Query:
    """What retrieval needs from a citation."""

    title: str | None = None
    authors: tuple[str, ...] = ()
    doi: str | None = None
    arxiv_id: str | None = None
    pmid: str | None = None
    # exhaustive: also run BM25 and dense search when the title is found verbatim (a retriever wants k
    # works, the verifier only the exact match)
    exhaustive: bool = False


@dataclass
class Hit:
    """A candidate record and why it was retrieved."""

    record: Record
    rowid: int
    via: set[str] = field(default_factory=set)  # 'doi', 'arxiv', 'pmid', 'title', 'lexical', 'dense'
    dense: float = 0.0  # cosine similarity of titles, for hits of the dense search
    rrf: float = 0.0  # reciprocal-rank fusion of the ranked lists


_RRF_K = 60
# In a non-exhaustive search, BM25 skips words that more than this many records hold, whatever the
# index's size: what a query costs is the records its words match, each scored by BM25 (one title at
# 1M records matched 2,857 records through 'chain' and 'thought', 11.6 ms), not their share of the
# index. A cap of 0.5% of the records (5,000 at 1M) gave the same verdicts on the 1,119 dev entries
# at 1M records as this one (same status and record for each), at 617 instead of 878 citations/s.
LEXICAL_DF_CAP = 1000


class Index:
    """A read-only citeproof index directory, loaded once and shared (thread-safe for reads)."""

    def __init__(
        self, directory: str | os.PathLike[str], model: str | None = None, verify_checksums: bool | None = None
    ):
        """Open the index in `directory`. Its files are checked against the manifest before use: their
        sizes always, their SHA-256 when `verify_checksums` is true (None: when `$CITEPROOF_VERIFY_CHECKSUMS`
        is set; hashing reads every byte, so it is off by default)."""
        self.directory = Path(directory)
        if verify_checksums is None:
            verify_checksums = os.environ.get(VERIFY_CHECKSUMS_ENV, "").strip().lower() in ("1", "true", "yes", "on")
        self.manifest: Manifest = load_manifest(self.directory, verify_checksums=verify_checksums)
        missing = sorted({RECORDS, VECTORS} - self.manifest.files.keys())
        if missing:  # a file the manifest does not list would be used unchecked
            raise IndexCorruptError(f"{self.directory}: the manifest does not list {', '.join(missing)}")
        if model is not None:
            asked = Embedder(model).name
            if asked != self.manifest.model:
                raise IndexModelMismatchError(
                    f"{self.directory} was built with model {self.manifest.model!r}, not {asked!r}; "
                    "rebuild the index or use the model it was built with"
                )
        self.embedder = Embedder(self.manifest.model)
        built, current = self.manifest.model_version, self.embedder.version
        if built and current and built != current:
            raise IndexModelMismatchError(
                f"{self.directory} was built with {self.manifest.model!r} {built}, but this citeproof has "
                f"{current}: the vectors would not match; rebuild the index"
            )
        self.store = RecordStore.open(self.directory / RECORDS)
        # SQLite opens any file lazily: read it now, or a damaged store would fail every later lookup.
        # Row ids are 1..count, so the last one (an O(log n) lookup, unlike COUNT) must be `count`.
        try:
            last = self.store.conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM records").fetchone()[0]
        except sqlite3.DatabaseError as e:
            self.store.close()
            raise IndexCorruptError(f"{self.directory / RECORDS}: unreadable record store: {e}") from e
        if last != self.manifest.count:
            self.store.close()
            raise IndexCorruptError(f"{self.directory}: record count differs from the manifest")
        self.vectors = make_searchable(_read_vectors(self.directory / VECTORS))
        if self.vectors.ntotal != self.manifest.count or self.vectors.d != self.manifest.dim:
            raise IndexCorruptError(f"{self.directory}: vector count or dimension differs from the manifest")
        # a flat index is searched one thread per title, batches through BLAS, scores independent of
        # the batch and the machine (index/dense.py); other types by FAISS itself
        self._flat = FlatSearch(cast(faiss.IndexFlat, self.vectors)) if flat_search_supports(self.vectors) else None
        self._lock = threading.Lock()
        self._venues: dict[str, tuple[str, int]] | None = None
        self._doi_prefixes: set[str] | None = None
        self._coverage: Coverage | None = None

    def __len__(self) -> int:
        return self.manifest.count

    def info(self) -> dict[str, object]:
        return {"path": str(self.directory), **self.manifest.model_dump(exclude={"files"})}

    # -- lookups ------------------------------------------------------------------------------
    def get(self, record_id: str) -> Record | None:
        with self._lock:
            return self.store.get_id(record_id)

    def get_many(self, record_ids: Iterable[str]) -> dict[str, Record]:
        """The records of `record_ids` by id (those the index holds), read in a few statements."""
        with self._lock:
            return self.store.get_ids(record_ids)

    def venues(self) -> dict[str, tuple[str, int]]:
        """Every venue in the index by `venue_key`, with a display name and record count."""
        if self._venues is None:
            with self._lock:
                self._venues = self.store.venues()
        return self._venues

    def doi_prefixes(self) -> set[str]:
        """DOI registrant prefixes (`10.1145`) that occur in the index's records."""
        if self._doi_prefixes is None:
            with self._lock:
                self._doi_prefixes = self.store.doi_prefixes()
        return self._doi_prefixes

    @property
    def coverage(self) -> Coverage:
        """What the index covers: records per source, venue and year, DOI prefix, arXiv month and
        author name, and the scopes declared complete at build (`citeproof.index.coverage`). In an
        index built before coverage was kept, `coverage.known` is False and its counts are None."""
        if self._coverage is None:
            self._coverage = Coverage(self.store, self.manifest.complete, lock=self._lock)
        return self._coverage

    def has_venue(self, venue: str | None) -> bool:
        return bool(venue) and venue_key(venue) in self.venues()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.embedder.encode([embedding_text(t) for t in texts])

    def search(self, queries: Sequence[Query], k: int = 10) -> list[list[Hit]]:
        """Candidates for each query, fused from exact ids, exact title key, BM25 and dense search.

        Queries are embedded in one batch: verifying a reference list costs one model call. A title
        found verbatim needs no embedding (nor BM25): the exact match is the candidate, so correct
        citations are checked without running (or even loading) the model.
        """
        store = self.store
        with self._lock:  # identifiers and exact titles: a few statements for the whole batch
            exact_titles = store.by_title_keys([q.title for q in queries])
            by_doi = store.by_dois([q.doi for q in queries])
            by_arxiv = store.by_arxiv_ids([q.arxiv_id for q in queries])
            by_pmid = store.by_pmids([q.pmid for q in queries])
        titled = [i for i, q in enumerate(queries) if q.title and (q.exhaustive or not exact_titles[i])]
        qvecs = self.embed([queries[i].title or "" for i in titled]) if titled else None
        dense_lists: dict[int, list[tuple[int, float]]] = {}
        if qvecs is not None and self.manifest.count:
            kk = min(k, self.manifest.count)
            sims, idx = self._flat.search(qvecs, kk) if self._flat else self.vectors.search(qvecs, kk)
            for j, i in enumerate(titled):
                dense_lists[i] = [(int(p) + 1, float(s)) for p, s in zip(idx[j], sims[j], strict=True) if p >= 0]

        # Verifying bounds BM25's cost by skipping common words (the dense search covers a title made
        # only of them); an exhaustive search (the retriever) uses every word.
        fused: list[dict[int, Hit]] = []
        with self._lock:
            searched = [i for i, q in enumerate(queries) if q.exhaustive or not exact_titles[i]]
            bm25 = store.lexical_many(
                [(queries[i].title, queries[i].authors, None if queries[i].exhaustive else LEXICAL_DF_CAP) for i in searched], k=k
            )
            lexical = dict(zip(searched, bm25, strict=True))
            for i in range(len(queries)):
                hits: dict[int, Hit] = {}
                # fused in this order: equal RRF scores keep it (the sort below is stable)
                _fuse(hits, by_doi[i], "doi")
                _fuse(hits, by_arxiv[i], "arxiv")
                _fuse(hits, by_pmid[i], "pmid")
                _fuse(hits, exact_titles[i], "title")
                if i in lexical:
                    _fuse(hits, [r for r, _ in lexical[i]], "lexical")
                dense = dense_lists.get(i, [])
                _fuse(hits, [r for r, _ in dense], "dense")
                for r, sim in dense:
                    hits[r].dense = sim
                fused.append(hits)
            # every candidate record of the batch read at once (and once: a record retrieved for two
            # citations is one object, as records are never modified)
            records = store.get_rows([r for hits in fused for r in hits])
        results: list[list[Hit]] = []
        for hits in fused:
            found = []
            for rowid, h in hits.items():
                rec = records.get(rowid)
                if rec is not None:
                    h.record = rec
                    found.append(h)
            results.append(sorted(found, key=_by_rrf))
        return results

    def iter_records(self, batch: int = 10_000) -> Iterator[Record]:
        """Every record, in index order (row id order, which is also the order of the vectors)."""
        for start in range(1, self.manifest.count + 1, batch):
            with self._lock:
                rows = self.store.get_rows(range(start, min(start + batch, self.manifest.count + 1)))
            yield from (rows[i] for i in sorted(rows))

    def all_vectors(self) -> np.ndarray:
        """Every record's vector, in index order (exact for flat and HNSW, decoded codes for IVF-PQ):
        for comparing two builds, not for search."""
        return self.vectors.reconstruct_n(0, self.vectors.ntotal)

    def close(self) -> None:
        self.store.close()


_RRF_WEIGHTS = tuple(1.0 / (_RRF_K + rank) for rank in range(256))


def _fuse(hits: dict[int, Hit], rowids: Sequence[int], via: str) -> None:
    """Add one ranked list of row ids to `hits` by reciprocal-rank fusion."""
    for rank, rowid in enumerate(rowids):
        h = hits.get(rowid)
        if h is None:
            h = hits[rowid] = Hit(record=None, rowid=rowid)  # type: ignore[arg-type]
        h.via.add(via)
        h.rrf += _RRF_WEIGHTS[rank] if rank < len(_RRF_WEIGHTS) else 1.0 / (_RRF_K + rank)


def _by_rrf(h: Hit) -> float:
    return -h.rrf


def _read_vectors(path: Path) -> faiss.Index:
    """Memory-map the vectors where the index type allows it (flat, IVF), else read them."""
    try:
        return faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
    except RuntimeError:
        pass
    try:
        return faiss.read_index(str(path))
    except RuntimeError as e:
        raise IndexCorruptError(f"{path}: unreadable FAISS index: {e}") from e


def open_index(directory: str | os.PathLike[str], model: str | None = None) -> Index:
    return Index(directory, model=model)
