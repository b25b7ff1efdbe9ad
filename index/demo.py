"""The bundled demo index: built once from `citeproof.data` into the user cache directory.

Shipping source records rather than a prebuilt FAISS file keeps the repository small and makes the
demo index reproducible on any platform; the build takes seconds with the default model (static-minilm,
shipped: nothing is downloaded or distilled). The cache key covers the data files, the model and its
version, and the citeproof version, so an upgrade rebuilds it.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

from citeproof.env import cache_dir, citeproof_version
from citeproof.index.build import build_index
from citeproof.index.embed import DEFAULT_MODEL, Embedder

__all__ = ["DEMO_FILES", "demo_index_path"]

# (file, format) in build order; the format is documentation, the readers detect it
DEMO_FILES: tuple[tuple[str, str], ...] = (
    ("demo_classics.csl.json", "csl-json"),
    ("hallmark_corpus_dev.csl.jsonl.gz", "csl-json"),
    ("crossref_items.jsonl.gz", "crossref"),
)


def demo_index_path() -> Path:
    """Path of the demo index, building it first if this data/model/version has none yet."""
    data = resources.files("citeproof.data")
    h = hashlib.sha256(f"{citeproof_version()}|{DEFAULT_MODEL}|{Embedder(DEFAULT_MODEL).version}".encode())
    for name, _fmt in DEMO_FILES:
        h.update(data.joinpath(name).read_bytes())
    out = cache_dir() / f"demo-{h.hexdigest()[:12]}"
    if (out / "manifest.json").is_file():
        return out
    with resources.as_file(data) as data_dir:
        # formats differ per file: let the readers detect each one
        build_index([Path(data_dir) / name for name, _fmt in DEMO_FILES], out, fmt=None, model=DEFAULT_MODEL)
    return out
