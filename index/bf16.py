"""The matrix product of a batch's screen (`dense.FlatSearch`) in bfloat16, by torch, when loaded.

Why: the screen only *proposes* candidates, so it may be approximate as long as its error is bounded,
and torch multiplies bfloat16 matrices with the CPU's bfloat16 instructions (AVX-512 BF16, AMX)
where numpy's BLAS has float32 only. On one thread, against the 31,008 dev records: a share's 44
titles 4.7 against 12.9 ms on an AMD EPYC with AVX-512 BF16; the 262 titles of the dev BibTeX split
not found verbatim 7.1 against 30.2 ms on an Intel CPU with AMX (an earlier session's machine).

Why not always: a CPU without bfloat16 instructions runs torch's slower fallback (`load` times both
and keeps float32 then); and importing torch takes 1-2 s and a few hundred MB, once per process,
which the default (static) model's path never pays, and a one-off `citeproof verify` of a reference
list would never win it back. So it is used only where `load` was called: a worker process loads it before it says it
is ready, and a verifier with worker processes loads it in a background thread while they start;
until it is loaded (or if torch is missing, or fails the check below) the screen multiplies in
float32 as before. Results are the same either way: FAISS decides, and a query whose proof fails is
searched over every record.

The error bound (`bound`) for a query q and a record x, both given in float32 and rounded to qb and
xb, whose product is summed in float32 and rounded to bfloat16 (torch's CPU kernels sum in float32):

    |screen - q.x| <= |q - qb| |xb| + |q| |x - xb|        (the inputs' rounding, measured)
                    + gamma_d |qb| |xb|                    (the float32 sum, Higham 3.1)
                    + u_bf16 |qb| |xb| (1 + gamma_d)       (the result rounded to bfloat16)

with |xb| <= the largest record norm plus the largest |x - xb|. `load` checks the two assumptions
about torch (a float32 sum, a bfloat16 result rounded to nearest) on random data against float64,
and declines torch if they fail.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np

from citeproof.index.rounding import U_BF16, gamma

__all__ = ["BF16Copy", "bound", "load", "ready"]

# Used only if at least this much faster than float32 (`_faster`): on an AMD EPYC
# (AVX-512 BF16) a 44-query screen at 31,008 records took 4.7 against 12.9 ms, with AMX about 4x.
_FASTER = 0.8

_torch: Any = None  # the torch module once loaded and checked
_lock = threading.Lock()
_loading: threading.Thread | None = None


def ready() -> bool:
    """Whether the bfloat16 product is loaded (never waits for it)."""
    return _torch is not None


def load(background: bool = False) -> None:
    """Import torch and check its bfloat16 product; in a daemon thread if `background`. Idempotent;
    a failure (no torch, a failed check) leaves the float32 product in use."""
    global _loading
    with _lock:
        if _torch is not None or (_loading is not None and background):
            return
        if background:
            _loading = threading.Thread(target=_load, daemon=True, name="citeproof-bf16-load")
            _loading.start()
            return
        pending = _loading
    if pending is not None:
        pending.join()
    if _torch is None:
        _load()


def _load() -> None:
    global _torch
    try:
        import torch
    except Exception:  # (no torch, or a broken one: the float32 product stays)
        return
    if _checked(torch) and _faster(torch):
        _torch = torch


def _checked(torch: Any) -> bool:
    """Whether torch's bfloat16 product on this machine is within the bound's assumptions."""
    rng = np.random.default_rng(0)
    for d in (64, 256, 384):
        q = rng.standard_normal((8, d)).astype(np.float32)
        x = rng.standard_normal((300, d)).astype(np.float32)
        qb, xb = torch.from_numpy(q).to(torch.bfloat16), torch.from_numpy(x).to(torch.bfloat16)
        got = _product(torch, qb, xb).astype(np.float64)
        qb64, xb64 = qb.to(torch.float32).numpy().astype(np.float64), xb.to(torch.float32).numpy().astype(np.float64)
        exact = qb64 @ xb64.T
        g = gamma(d)
        scale = np.abs(qb64) @ np.abs(xb64).T  # sum |q_i x_i|
        allowed = g * scale + U_BF16 * (np.abs(exact) + g * scale)
        if not bool(np.all(np.abs(got - exact) <= allowed)):
            return False
    return True


def _faster(torch: Any) -> bool:
    """Whether the bfloat16 product beats numpy's float32 one on this machine, both on one thread, at
    a screen's size (44 queries, 16,384 records of 256 dimensions): a CPU without bfloat16
    instructions runs torch's fallback, slower than float32."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    q = rng.standard_normal((44, 256)).astype(np.float32)
    x = rng.standard_normal((16_384, 256)).astype(np.float32)
    qb, xb = torch.from_numpy(q).to(torch.bfloat16), torch.from_numpy(x).to(torch.bfloat16)

    def best(f: Any) -> float:
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            f()
            times.append(time.perf_counter() - t0)
        return min(times)

    with threadpool_limits(1):
        float32 = best(lambda: q @ x.T)
    return best(lambda: _product(torch, qb, xb)) < _FASTER * float32


def _product(torch: Any, qb: Any, xb: Any) -> np.ndarray:
    """qb @ xb.T in bfloat16 on this thread, as a float32 array."""
    threads = torch.get_num_threads()
    if threads != 1:
        torch.set_num_threads(1)  # (a process's cores are its batch's other processes)
    try:
        return (qb @ xb.T).to(torch.float32).numpy()
    finally:
        if threads != 1:
            torch.set_num_threads(threads)


class BF16Copy:
    """The records' vectors in bfloat16 for the batch screen: a view, in place, of the bfloat16 copy a
    flat search keeps for a query searched alone (FAISS's `QT_bf16` codes are bfloat16 bits, so a
    process holds one copy, not two), in parts of consecutive records (first row, tensor), with the
    largest distance between a vector and its copy (`error`, measured when that copy was made)."""

    def __init__(self, parts: list[tuple[int, np.ndarray]], error: float, keep: object) -> None:
        """`parts`: (first row, int16 array of shape (rows, d) holding bfloat16 bits), viewed, not
        copied, valid while `keep` lives."""
        torch = _torch
        assert torch is not None, "load() first"
        self._torch = torch
        self.parts = [(first, torch.from_numpy(bits).view(torch.bfloat16)) for first, bits in parts]
        self.error = error
        self._keep = keep  # (what owns the memory the parts view)

    def query(self, q: np.ndarray) -> tuple[Any, np.ndarray]:
        """The queries `q` (float32) in bfloat16, and each one's rounding error |q - qb|."""
        torch = self._torch
        qb = torch.from_numpy(np.ascontiguousarray(q, dtype=np.float32)).to(torch.bfloat16)
        diff = qb.to(torch.float32).numpy() - q
        return qb, np.sqrt(np.einsum("ij,ij->i", diff, diff)).astype(np.float64)

    def scores(self, qb: Any, rows: Any) -> np.ndarray:
        """The screen's scores (float32) of the bfloat16 queries `qb` against `rows`, a slice of a part."""
        return _product(self._torch, qb, rows)


def bound(d: int, query_norms: np.ndarray, query_errors: np.ndarray, max_norm: float, copy_error: float) -> np.ndarray:
    """How far a screen score of the bfloat16 product can be from the real product, per query (the
    module docstring)."""
    qn = query_norms.astype(np.float64)
    xb = max_norm + copy_error
    qb = qn + query_errors
    g = gamma(d)
    return query_errors * xb + qn * copy_error + g * qb * xb + U_BF16 * qb * xb * (1.0 + g)
