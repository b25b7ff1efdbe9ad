"""Vector index types: exact (flat) for small indexes, approximate and compressed for large ones.

A build adds the vectors of its shards, one after another, to an index of the chosen type (IVF-PQ is
trained first on a sample drawn across the shards), so only the chosen index is ever in memory.
Flat is exact and fastest below about a million records; HNSW keeps exact vectors plus a graph
(fast, memory-hungry); IVF-PQ stores product-quantised codes of up to 48
bytes (48 for MiniLM's 384 dims, 32 for static-minilm's 256), about 40-56 bytes a record with ids, so
10M records fit in 0.4-0.6 GB.
"""

from __future__ import annotations

import math
from typing import Literal

import faiss
import numpy as np

from citeproof.errors import InputError

__all__ = [
    "AUTO_APPROXIMATE_FROM",
    "INDEX_TYPES",
    "IndexType",
    "make_searchable",
    "new_index",
    "nlist_for",
    "reindex",
    "resolve_type",
    "training_size",
]

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


def _pq_bytes(d: int) -> int:
    return PQ_BYTES if d % PQ_BYTES == 0 else next(k for k in range(min(PQ_BYTES, d), 0, -1) if d % k == 0)


def training_size(count: int) -> int:
    """How many vectors an IVF-PQ index of `count` records is trained on: faiss wants >= 39 points
    per centroid and 256 per PQ code; more does not help much and costs time."""
    nlist = nlist_for(count)
    return min(count, max(256 * 39, 64 * nlist))


def nlist_for(count: int) -> int:
    return int(min(65536, max(16, 4 * math.sqrt(count))))


def new_index(index_type: str, dim: int, count: int, sample: np.ndarray | None = None) -> faiss.Index:
    """An empty index of `index_type` for about `count` vectors, ready for `add` in batches.

    IVF-PQ is trained here on `sample` (see `training_size`), so a build can stream its vectors in
    shard by shard and never hold them all: only the 48-byte codes stay in memory."""
    if index_type == "flat":
        return faiss.IndexFlatIP(dim)
    if index_type == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efSearch = HNSW_EF_SEARCH
        return index
    if index_type == "ivfpq":
        if count < 1000 or sample is None or len(sample) < 1000:
            raise InputError(f"ivfpq needs at least 1,000 records to train on, not {count:,}; use flat")
        quantizer = faiss.IndexFlatIP(dim)
        ivf = faiss.IndexIVFPQ(quantizer, dim, nlist_for(count), _pq_bytes(dim), 8, faiss.METRIC_INNER_PRODUCT)
        ivf.train(np.ascontiguousarray(sample, dtype=np.float32))
        ivf.nprobe = IVF_NPROBE
        return ivf
    raise InputError(f"unknown index type {index_type!r}")


def reindex(flat: faiss.IndexFlat, index_type: str, seed: int = 0) -> faiss.Index:
    """Re-index the exact vectors of `flat` into `index_type` ('flat' returns `flat` itself)."""
    if index_type == "flat":
        return flat
    vectors = flat.reconstruct_n(0, flat.ntotal)
    n = len(vectors)
    take = training_size(n)
    sample = vectors[np.random.default_rng(seed).choice(n, size=take, replace=False)] if take < n else vectors
    index = new_index(index_type, flat.d, n, sample)
    index.add(vectors)
    return index


def make_searchable(index: faiss.Index) -> faiss.Index:
    """Search-time parameters are not all stored in the file: set them after loading."""
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    try:
        faiss.extract_index_ivf(index).nprobe = IVF_NPROBE
    except (RuntimeError, TypeError):  # not an IVF index
        pass
    return index
