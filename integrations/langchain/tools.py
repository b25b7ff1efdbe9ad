"""`citation_tools()`: LangChain tools that let a model look up real works and check its own citations.

A model that can search for real references before it cites needs to recall far less, and one that
can check a draft can fix it before anyone reads it. Both tools are thin: `find_references` asks
`CitationRetriever`, `verify_citations` asks `Verifier.verify`; they share one loaded index. Their
docstrings are what the model reads to decide when and how to call them. Only langchain-core is
needed, so they work in any tool-calling chain as well as in `create_agent`.
"""

from __future__ import annotations

from langchain_core.documents import Document
from langchain_core.tools import BaseTool, tool

from citeproof.langchain.retriever import CitationRetriever, open_verifier
from citeproof.models import Report
from citeproof.verifier.core import IndexLike, Verifier

__all__ = ["MAX_K", "citation_tools", "format_references"]

MAX_K = 20
"""The most references one `find_references` call returns, whatever the model asks for."""


def format_references(query: str, docs: list[Document]) -> str:
    """What `find_references` shows the model: numbered references to copy, or a plain "none found"."""
    if not docs:
        return f"No real work in the index matches {query!r}. Do not cite a work for it from memory."
    lines = [f"{i}. {d.page_content}" for i, d in enumerate(docs, 1)]
    return (
        f"Real works in the index for {query!r}, best match first (cite them exactly as written):\n"
        + "\n".join(lines)
    )


def citation_tools(index: IndexLike | Verifier = None, *, k: int = 5, online: bool = False) -> list[BaseTool]:
    """The tools `find_references` and `verify_citations` over one citeproof index.

    `index`: an index directory, an open `Index`, a `Verifier` to share (e.g. with a
    `CitationMiddleware`), or None (the bundled demo index). `k`: how many references
    `find_references` returns when the model does not say. `online`: let `verify_citations` look up
    live what the index cannot settle (for a `Verifier`, set it on the Verifier).

    Each tool returns text for the model and keeps the objects as the ToolMessage's `artifact`:
    the `Document`s for `find_references`, the `Report` for `verify_citations`.
    """
    verifier = open_verifier(index, online)
    retriever = CitationRetriever(verifier, k=k)
    default_k = k

    @tool(response_format="content_and_artifact", parse_docstring=True)
    def find_references(query: str, k: int = default_k) -> tuple[str, list[Document]]:
        """Find real, citable works (papers, books) for a topic or for a title you only half remember.

        Use it before citing anything: every result is a real bibliographic record, formatted as a
        reference you can copy into a reference list as it is. A title with typos or missing words
        still finds the work. If nothing relevant comes back, do not cite a work from memory.

        Args:
            query: A topic ("retrieval-augmented generation for question answering") or a title as you
                remember it ("attention is all you need").
            k: How many references to return, best match first (at most 20).
        """
        docs = retriever.invoke(query, k=max(1, min(k, MAX_K)))
        return format_references(query, docs), docs

    @tool(response_format="content_and_artifact", parse_docstring=True)
    def verify_citations(text: str) -> tuple[str, Report]:
        """Check every citation in a text (your draft answer, a reference list, BibTeX) against real records.

        Returns a JSON report. For each citation: `status` is "verified" (a real work, cited
        correctly), "mismatch" (a real work, but a stated field such as year, authors or venue is
        wrong: `fields` shows cited and real values, `record` is the real work to cite instead),
        "fabricated" (no such work exists: remove it; `suggestions` are merely similar real works)
        or "unverifiable" (too little to check). `summary` counts them. Fix every mismatch and
        fabricated citation before giving your answer.

        Args:
            text: The text whose citations to check, with its reference list.
        """
        report = verifier.verify(text)
        return report.model_dump_json(exclude_none=True), report

    return [find_references, verify_citations]
