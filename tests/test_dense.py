"""Exact dense search of a flat index (`citeproof.index.dense`): FAISS's own query-by-query results,
whatever the batch, including equal scores and more near-equal records than the screen proposes."""

from __future__ import annotations

import contextlib
import threading

import faiss
import numpy as np
import pytest

from citeproof.index import dense
from citeproof.index.dense import FlatSearch


def _one_by_one(index: faiss.Index, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The reference: FAISS's query-by-query kernel, one query at a time."""
    every = faiss.SearchParameters(sel=faiss.IDSelectorAll())
    out = [index.search(q[i : i + 1], k, params=every) for i in range(len(q))]
    return np.concatenate([d for d, _ in out]), np.concatenate([i for _, i in out])


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    rng = np.random.default_rng(7)
    base = _unit(rng.standard_normal((3000, 64)))
    # duplicates (equal scores, so FAISS's tie order matters) and one vector repeated more often than
    # the screen proposes candidates (its queries cannot be settled by the screen)
    dupes = [base[:100], base[:100], np.repeat(base[:1], dense.SCREEN + 8, axis=0)]
    x = np.concatenate([base, *dupes])
    return x[rng.permutation(len(x))]


@pytest.mark.parametrize("nq", [1, 3, dense.MIN_BATCH, 50, 700])
def test_same_results_as_faiss_query_by_query(vectors: np.ndarray, nq: int) -> None:
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    rng = np.random.default_rng(nq)
    queries = np.concatenate([vectors[rng.choice(len(vectors), nq // 2)], _unit(rng.standard_normal((nq - nq // 2, 64)))])
    queries[0] = vectors[np.flatnonzero((vectors == vectors[0]).all(axis=1))[0]]
    got = FlatSearch(index).search(queries, 10)
    want = _one_by_one(index, queries, 10)
    assert np.array_equal(got[1], want[1])
    assert np.array_equal(got[0], want[0])  # the same float32 scores, bit for bit


def test_a_query_with_more_ties_than_the_screen_is_searched_in_full(vectors: np.ndarray) -> None:
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    counts = np.unique(vectors, axis=0, return_counts=True)
    repeated = counts[0][np.argmax(counts[1])]
    assert counts[1].max() > dense.SCREEN
    queries = np.repeat(repeated[None, :], dense.MIN_BATCH, axis=0)
    got = FlatSearch(index).search(queries, 10)
    want = _one_by_one(index, queries, 10)
    assert np.array_equal(got[1], want[1]) and np.array_equal(got[0], want[0])


def test_small_index_and_large_k(vectors: np.ndarray) -> None:
    small = faiss.IndexFlatIP(vectors.shape[1])
    small.add(vectors[: dense.SCREEN])
    q = vectors[:20]
    assert np.array_equal(FlatSearch(small).search(q, 5)[1], _one_by_one(small, q, 5)[1])
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    k = dense.SCREEN + 1  # more than the screen proposes: searched in full
    assert np.array_equal(FlatSearch(index).search(q, k)[1], _one_by_one(index, q, k)[1])


def test_only_flat_inner_product_indexes_are_supported() -> None:
    assert dense.supports(faiss.IndexFlatIP(8))
    assert not dense.supports(faiss.IndexFlatL2(8))
    assert not dense.supports(faiss.IndexHNSWFlat(8, 4, faiss.METRIC_INNER_PRODUCT))


@pytest.mark.parametrize("split", ["whole", "parts, two threads", "parts, this thread"])
def test_queries_searched_alone_on_a_large_index_are_screened_by_the_bf16_copy(
    vectors: np.ndarray, monkeypatch: pytest.MonkeyPatch, split: str
) -> None:
    monkeypatch.setattr(dense, "SQ_MIN", 1000)  # the test index counts as large
    monkeypatch.setattr(dense, "SQ_SCREEN", 24)  # fewer than the copies of the repeated vector
    if split != "whole":  # the copy in two parts (a core each), scanned by two threads or by one
        monkeypatch.setattr(dense, "SPLIT_MIN", 1000)
        monkeypatch.setattr(dense, "_scan_threads", 2)
    scans: list[str] = []
    search = faiss.IndexScalarQuantizer.search
    monkeypatch.setattr(
        faiss.IndexScalarQuantizer, "search", lambda self, *a, **kw: (scans.append(threading.current_thread().name), search(self, *a, **kw))[1]
    )
    alone = dense.scans_on_this_thread() if split == "parts, this thread" else contextlib.nullcontext()
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    flat = FlatSearch(index)
    rng = np.random.default_rng(11)
    # near records (settled by the screen), random directions, and each of the vectors repeated more
    # often than the screen proposes (not provable: the full scan runs)
    many = vectors[[np.sum(np.all(vectors == v, axis=1)) > 24 for v in vectors]][:1]
    q = np.concatenate([_unit(vectors[:40] + 0.05 * rng.standard_normal((40, vectors.shape[1]))),
                        _unit(rng.standard_normal((20, vectors.shape[1]))), many])
    assert len(many) == 1
    with alone:
        settled = [flat._sq_screened(q[j : j + 1], 10) is not None for j in range(len(q))]
        out = [flat.search(q[j : j + 1], 10) for j in range(len(q))]
    assert sum(settled) >= 40 and not settled[-1]  # most are proven; the repeated vector's is not
    assert flat._sq is not None and len(flat._sq) == (1 if split == "whole" else 2)
    here = threading.current_thread().name
    assert len(scans) == 2 * len(q) * len(flat._sq)
    assert any(n != here for n in scans) == (split == "parts, two threads")
    ref_d, ref_i = _one_by_one(index, q, 10)
    assert np.array_equal(np.concatenate([d for d, _ in out]), ref_d)
    assert np.array_equal(np.concatenate([i for _, i in out]), ref_i)
