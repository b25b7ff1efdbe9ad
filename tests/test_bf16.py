"""The bfloat16 product of a batch's screen (`citeproof.index.bf16`): its error within the bound the
proof uses, torch declined when its product breaks the bound's assumptions, and searches through it
the same as FAISS's query by query, bit for bit (ties beyond the screen included)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import faiss
import numpy as np
import pytest

from citeproof.index import bf16, dense
from citeproof.index.dense import FlatSearch

torch = pytest.importorskip("torch")


@pytest.fixture()
def loaded(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The bfloat16 product loaded whatever its speed here (a CPU without bfloat16 instructions runs
    torch's fallback: slower, and checked the same); the module as it was afterwards."""
    monkeypatch.setattr(bf16, "_torch", None)
    monkeypatch.setattr(bf16, "_loading", None)
    monkeypatch.setattr(bf16, "_faster", lambda _torch: True)
    bf16.load()
    assert bf16.ready()
    yield


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _one_by_one(index: faiss.Index, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    every = faiss.SearchParameters(sel=faiss.IDSelectorAll())
    out = [index.search(q[i : i + 1], k, params=every) for i in range(len(q))]
    return np.concatenate([d for d, _ in out]), np.concatenate([i for _, i in out])


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize("d", [64, 256])
def test_the_bound_covers_the_product_error(d: int) -> None:
    rng = np.random.default_rng(d)
    x = np.concatenate([_unit(rng.standard_normal((3000, d))), 3.0 * _unit(rng.standard_normal((10, d)))])
    q = np.concatenate([_unit(rng.standard_normal((40, d))), 0.5 * _unit(rng.standard_normal((4, d)))])
    sq, error = dense._bf16_copy(x)
    copy = bf16.BF16Copy([(0, dense._codes(sq))], error, keep=sq)
    ((first, rows),) = copy.parts
    qb, q_error = copy.query(q)
    scores = copy.scores(qb, rows)
    real = q.astype(np.float64) @ x.astype(np.float64).T
    max_norm = float(np.linalg.norm(x, axis=1).max())
    allowed = bf16.bound(d, np.linalg.norm(q, axis=1), q_error, max_norm, copy.error)
    err = np.abs(scores - real).max(axis=1)
    assert np.all(err <= allowed)
    assert np.all(err > 0) and np.all(allowed < 0.05 * np.linalg.norm(q, axis=1) * max_norm)  # (a real error, a useful bound)
    assert first == 0 and np.array_equal(copy.scores(qb, rows[1000:2000]), scores[:, 1000:2000])  # (a block's scores)


def test_a_product_that_truncates_is_declined(monkeypatch: pytest.MonkeyPatch) -> None:
    def truncated(_torch: Any, qb: Any, xb: Any) -> np.ndarray:
        exact = (qb.to(torch.float32) @ xb.to(torch.float32).T).numpy()
        return (exact.view(np.uint32) & np.uint32(0xFFFF0000)).view(np.float32)  # toward zero, not nearest

    assert bf16._checked(torch)
    monkeypatch.setattr(bf16, "_product", truncated)
    assert not bf16._checked(torch)


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize("nq", [dense.MIN_BATCH, 50, 700])
def test_searches_through_the_bf16_screen_are_faiss_query_by_query(nq: int) -> None:
    rng = np.random.default_rng(nq)
    base = _unit(rng.standard_normal((3000, 64)))
    # equal scores (FAISS's tie order), and one vector repeated beyond what the screen proposes
    x = np.concatenate([base, base[:100], np.repeat(base[:1], dense.SCREEN + 8, axis=0)])
    x = x[rng.permutation(len(x))]
    index = faiss.IndexFlatIP(64)
    index.add(x)
    near = x[rng.choice(len(x), nq // 2)] + np.float32(0.01) * rng.standard_normal((nq // 2, 64)).astype(np.float32)
    queries = np.concatenate([_unit(near), _unit(rng.standard_normal((nq - nq // 2, 64)))])
    queries[0] = base[0]  # (the repeated vector: its query is searched in full)
    search = FlatSearch(index)
    got = search.search(queries, 10)
    assert search._bf16 is not None  # (the screen did multiply in bfloat16)
    want = _one_by_one(index, queries, 10)
    assert np.array_equal(got[1], want[1])
    assert np.array_equal(got[0], want[0])


def test_not_loaded_the_screen_multiplies_in_float32(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bf16, "_torch", None)
    rng = np.random.default_rng(3)
    x = _unit(rng.standard_normal((500, 32)))
    index = faiss.IndexFlatIP(32)
    index.add(x)
    search = FlatSearch(index)
    got = search.search(x[:20], 5)
    assert search._bf16 is None
    assert np.array_equal(got[1], _one_by_one(index, x[:20], 5)[1])


def test_a_background_load_is_joined_by_a_load_that_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bf16, "_torch", None)
    monkeypatch.setattr(bf16, "_loading", None)
    monkeypatch.setattr(bf16, "_faster", lambda _torch: True)
    bf16.load(background=True)
    bf16.load(background=True)  # (one loading thread, not two)
    loading = bf16._loading
    assert loading is not None
    bf16.load()  # waits for it
    assert bf16.ready() and not loading.is_alive()


def test_a_torch_slower_than_numpy_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bf16, "_torch", None)
    monkeypatch.setattr(bf16, "_loading", None)
    monkeypatch.setattr(bf16, "_FASTER", 0.0)  # (no product is that fast)
    bf16.load()
    assert not bf16.ready()  # (the screen keeps numpy's float32 product)


@pytest.mark.usefixtures("loaded")
def test_on_a_large_index_the_screen_views_the_single_query_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    """From `SQ_MIN` records the batch screen multiplies FAISS's bfloat16 codes (the copy a query
    searched alone is screened by, here in two parts) in place: one copy, the same results."""
    monkeypatch.setattr(dense, "SQ_MIN", 1000)
    monkeypatch.setattr(dense, "SPLIT_MIN", 1000)
    monkeypatch.setattr(dense, "_scan_threads", 2)
    rng = np.random.default_rng(5)
    x = _unit(rng.standard_normal((4000, 32)))
    index = faiss.IndexFlatIP(32)
    index.add(x)
    queries = _unit(x[rng.choice(len(x), 60)] + np.float32(0.02) * rng.standard_normal((60, 32)).astype(np.float32))
    search = FlatSearch(index)
    got = search.search(queries, 10)
    want = _one_by_one(index, queries, 10)
    assert np.array_equal(got[1], want[1]) and np.array_equal(got[0], want[0])
    copy, sq = search._bf16, search._sq
    assert copy is not None and sq is not None and len(sq) == 2
    assert [first for first, _ in copy.parts] == [first for first, _ in sq] == [0, 2000]
    for (_, rows), (_, part) in zip(copy.parts, sq, strict=True):
        assert np.shares_memory(rows.view(torch.int16).numpy(), dense._codes(part))  # (viewed, not copied)
        back = part.reconstruct_n(0, part.ntotal)
        assert np.array_equal(rows.to(torch.float32).numpy(), back)  # (FAISS's codes are bfloat16 bits)
    assert copy.error == search._sq_error > 0
