"""Exact dense search of a flat index: FAISS's own scores, one thread per query, BLAS for batches.

FAISS 1.15 searches a flat inner-product index in one of three ways (`knn_inner_product` in its
`utils/distances.cpp`): fewer queries than threads, a matrix product over one slice of the records per
thread; from then on until queries x dimensions reach `distance_compute_blas_threshold` (128,000: 500
queries of 256 dimensions), query by query with a SIMD dot product, the queries shared among threads;
beyond, a matrix product. Two things follow, both bad for a verifier:

* the three ways round their sums differently (by up to about 1e-6), so a title's scores depended on
  how many other titles were searched with it and on the machine's core count;
* on a machine whose cores are busy (a shared server, a service answering many requests), FAISS's
  OpenMP threads wait for each other: one title took 16 ms on the 31k dev index instead of 1.25 ms
  single-threaded, and the middle way, one pass over every vector per query, took 1.6 s for the 262
  titles of the dev BibTeX split not found verbatim at 121k records, most of verifying that list.

So every title here is scored the middle way's way (FAISS's SIMD dot product, `fvec_inner_product`),
whatever the batch, and each query runs on one thread: the same scores and ties everywhere. A batch
is not scanned once per query, though: a matrix product (numpy's BLAS) reads the vectors once per
block of queries and only *proposes* candidates; FAISS decides:

1. `SCREEN` candidates per query by the matrix product (a C++ heap over each block of scores);
2. those candidates scored by FAISS, query by query: a flat index of just those vectors, in record
   order (so equal scores keep FAISS's tie order), searched for that query;
3. a proof that nothing was missed: the product's rounding error is bounded (`_error_bound`), so a
   record outside the candidates scores at most the `SCREEN`-th product score plus that bound. If the
   k-th exact score is above it, the k best are among the candidates; else (more than `SCREEN`
   near-equal titles) that query is searched over all records.

The distances and labels are those FAISS's query-by-query search returns, bit for bit. Once the
process has loaded it (`citeproof.index.bf16`: worker processes, and a verifier that has them), the
product of step 1 is in bfloat16, 2-4x faster, and the bound of step 3 adds that product's error; it
multiplies the bfloat16 copy described next, in place.

A query searched alone (a single citation, or one a batch's screen could not settle) reads every
vector: 124 MB at 121,000 records, most of a single citation's slowest calls. On an index of
`SQ_MIN` records or more it is screened first by a bfloat16 copy of the vectors (a FAISS scalar
quantizer, half the bytes, built at the first such query, `_bf16_copy`): its `SQ_SCREEN` best are
scored exactly as above, and kept if the k-th exact score beats the screen's last score plus the
copy's error bound (the largest distance between a vector and its copy, times the query's norm, plus
the rounding bound), so nothing outside them can rank in; else the full scan runs. Same results, bit
for bit. From `SPLIT_MIN` records the copy is in parts, one per core, scanned at once by threads of
a small pool (the calling thread scans the first); the bound then takes the largest of the parts'
last scores. A process whose cores are taken by its batch's worker processes scans every part on
the calling thread (`set_scan_threads`, `scans_on_this_thread`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from itertools import pairwise

import faiss
import numpy as np

from citeproof.index import bf16
from citeproof.index.rounding import gamma

__all__ = [
    "MIN_BATCH",
    "SCREEN",
    "SPLIT_MIN",
    "SQ_MIN",
    "SQ_SCREEN",
    "FlatSearch",
    "scans_on_this_thread",
    "set_scan_threads",
    "supports",
]

MIN_BATCH = 4  # fewer queries are searched one by one: screening them would cost as much (31k: 5-6 ms for 2-4)
SCREEN = 32  # candidates per query proposed by the matrix product (k is 10 when verifying)
# Records from which a query searched alone is screened by the bfloat16 copy (at 31,008 records, 16 MB
# built once in ~0.1 s); below 10k a scan costs too little to matter.
SQ_MIN = 10_000
# Candidates the screen proposes. With the bfloat16 copy all of 600 dev titles were proven from 32 at
# both 31k and 121k records (the 8-bit copy it replaced left 14 of them unproven from 64 at 121k);
# 64 keeps a margin for titles with many near-equal neighbours, for about 0.05 ms more.
SQ_SCREEN = 64
# Records from which the screen of a query searched alone is split among the machine's cores (a part
# per core, each scanned by its own thread): at 121,000 records 6.9 -> 3.8 ms a query on 2 idle cores;
# at 31,008 the hand-over to a thread costs what the split saves while the copy is in the cache.
SPLIT_MIN = 50_000
_MAX_SCAN_THREADS = 4
_BLOCK_SCORES = 1 << 24  # scores held at once (64 MB): the product runs over blocks of records
_ERROR_BLOCK = 65_536  # vectors copied (and their error measured) at once


def supports(index: faiss.Index) -> bool:
    """An exact inner-product flat index, whose vectors can be read in place."""
    return type(index) is faiss.IndexFlatIP


def _vectors(index: faiss.IndexFlat) -> np.ndarray:
    """The index's vectors as an (ntotal, d) array viewing its own memory (no copy; memory-mapped
    indexes stay mapped). Valid while `index` lives."""
    return faiss.rev_swig_ptr(index.get_xb(), index.ntotal * index.d).reshape(index.ntotal, index.d)


@contextmanager
def _on_this_thread() -> Iterator[None]:
    """FAISS's OpenMP loops held to the calling thread for the block (the setting is the thread's own,
    an OpenMP ICV, so other threads' searches are not affected)."""
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(threads)


