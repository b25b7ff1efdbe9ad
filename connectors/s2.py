"""Semantic Scholar Graph API papers -> Records.

S2 links a paper's DOI, arXiv id and PubMed id in one place (`externalIds`), which is what lets a
citation that gives only one of them be matched to a record found under another.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from citeproof.connectors.dumpformat import Claim, DumpFormat, JsonLayout
from citeproof.connectors.records import first_text, make_record, split_name, year_of
from citeproof.connectors.source import PathLike, Source
from citeproof.identifiers import norm_arxiv_id
from citeproof.models import ReadStats, Record

__all__ = ["S2", "S2_STREAM", "read_s2", "record_from_s2"]

# Search responses: {"total": n, "offset": 0, "data": [paper, ...]}; batch responses are arrays.
S2_STREAM = ("data",)


def record_from_s2(paper: dict[str, Any]) -> Record:
    """One S2 Graph API paper object -> Record with id `s2:<paperId>`."""
    if not isinstance(paper, dict):
        raise TypeError(f"expected a JSON object, got {type(paper).__name__}")
    ext_obj = paper.get("externalIds")
    ext: dict[str, Any] = ext_obj if isinstance(ext_obj, dict) else {}
    venue_obj = paper.get("publicationVenue")
    journal = paper.get("journal")
    venue = (
        first_text(paper.get("venue"))
        or (first_text(venue_obj.get("name")) if isinstance(venue_obj, dict) else None)
        or (first_text(journal.get("name")) if isinstance(journal, dict) else None)
    )
    authors_obj = paper.get("authors")
    authors: list[Any] = authors_obj if isinstance(authors_obj, list) else []
    types = paper.get("publicationTypes")
    paper_id = first_text(paper.get("paperId"))
    arxiv = first_text(ext.get("ArXiv"))
    return make_record(
        id=f"s2:{paper_id}" if paper_id else None,
        title=first_text(paper.get("title")),
        authors=[
            split_name(a["name"]) for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)
        ],
        year=year_of(paper.get("year")) or year_of(paper.get("publicationDate")),
        venue=venue,
        doi=first_text(ext.get("DOI")),
        arxiv_id=norm_arxiv_id(arxiv) if arxiv else None,
        pmid=ext.get("PubMed"),
        url=first_text(paper.get("url")),
        type=first_text(types) if isinstance(types, list) else None,
        source="s2",
    )


def _claims_s2(obj: dict[str, Any]) -> bool:
    return "paperId" in obj or "externalIds" in obj


S2 = DumpFormat("s2", (JsonLayout(record_from_s2, stream=S2_STREAM, claims=(Claim(30, _claims_s2),)),))


def read_s2(source: PathLike | Source, stats: ReadStats | None = None) -> Iterator[Record]:
    """Records of S2 papers as JSON lines, a JSON array (batch response) or a search response."""
    return S2.read(source, stats)
