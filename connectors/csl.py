"""CSL-JSON reader: the interchange format of Zotero, pandoc, citeproc and Crossref's content
negotiation, and the format of the HALLMARK corpus.

Exporters disagree on details (title as string or list, `issued` as date-parts, raw string or
missing), so the reader accepts all of them and keeps the input's `id` untouched: benchmark gold
labels and user bibliographies refer to records by that id.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from citeproof.connectors.dumpformat import Claim, DumpFormat, JsonLayout
from citeproof.connectors.records import first_text, make_record, split_name, year_of
from citeproof.connectors.source import PathLike, Source
from citeproof.identifiers import arxiv_id_from
from citeproof.models import Author, ReadStats, Record
from citeproof.text import clean_text

__all__ = ["CSL_JSON", "read_csl", "record_from_csl"]

_DATE_KEYS = ("issued", "published", "published-print", "published-online", "original-date")


def _csl_author(a: Any) -> Author | None:
    """CSL names are already split; only an unsplit string or a `literal` needs work."""
    if isinstance(a, str):
        return split_name(a)
    if not isinstance(a, dict):
        return None
    parts = [a.get(k) for k in ("non-dropping-particle", "family")]
    family = clean_text(" ".join(p for p in parts if isinstance(p, str)))
    given = a.get("given")
    given = clean_text(given) if isinstance(given, str) else ""
    if family:
        return Author(family=family, given=given)
    literal = a.get("literal") or a.get("name")
    literal = clean_text(literal) if isinstance(literal, str) else ""
    if literal:
        return Author(family=literal)  # an organisation, or a name the exporter would not split
    return Author(family=given) if given else None


def record_from_csl(item: dict[str, Any]) -> Record:
    """One CSL-JSON item -> Record; `id` is kept exactly as in the input."""
    if not isinstance(item, dict):
        raise TypeError(f"expected a JSON object, got {type(item).__name__}")
    year = None
    for key in _DATE_KEYS:
        year = year_of(item.get(key))
        if year:
            break
    if year is None:
        year = year_of(item.get("year"))
    venue = first_text(item.get("container-title")) or first_text(item.get("collection-title"))
    doi = first_text(item.get("DOI")) or first_text(item.get("doi"))
    url = first_text(item.get("URL")) or first_text(item.get("url"))
    raw_id = item.get("id")
    authors = item.get("author") or []
    return make_record(
        id=str(raw_id) if raw_id not in (None, "") else None,
        title=first_text(item.get("title")),
        authors=[_csl_author(a) for a in (authors if isinstance(authors, list) else [authors])],
        year=year,
        venue=venue,
        doi=doi,
        arxiv_id=arxiv_id_from(doi, url),
        pmid=item.get("PMID"),
        url=url,
        type=item.get("type"),
        source="csl-json",
    )


def _claims_csl(obj: dict[str, Any]) -> bool:
    title = obj.get("title")
    return "issued" in obj or "container-title" in obj or ("id" in obj and isinstance(title, (str, list)))


# CSL-JSON is the loosest shape (any object with an id and a title), so its claim ranks after the
# other formats' specific keys.
CSL_JSON = DumpFormat(
    "csl-json",
    (JsonLayout(record_from_csl, stream=("items",), claims=(Claim(50, _claims_csl),)),),
    suffixes=(".csl.json", ".csl.jsonl"),
)


def read_csl(source: PathLike | Source, stats: ReadStats | None = None) -> Iterator[Record]:
    """Records of a CSL-JSON array file or CSL-JSON lines (gzipped or not), streamed."""
    return CSL_JSON.read(source, stats)
