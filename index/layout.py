"""What an index directory holds, and what is embedded: shared by the write path (build, add,
update) and the read path (`Index`), so that neither imports the other.
"""

from __future__ import annotations

__all__ = ["MANIFEST", "RECORDS", "VECTORS", "embedding_text"]

MANIFEST = "manifest.json"  # counts, model, sources, per-file SHA-256 (citeproof.index.manifest)
RECORDS = "records.sqlite"  # the record store: exact ids, FTS5 (citeproof.index.store)
VECTORS = "vectors.faiss"  # title embeddings (citeproof.index.vectors)


def embedding_text(title: str) -> str:
    """What is embedded for a record or a cited title: the title alone.

    Titles are what citations get most right and what retrieval must match; adding authors or
    venue would pull a chimeric citation towards the wrong paper.
    """
    return title
