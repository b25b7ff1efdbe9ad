"""OpenAlex client: a work by DOI and free-text search, and the parser of OpenAlex work objects.

OpenAlex covers what Crossref lacks for citation checking, chiefly conference papers without DOIs
and arXiv preprints merged with their published versions, so the resolver asks it for titles that
Crossref does not match. A work with a DOI gets the id `doi:<doi>` (the id Crossref records get), so
the same work found through either service is one record in an index.
"""

from __future__ import annotations

import re
from typing import Any

from citeproof.connectors.live.http import DoiClient, Reply
from citeproof.connectors.records import BadRecordError, first_text, make_record, split_name
from citeproof.errors import LookupFailedError
from citeproof.identifiers import arxiv_id_from, norm_doi
from citeproof.models import Author, Record

__all__ = ["OPENALEX_API", "OpenAlex", "record_from_openalex"]

OPENALEX_API = "https://api.openalex.org"
_WORK_ID = re.compile(r"W\d+$")
_PMID = re.compile(r"(\d+)/?$")


def _dig(obj: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(k)
    return obj


def _venue(work: dict[str, Any]) -> str | None:
    name = first_text(_dig(work, "primary_location", "source", "display_name"))
    # OpenAlex names the repository "arXiv (Cornell University)"; citations (and the verifier) say "arXiv"
    if name and name.lower().startswith("arxiv"):
        return "arXiv"
    return name


def _authors(work: dict[str, Any]) -> list[Author | None]:
    out: list[Author | None] = []
    for a in work.get("authorships") or []:
        name = _dig(a, "author", "display_name") or (a.get("raw_author_name") if isinstance(a, dict) else None)
        if isinstance(name, str):
            out.append(split_name(name))
    return out


def record_from_openalex(work: dict[str, Any]) -> Record:
    """One OpenAlex work object -> Record (`doi:<doi>` when it has a DOI, else `openalex:W…`)."""
    if not isinstance(work, dict):
        raise TypeError(f"expected a JSON object, got {type(work).__name__}")
    ids_obj = work.get("ids")
    ids: dict[str, Any] = ids_obj if isinstance(ids_obj, dict) else {}
    doi = norm_doi(first_text(work.get("doi")) or first_text(ids.get("doi")))
    m = _WORK_ID.search(first_text(work.get("id")) or first_text(ids.get("openalex")) or "")
    work_id = m.group(0) if m else None
    if not doi and not work_id:
        raise BadRecordError("OpenAlex work without id or DOI")
    pmid = _PMID.search(first_text(ids.get("pmid")) or "")
    landing = first_text(_dig(work, "primary_location", "landing_page_url"))
    return make_record(
        id=None if doi else f"openalex:{work_id}",
        title=first_text(work.get("title")) or first_text(work.get("display_name")),
        authors=_authors(work),
        year=work.get("publication_year") if isinstance(work.get("publication_year"), int) else None,
        venue=_venue(work),
        doi=doi,
        arxiv_id=arxiv_id_from(doi, landing),
        pmid=pmid.group(1) if pmid else None,
        url=f"https://doi.org/{doi}" if doi else first_text(work.get("id")),
        type=first_text(work.get("type")),
        source="openalex",
    )


class OpenAlex(DoiClient):
    """The OpenAlex API (https://api.openalex.org). Give `mailto` to be in its polite pool."""

    name = "openalex"
    doi_url = f"{OPENALEX_API}/works/doi:{{doi}}"
    interval_s = 0.1
    lookups = frozenset({"title"})

    def record_from_reply(self, reply: Reply) -> Record:
        """`/works/doi:{doi}` answers the work object itself."""
        return record_from_openalex(reply.data)

    def search(self, text: str, rows: int = 5, *, budget_s: float | None = None) -> list[Record]:
        """Best `rows` works for a title or reference text (OpenAlex `search`)."""
        reply = self.http.get(f"{OPENALEX_API}/works", {"search": text, "per_page": rows}, budget_s=budget_s)
        results = reply.data.get("results") if reply.found and isinstance(reply.data, dict) else None
        if not isinstance(results, list):
            raise LookupFailedError(f"openalex: {reply.url}: response has no `results` list")
        out: list[Record] = []
        for work in results:
            try:
                out.append(record_from_openalex(work))
            except (BadRecordError, TypeError):
                continue  # untitled works exist in OpenAlex; they cannot be matched anyway
        return out
