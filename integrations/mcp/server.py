"""An MCP server so that LLM clients (Claude Desktop, IDE agents) check their own citations.

Two read-only tools over one loaded `Verifier`: `verify_citations(text)` returns the same `Report`
as `citeproof verify --format json`, and `lookup(query)` finds real records by title, DOI or arXiv
id, so a model can replace a flagged reference with a real one. `citeproof mcp` serves them over
stdio, where stdout carries the protocol, so nothing here prints.
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations

from citeproof.identifiers import norm_arxiv_id, norm_doi
from citeproof.index.core import Query
from citeproof.models import Record, Report
from citeproof.text import clean_text
from citeproof.verifier.core import IndexLike, Verifier

__all__ = ["create_mcp_server", "lookup_records"]

MAX_LOOKUP = 20
_READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)


def lookup_records(verifier: Verifier, query: str, limit: int = 5) -> list[Record]:
    """Real records for `query`: a DOI, an arXiv id (bare or as a URL), or else a title / free text.

    Candidates come from the index's own retrieval (exact ids, BM25, dense titles), best first;
    this is a search, not a verdict, so nothing is claimed about which record a citation meant.
    """
    query = query.strip()
    limit = max(1, min(limit, MAX_LOOKUP))
    doi = norm_doi(query)
    # an arXiv id only when the query is one token: digits in a title must not turn it into an id
    arxiv = None if doi or len(query.split()) != 1 else norm_arxiv_id(query)
    q = Query(title=None if doi or arxiv else clean_text(query) or None, doi=doi, arxiv_id=arxiv)
    if not (q.title or q.doi or q.arxiv_id):
        return []
    return [hit.record for hit in verifier.index.search([q], k=limit)[0][:limit]]


def create_mcp_server(index: IndexLike | Verifier = None) -> MCPServer:
    """The MCP server over `index` (a directory, an open `Index`, a `Verifier`, or None: demo index)."""
    verifier = index if isinstance(index, Verifier) else Verifier(index)
    server = MCPServer(
        name="citeproof",
        log_level="WARNING",  # model-loading INFO lines would only clutter the client's server log
        instructions=(
            "Check citations before you give them: call verify_citations on your answer's references; "
            "a 'fabricated' or 'mismatch' verdict means fix or drop that reference (lookup finds real works)."
        ),
    )

    @server.tool(annotations=_READ_ONLY)
    def verify_citations(text: str) -> Report:
        """Extract every citation in `text` (an answer, a reference list, DOIs, arXiv ids or BibTeX) and
        check each against a local index of real records. Each gets a status: verified, mismatch (a
        real work with a wrong field; see `fields` and `record`), fabricated (no such work; see
        `suggestions`) or unverifiable (too little to check)."""
        return verifier.verify(text)

    @server.tool(annotations=_READ_ONLY)
    def lookup(query: str, limit: int = 5) -> list[Record]:
        """Find real works in the local index by title (or free text), DOI, or arXiv id; best first."""
        return lookup_records(verifier, query, limit)

    return server
