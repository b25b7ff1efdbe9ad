"""`CitationRetriever`: real bibliographic records for a topic or a half-remembered title.

A LangChain retriever over a citeproof index, so a RAG chain or an agent can look up *real* works
before citing them instead of recalling them. It asks `Index.search`, the same hybrid retrieval the
verifier uses (exact title key, BM25, dense title vectors, fused by reciprocal rank), so what it
finds is what a later check will find; it then moves the candidates whose title nearly equals the
query to the front, because a title typed from memory (a typo, a dropped word, only its first words)
is best matched by the title itself, while a topic query keeps the fused order. Only langchain-core is needed.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field
from rapidfuzz import fuzz

from citeproof.index.core import Hit, Index, Query
from citeproof.models import Record
from citeproof.text import clean_text, tokens
from citeproof.verifier.compare import compare_titles
from citeproof.verifier.core import IndexLike, Verifier

__all__ = ["METADATA_FIELDS", "NEAR_TITLE", "CitationRetriever", "as_document", "open_index", "open_verifier", "rank", "title_similarity"]

METADATA_FIELDS = ("id", "title", "authors", "year", "venue", "doi", "arxiv_id", "url")
"""The Record fields each Document carries; `Record.model_validate(doc.metadata)` gives the Record back."""

NEAR_TITLE = 0.7
"""Title similarity (`title_similarity`, 0..1) from which a candidate counts as "the title meant".

A real title with a typo and one word dropped scores about 0.8-0.95 against itself, and unrelated
titles that share a topic score well under 0.6, so candidates at or above this are put first, most
similar first; below it the query is treated as a topic and the fused retrieval order is kept.
(On the dev index, 0.6 and 0.7 rank the same; 0.8 loses 1-2 points: `bench/retriever.py`.)
"""


def open_verifier(index: IndexLike | Verifier, online: bool = False) -> Verifier:
    """The `Verifier` for an index directory, an open `Index`, a `Verifier` to share, or None (demo index).

    `online` configures a Verifier opened here; a shared one keeps its own setting, so asking for
    `online` with one is refused rather than silently ignored.
    """
    if isinstance(index, Verifier):
        if online:
            raise ValueError("online= applies to an index opened here; pass online= to your Verifier instead")
        return index
    return Verifier(index, online=online)  # resolves None to the bundled demo index, as everywhere else


def open_index(index: IndexLike | Verifier) -> Index:
    """The `Index` behind an index directory, an open `Index`, a `Verifier`, or None (the demo index)."""
    return open_verifier(index).index


def as_document(record: Record, title_similarity: float | None = None) -> Document:
    """A Document for a real work: its formatted reference to read, the Record itself as metadata.

    `title_similarity` (to the query, 0..1) is added to the metadata when given, so a caller can
    tell "this is the title you meant" from "this is on your topic".
    """
    metadata: dict[str, Any] = record.model_dump(include=set(METADATA_FIELDS))
    if title_similarity is not None:
        metadata["title_similarity"] = round(title_similarity, 4)
    return Document(page_content=record.reference(), metadata=metadata, id=record.id)


PREFIX_WEIGHT = 0.95
"""How much a query that matches the *start* of a title counts against one that matches all of it."""


def title_similarity(query: str, title: str) -> float:
    """How nearly `query` is `title` (0..1): the verifier's title similarity, or, when the query
    matches the start of a longer title ("deep residual learning" for "Deep Residual Learning for
    Image Recognition"), its similarity to that start, slightly discounted.

    The second part matters because people remember a title's first words; without it, a short
    unrelated title ("Deep learning") is nearer by plain similarity than the longer one meant.
    """
    full = compare_titles(query, title).similarity
    q, t = tokens(query), tokens(title)
    if len(t) <= len(q):
        return full
    start = fuzz.ratio(" ".join(q), " ".join(t[: len(q)])) / 100.0
    return max(full, PREFIX_WEIGHT * start)


def rank(query: str, hits: list[Hit]) -> list[tuple[Hit, float]]:
    """Hits best first, each with its `title_similarity` to the query.

    Near titles (>= `NEAR_TITLE`) go first by similarity; the rest keep `Index.search`'s fused order.
    """
    scored = [(h, title_similarity(query, h.record.title)) for h in hits]
    near = sorted((x for x in scored if x[1] >= NEAR_TITLE), key=lambda x: -x[1])  # stable: ties keep fused order
    return near + [x for x in scored if x[1] < NEAR_TITLE]


class CitationRetriever(BaseRetriever):
    """Real works from a citeproof index for a query (a topic, or a title as remembered), best first.

    Each `Document` has the formatted reference (`Record.reference()`) as `page_content` and the
    Record's fields (`METADATA_FIELDS`, plus `title_similarity` to the query) as `metadata`. `k` documents are
    returned (`invoke(query, k=3)` overrides it per call); `candidates` is how many `Index.search`
    proposes before re-ranking.

    Example:
        ```python
        retriever = CitationRetriever(index="idx/", k=3)
        for doc in retriever.invoke("atention is all need"):
            print(doc.page_content, doc.metadata["doi"])
        ```
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Index = Field(exclude=True)
    k: int = Field(default=5, ge=1)
    candidates: int = Field(default=20, ge=1)

    def __init__(self, index: IndexLike | Verifier = None, **kwargs: Any) -> None:
        """`index`: an index directory, an open `Index`, a `Verifier` to share, or None (demo index)."""
        super().__init__(index=open_index(index), **kwargs)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None
    ) -> list[Document]:
        """The `k` best documents for `query` (langchain-core runs this in a thread under `ainvoke`)."""
        k = self.k if k is None else k
        title = clean_text(query)
        if not title or k < 1:
            return []
        [hits] = self.index.search([Query(title=title, exhaustive=True)], k=max(self.candidates, k))
        return [as_document(h.record, sim) for h, sim in rank(title, hits)[:k]]