_scan_threads = max(1, min(os.cpu_count() or 1, _MAX_SCAN_THREADS))
_alone = threading.local()  # `scans_on_this_thread`, per thread
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def set_scan_threads(n: int) -> None:
    """How many threads the split screen of a query searched alone may use in this process (1: the
    calling thread only, as in a worker process, where the processes are the parallelism)."""
    global _scan_threads
    _scan_threads = max(1, min(n, _MAX_SCAN_THREADS))


@contextmanager
def scans_on_this_thread() -> Iterator[None]:
    """Within the block, this thread scans every part of a split screen itself: it shares a batch
    with worker processes that keep the other cores busy, where a thread of its own would only wait
    for one."""
    before = getattr(_alone, "on", False)
    _alone.on = True
    try:
        yield
    finally:
        _alone.on = before


def _threads_now() -> int:
    return 1 if getattr(_alone, "on", False) else _scan_threads


def _scan_pool() -> ThreadPoolExecutor:
    """The threads that scan the other parts of a split screen: made at the first split, each held
    to one OpenMP thread of its own (plain threads that block while idle: nothing spins)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=_MAX_SCAN_THREADS - 1,
                thread_name_prefix="citeproof-scan",
                initializer=faiss.omp_set_num_threads,
                initargs=(1,),
            )
        return _pool


def _error_bound(d: int, query_norms: np.ndarray, max_norm: float) -> np.ndarray:
    """How far two float32 dot products of length `d` summed in different orders can differ, per
    query: each is within gamma_d * sum|q_i x_i| <= gamma_d * |q| * |x| of the real value (Higham,
    Accuracy and Stability of Numerical Algorithms, 3.1), so twice that, doubled again for safety."""
    return 4.0 * gamma(d) * query_norms.astype(np.float64) * max_norm


def _bf16_copy(x: np.ndarray) -> tuple[faiss.IndexScalarQuantizer, float]:
    """A bfloat16 copy of the vectors `x` for the screen of a query searched alone, and the largest
    distance between a vector and its copy, measured over every vector (so the bound needs no
    assumption about how FAISS rounds).

    Why bfloat16 rather than 8 bits per dimension: FAISS scans it faster (it only shifts the bits
    back into a float; 1.0 against 1.5 ms a query at 31,008 records of 256 dimensions, 3.5-4.0
    against 5.6 ms at 121,000, on this machine) and its error is a quarter of the 8-bit one (0.0025
    against 0.009 for unit vectors), so the proof holds more often, for twice the memory (512 bytes
    a record, built at the first such query)."""
    sq = faiss.IndexScalarQuantizer(x.shape[1], faiss.ScalarQuantizer.QT_bf16, faiss.METRIC_INNER_PRODUCT)
    sq.train(x[:1])  # (bfloat16 needs no training; FAISS asks for the call)
    error = 0.0
    for start in range(0, len(x), _ERROR_BLOCK):
        block = x[start : start + _ERROR_BLOCK]
        sq.add(block)
        back = sq.reconstruct_n(start, len(block))
        error = max(error, float(np.sqrt(np.max(np.einsum("ij,ij->i", back - block, back - block)))))
    return sq, error


def _codes(sq: faiss.IndexScalarQuantizer) -> np.ndarray:
    """The bfloat16 codes of `sq` (`QT_bf16`: each dimension the upper 16 bits of a float32) as an
    int16 array of shape (ntotal, d) viewing its memory (valid while `sq` lives)."""
    raw = faiss.rev_swig_ptr(sq.codes.data(), sq.ntotal * sq.code_size)
    return raw.view(np.int16).reshape(sq.ntotal, sq.d)


def _copy_parts(x: np.ndarray, parts: int) -> tuple[list[tuple[int, faiss.IndexScalarQuantizer]], float]:
    """`_bf16_copy` of `parts` consecutive slices of `x`, each with its first row, and the largest error."""
    bounds = [len(x) * p // parts for p in range(parts + 1)]
    copies = [(a, *_bf16_copy(x[a:b])) for a, b in pairwise(bounds)]
    return [(a, sq) for a, sq, _ in copies], max(err for _, _, err in copies)


class FlatSearch:
    """Top-k inner-product search of one `faiss.IndexFlatIP`, as the module docstring says."""

    def __init__(self, index: faiss.IndexFlat) -> None:
        self.index = index
        self.x = _vectors(index)
        self._max_norm: float | None = None
        # A selection, even of everything, keeps FAISS query by query (its `Run_search_inner_product`)
        # and out of its per-thread slicing of the records (`should_use_db_parallel`). The parameters
        # hold a bare pointer to the selector: it is kept alive here.
        self._everything = faiss.IDSelectorAll()
        self._one_by_one = faiss.SearchParameters()
        self._one_by_one.sel = self._everything
        self._sq: list[tuple[int, faiss.IndexScalarQuantizer]] | None = None  # (first row, copy) per part
        self._sq_error = 0.0  # the largest |x - copy(x)| over the records: the screen's error for a unit query
        self._bf16: bf16.BF16Copy | None = None  # the batch screen's bfloat16 vectors, once `bf16.ready()`

    @property
    def max_norm(self) -> float:
        """The largest vector norm (1 for normalised titles), read at the first screened search, not
        when the index opens: it reads every vector."""
        if self._max_norm is None:
            norms = np.einsum("ij,ij->i", self.x, self.x) if self.index.ntotal else np.zeros(1, np.float32)
            self._max_norm = float(np.sqrt(np.max(norms)))
        return self._max_norm

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(distances, labels) of the `k` best records per query, best first, like `faiss.Index.search`."""
        q = np.ascontiguousarray(queries, dtype=np.float32)
        nq = len(q)
        out_d = np.empty((nq, k), dtype=np.float32)
        out_i = np.empty((nq, k), dtype=np.int64)
        if nq >= MIN_BATCH and self.index.ntotal > SCREEN and k <= SCREEN:
            todo = self._screened(q, k, out_d, out_i)
        else:
            todo = list(range(nq))
        for j in todo:
            out_d[j : j + 1], out_i[j : j + 1] = self._one(q[j : j + 1], k)
        return out_d, out_i

    def _one(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """One query over every record, by FAISS, on this thread (screened by the bfloat16 copy first
        on a large index)."""
        if self.index.ntotal >= SQ_MIN and k <= SQ_SCREEN:
            found = self._sq_screened(q, k)
            if found is not None:
                return found
        return self.index.search(q, k, params=self._one_by_one)

    def _sq_screened(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The k best of one query if the bfloat16 screen proves them (module docstring), else None."""
        self._sq_copy()
        screens = self._sq_screens(q)
        if any(screen_i[0, -1] < 0 for _, _, screen_i in screens):
            return None
        cand = np.sort(np.concatenate([start + screen_i[0] for start, _, screen_i in screens]))
        # the best score a record outside the candidates can have on the copy: its part's last
        last = max(float(screen_d[0, -1]) for _, screen_d, _ in screens)
        sub = faiss.IndexFlatIP(self.index.d)
        sub.add(self.x[cand])
        d, i = sub.search(q, k)
        qn = float(np.linalg.norm(q))
        # a record outside the screen: its screen score is at most the screen's last, its exact score
        # at most that plus the reconstruction error and the rounding of both sums (doubled for safety)
        bound = 2.0 * (self._sq_error * qn + float(_error_bound(self.index.d, np.array([qn]), self.max_norm)[0]))
        if float(d[0, k - 1]) > last + bound:
            return d, cand[i]
        return None

    def _sq_copy(self) -> tuple[list[tuple[int, faiss.IndexScalarQuantizer]], float]:
        """The bfloat16 copy in parts and its error, made at the first need."""
        if self._sq is None:
            copies, error = _copy_parts(self.x, _scan_threads if self.index.ntotal >= SPLIT_MIN else 1)
            self._sq_error = error  # (set first: another thread uses the copy as soon as it is set)
            self._sq = copies
        return self._sq, self._sq_error

    def _sq_screens(self, q: np.ndarray) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """(first row, distances, labels) of the `SQ_SCREEN` best of each part of the copy: the first
        part scanned on this thread, the others by the scan threads while it does (or all here when
        `_threads_now` says so). Never with FAISS's own threads: they would wait for each other on a
        busy machine (3x slower here)."""
        assert self._sq is not None
        mine, rest = (self._sq[:1], self._sq[1:]) if _threads_now() > 1 else (self._sq, [])
        futures = [(start, _scan_pool().submit(sq.search, q, SQ_SCREEN)) for start, sq in rest]
        with _on_this_thread():
            here = [(start, *sq.search(q, SQ_SCREEN)) for start, sq in mine]
        return here + [(start, *f.result()) for start, f in futures]

    def _screened(self, q: np.ndarray, k: int, out_d: np.ndarray, out_i: np.ndarray) -> list[int]:
        """Fill in the queries whose k best are provably among their screened candidates; return the others.

        On this thread: FAISS's OpenMP loops (over the heaps, and each candidate search) cost more than
        the work itself here (a batch of 4 titles at 31k records: 11-13 ms with 2 threads)."""
        with _on_this_thread():
            return self._screened_here(q, k, out_d, out_i)

    def _screened_here(self, q: np.ndarray, k: int, out_d: np.ndarray, out_i: np.ndarray) -> list[int]:
        qn = np.linalg.norm(q, axis=1)
        screen_d, screen_i, screen_error = self._screen(q, qn)
        bound = _error_bound(self.index.d, qn, self.max_norm) + screen_error
        todo: list[int] = []
        for j in range(len(q)):
            cand = np.sort(screen_i[j])
            sub = faiss.IndexFlatIP(self.index.d)
            sub.add(self.x[cand])
            d_j, i_j = sub.search(q[j : j + 1], k)
            # screen_d[j] is a min-heap: its first element is the SCREEN-th best product score
            if float(d_j[0, k - 1]) > float(screen_d[j, 0]) + bound[j]:
                out_d[j], out_i[j] = d_j[0], cand[i_j[0]]
            else:
                todo.append(j)
        return todo

    def _screen(self, q: np.ndarray, qn: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The SCREEN best records per query by the matrix product, as min-heaps (unsorted), and how
        far each query's product may be from the real one beyond float32's rounding: 0, or the
        bfloat16 product's bound once it is loaded (`bf16`). `qn`: the queries' norms."""
        nq, n = len(q), self.index.ntotal
        copy = self._bf16_copy() if bf16.ready() else None
        vals = np.empty((nq, SCREEN), dtype=np.float32)
        ids = np.empty((nq, SCREEN), dtype=np.int64)
        heaps = faiss.float_minheap_array_t()
        heaps.nh, heaps.k = nq, SCREEN
        heaps.val, heaps.ids = faiss.swig_ptr(vals), faiss.swig_ptr(ids)
        heaps.heapify()
        block = max(1024, _BLOCK_SCORES // nq)
        # (the type stub omits addn's offsets: first id, first heap, heap count)
        if copy is None:
            for start in range(0, n, block):
                scores = np.ascontiguousarray(q @ self.x[start : start + block].T)
                heaps.addn(scores.shape[1], faiss.swig_ptr(scores), start, 0, nq)  # type: ignore[call-arg]
            return vals, ids, np.zeros(nq)
        qb, q_error = copy.query(q)
        for first, part in copy.parts:
            for start in range(0, len(part), block):
                scores = copy.scores(qb, part[start : start + block])
                heaps.addn(scores.shape[1], faiss.swig_ptr(scores), first + start, 0, nq)  # type: ignore[call-arg]
        return vals, ids, bf16.bound(self.index.d, qn, q_error, self.max_norm, copy.error)

    def _bf16_copy(self) -> bf16.BF16Copy:
        """The batch screen's bfloat16 vectors: a view of the copy a query searched alone is screened
        by (made now if no such query came yet, as on an index below `SQ_MIN` records)."""
        if self._bf16 is None:
            sq, error = self._sq_copy()
            self._bf16 = bf16.BF16Copy([(first, _codes(part)) for first, part in sq], error, keep=sq)
        return self._bf16
