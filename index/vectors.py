"""Vector index types: exact (flat) for small indexes, approximate and compressed for large ones.

Vectors are collected in an exact inner-product index while a build streams; at the end they are
re-indexed into the chosen type. Flat is exact and fastest below about a million records; HNSW keeps
exact vectors plus a graph (fast, memory-hungry); IVF-PQ stores 48-byte product-quantised codes
(about 56 bytes a record with ids, so 10M records fit in ~0.6 GB), trained on a sample.
"""

from __future__ import annotations

import math
from typing import Literal

import faiss
import numpy as np

from citeproof.connectors.errors import InputError

__all__ = ["AUTO_APPROXIMATE_FROM", "INDEX_TYPES", "IndexType", "make_searchable", "reindex", "resolve_type"]

IndexType = Literal["auto", "flat", "hnsw", "ivfpq"]
INDEX_TYPES: tuple[str, ...] = ("auto", "flat", "hnsw", "ivfpq")
AUTO_APPROXIMATE_FROM = 1_000_000  # records; below this flat search is exact and fast enough
HNSW_M = 32
HNSW_EF_SEARCH = 128
PQ_BYTES = 48  # sub-quantizers of 8 bits: 48 bytes a vector (384 dims -> 8 dims per sub-vector)
IVF_NPROBE = 32


def resolve_type(index_type: str, count: int) -> str:
    if index_type not in INDEX_TYPES:
        raise InputError(f"unknown index type {index_type!r}; choose one of {', '.join(INDEX_TYPES)}")
    if index_type == "auto":
        return "flat" if count < AUTO_APPROXIMATE_FROM else "ivfpq"
    return index_type


def _ivfpq(vectors: np.ndarray, seed: int = 0) -> faiss.Index:
    n, d = vectors.shape
    nlist = int(min(65536, max(16, 4 * math.sqrt(n))))
    m = PQ_BYTES if d % PQ_BYTES == 0 else next(k for k in range(min(PQ_BYTES, d), 0, -1) if d % k == 0)
    quantizer = faiss.IndexFlatIP(d)
    index = faiss.IndexIVFPQ(quantizer, d, nlist, m, 8, faiss.METRIC_INNER_PRODUCT)
    # faiss wants >= 39 training points per centroid; more does not help much and costs time
    rng = np.random.default_rng(seed)
    take = min(n, max(256 * 39, 64 * nlist))
    sample = vectors[rng.choice(n, size=take, replace=False)] if take < n else vectors
    index.train(np.ascontiguousarray(sample))
    index.add(vectors)
    index.nprobe = IVF_NPROBE
    return index


def reindex(flat: faiss.IndexFlat, index_type: str) -> faiss.Index:
    """Re-index the exact vectors of `flat` into `index_type` ('flat' returns `flat` itself)."""
    if index_type == "flat":
        return flat
    vectors = flat.reconstruct_n(0, flat.ntotal)
    if index_type == "hnsw":
        index = faiss.IndexHNSWFlat(flat.d, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efSearch = HNSW_EF_SEARCH
        index.add(vectors)
        return index
    if index_type == "ivfpq":
        if flat.ntotal < 1000:
            raise InputError(f"ivfpq needs at least 1,000 records to train on, not {flat.ntotal:,}; use flat")
        return _ivfpq(vectors)
    raise InputError(f"unknown index type {index_type!r}")


def make_searchable(index: faiss.Index) -> faiss.Index:
    """Search-time parameters are not all stored in the file: set them after loading."""
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    try:
        faiss.extract_index_ivf(index).nprobe = IVF_NPROBE
    except (RuntimeError, TypeError):  # not an IVF index
        pass
    return index
