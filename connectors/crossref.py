"""Crossref reader: REST API work items, API responses and the Crossref public data file.

Crossref is the authority for DOIs, so a record's id is its DOI. The same item dict arrives from a
saved API response, a JSON-lines export, or one of the ~30k `{"items": [...]}` `.json.gz` parts of
the annual public data file; `record_from_crossref` is the single place that understands it, so the
live API client reuses it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from citeproof.connectors.dumpformat import Claim, DumpFormat, JsonLayout
from citeproof.connectors.records import BadRecordError, first_text, make_record, year_of
from citeproof.connectors.source import PathLike, Source
from citeproof.identifiers import arxiv_id_from, norm_doi
from citeproof.models import Author, ReadStats, Record
from citeproof.text import clean_text

__all__ = ["CROSSREF", "CROSSREF_DESCEND", "CROSSREF_STREAM", "read_crossref", "record_from_crossref"]

# Where the items sit in an API response: {"message": {...item}} or {"message": {"items": [...]}}.
CROSSREF_DESCEND = ("message",)
CROSSREF_STREAM = ("items",)
# Keys only the Crossref REST API writes (its CSL output shares most of the others).
_CROSSREF_KEYS = frozenset(
    {"indexed", "deposited", "reference-count", "is-referenced-by-count", "member", "prefix"}
)
# The earliest date is the one a citation gives; `created` (deposit date) is the last resort.
_DATE_KEYS = ("published", "issued", "published-print", "published-online", "created")


def _author(a: Any) -> Author | None:
    if not isinstance(a, dict):
        return None
    family = clean_text(a.get("family")) if isinstance(a.get("family"), str) else ""
    given = clean_text(a.get("given")) if isinstance(a.get("given"), str) else ""
    if family:
        return Author(family=family, given=given)
    # `name` is how Crossref stores organisations and consortia: never split it into given/family.
    name = clean_text(a.get("name")) if isinstance(a.get("name"), str) else ""
    if name or given:
        return Author(family=name or given)
    return None


def record_from_crossref(item: dict[str, Any]) -> Record:
    """One Crossref work item (the `message` of `/works/{doi}`) -> Record with id `doi:<doi>`."""
    if not isinstance(item, dict):
        raise TypeError(f"expected a JSON object, got {type(item).__name__}")
    if item.get("status") == "failed" or "message-type" in item:
        raise BadRecordError(f"Crossref {item.get('message-type', 'error')} response, not a work")
    doi = norm_doi(first_text(item.get("DOI")))
    if not doi:
        raise BadRecordError("no DOI")
    year = None
    for key in _DATE_KEYS:
        year = year_of(item.get(key))
        if year:
            break
    authors_obj = item.get("author")
    authors: list[Any] = authors_obj if isinstance(authors_obj, list) else []
    url = first_text(item.get("URL"))
    return make_record(
        id=f"doi:{doi}",
        title=first_text(item.get("title")),
        authors=[_author(a) for a in authors],
        year=year,
        venue=first_text(item.get("container-title")),
        doi=doi,
        arxiv_id=arxiv_id_from(doi, url),
        url=url,
        type=item.get("type"),
        source="crossref",
    )


def _claims_crossref(obj: dict[str, Any]) -> bool:
    return "message-type" in obj or ("DOI" in obj and isinstance(obj.get("title"), list))


def _has_crossref_keys(obj: dict[str, Any]) -> bool:
    return bool(_CROSSREF_KEYS & obj.keys())


# An API response (`message-type`) or a work with its title as a list is Crossref before anything else
# is tried; keys only the Crossref API writes decide only when no other format claimed the object.
CROSSREF = DumpFormat(
    "crossref",
    (
        JsonLayout(
            record_from_crossref,
            descend=CROSSREF_DESCEND,
            stream=CROSSREF_STREAM,
            claims=(Claim(10, _claims_crossref), Claim(60, _has_crossref_keys)),
        ),
    ),
)


def read_crossref(source: PathLike | Source, stats: ReadStats | None = None) -> Iterator[Record]:
    """Records of a Crossref item, API response, items page, JSON lines, or public-data-file part."""
    return CROSSREF.read(source, stats)
