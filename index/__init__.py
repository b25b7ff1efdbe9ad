"""The index: records in SQLite (exact ids, FTS5) plus title embeddings in FAISS, with a manifest."""

from citeproof.index.build import build_index
from citeproof.index.core import Hit, Index, Query, open_index
from citeproof.index.coverage import Coverage
from citeproof.index.embed import DEFAULT_MODEL, Embedder
from citeproof.index.manifest import Manifest, load_manifest

__all__ = ["DEFAULT_MODEL", "Coverage", "Embedder", "Hit", "Index", "Manifest", "Query", "build_index", "load_manifest", "open_index"]
