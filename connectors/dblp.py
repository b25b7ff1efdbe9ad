"""dblp readers: the dblp.xml dump and dblp search API hits.

dblp is the reference index of computer science, where most LLM-cited ML papers live. The dump is
one 5 GB XML file whose non-ASCII names are HTML entities declared in dblp.dtd; `iter_xml` resolves
them without the DTD and keeps memory constant. Person-homepage `www` records are not publications
and are skipped; homonym numbers ("Wei Wang 0002") are dblp's disambiguation, not part of a name.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

from citeproof.connectors.dumpformat import Claim, DumpFormat, JsonLayout, XmlLayout
from citeproof.connectors.records import (
    BadRecordError,
    first_text,
    make_record,
    split_name,
    year_of,
)
from citeproof.connectors.source import PathLike, Source
from citeproof.identifiers import arxiv_id_from, norm_doi
from citeproof.models import Author, ReadStats, Record

__all__ = [
    "DBLP",
    "DBLP_DESCEND",
    "DBLP_RECORD_TAGS",
    "DBLP_STREAM",
    "read_dblp",
    "record_from_dblp_hit",
    "record_from_dblp_xml",
    "strip_homonym",
]

DBLP_RECORD_TAGS = frozenset(
    {"article", "inproceedings", "proceedings", "book", "incollection", "phdthesis", "mastersthesis", "www"}
)
# Search API: {"result": {"hits": {"hit": [{"info": {...}}, ...]}}}
DBLP_DESCEND = ("result", "hits")
DBLP_STREAM = ("hit",)
# Starts only at the beginning of a whitespace run: a name with a long inner run of spaces is
# scanned once, not once per space (quadratic).
_HOMONYM = re.compile(r"(?<!\s)\s+\d{4}$")


def strip_homonym(name: str) -> str:
    """'Qifan Wang 0001' -> 'Qifan Wang'."""
    return _HOMONYM.sub("", name.strip())


def _title(s: str | None) -> str | None:
    """dblp ends every title with a period it added itself ("Attention is All you Need.")."""
    if not s:
        return s
    s = s.strip()
    return s[:-1] if s.endswith(".") and not s.endswith("..") else s


def _person(name: Any) -> Author | None:
    return split_name(strip_homonym(name)) if isinstance(name, str) else None


def _links(ee: list[str], doi: str | None) -> tuple[str | None, str | None]:
    """(doi, arxiv id) from the electronic-edition links: doi.org links carry the DOI."""
    for link in ee:
        if doi is None and "doi.org/" in link:
            doi = norm_doi(link)
    return doi, arxiv_id_from(doi, *ee)


def _record(
    key: Any,
    title: Any,
    authors: list[Author | None],
    year: Any,
    venue: Any,
    ee: list[str],
    doi: Any,
    kind: Any,
) -> Record:
    if not isinstance(key, str) or not key:
        raise BadRecordError("no dblp key")
    doi_n, arxiv_id = _links(ee, norm_doi(doi) if isinstance(doi, str) else None)
    return make_record(
        id=f"dblp:{key}",
        title=_title(title) if isinstance(title, str) else None,
        authors=authors,
        year=year_of(year),
        venue=venue,
        doi=doi_n,
        arxiv_id=arxiv_id,
        url=ee[0] if ee else f"https://dblp.org/rec/{key}",
        type=kind,
        source="dblp",
    )


def record_from_dblp_xml(el: ET.Element) -> Record | None:
    """One dblp.xml record element -> Record; None for `www` (homepage) records."""
    if el.tag == "www":
        return None

    def texts(tag: str) -> list[str]:
        return ["".join(c.itertext()).strip() for c in el.iterfind(tag)]

    authors = texts("author") or texts("editor")
    title = texts("title")
    venue = texts("journal") or texts("booktitle") or texts("series")
    year = texts("year")
    return _record(
        el.get("key"),
        title[0] if title else None,
        [_person(a) for a in authors],
        year[0] if year else None,
        venue[0] if venue else None,
        [e for e in texts("ee") if e],
        None,
        el.tag,
    )


def _as_list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [] if v is None else [v]


def record_from_dblp_hit(hit: dict[str, Any]) -> Record:
    """One dblp search API hit (`{"info": {...}}`, or the `info` object itself) -> Record."""
    if not isinstance(hit, dict):
        raise TypeError(f"expected a JSON object, got {type(hit).__name__}")
    info = hit.get("info", hit)
    if not isinstance(info, dict):
        raise TypeError("`info` is not an object")
    people = info.get("authors", {})
    people = people.get("author") if isinstance(people, dict) else people
    authors = [_person(a.get("text") if isinstance(a, dict) else a) for a in _as_list(people)]
    return _record(
        info.get("key"),
        first_text(info.get("title")),
        authors,
        info.get("year"),
        first_text(info.get("venue")),
        [e for e in _as_list(info.get("ee")) if isinstance(e, str)],
        first_text(info.get("doi")),
        info.get("type"),
    )


def _label(el: ET.Element, n: int) -> str:
    return f"{el.tag} {el.get('key') or n}"


def _claims_dblp_json(obj: dict[str, Any]) -> bool:
    return isinstance(obj.get("info"), dict) or "@score" in obj


def _claims_dblp_xml(root: str) -> bool:
    return root == "dblp"


DBLP = DumpFormat(
    "dblp",
    (
        XmlLayout(
            DBLP_RECORD_TAGS, record_from_dblp_xml, _label, claims=(Claim(10, _claims_dblp_xml, "dblp.xml"),)
        ),
        JsonLayout(record_from_dblp_hit, DBLP_DESCEND, DBLP_STREAM, claims=(Claim(40, _claims_dblp_json),)),
    ),
    mismatch="not dblp XML or dblp search API JSON",
)


def read_dblp(source: PathLike | Source, stats: ReadStats | None = None) -> Iterator[Record]:
    """Records of dblp.xml(.gz), streamed in constant memory, or of dblp search API JSON."""
    return DBLP.read(source, stats)
