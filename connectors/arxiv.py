"""arXiv readers: the metadata snapshot (JSON lines, as on Kaggle), OAI-PMH harvests (`arXiv` and
`arXivRaw` metadata formats) and arXiv API Atom feeds.

All three describe the same thing, so they share one record builder: id `arxiv:<id>` without
version, year of the first version (what citations of a preprint give), the journal reference as
venue when the paper was published (else "arXiv") and the journal DOI when there is one.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
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
from citeproof.identifiers import norm_arxiv_id
from citeproof.models import Author, ReadStats, Record
from citeproof.text import clean_text

__all__ = [
    "ARXIV",
    "ARXIV_XML_TAGS",
    "read_arxiv",
    "record_from_arxiv_atom",
    "record_from_arxiv_json",
    "record_from_arxiv_oai",
]

_OAI = "{http://www.openarchives.org/OAI/2.0/}"
_ARXIV = "{http://arxiv.org/OAI/arXiv/}"
_RAW = "{http://arxiv.org/OAI/arXivRaw/}"
_ATOM = "{http://www.w3.org/2005/Atom}"
_ATOM_X = "{http://arxiv.org/schemas/atom}"
ARXIV_XML_TAGS = frozenset({f"{_OAI}record", f"{_ATOM}entry"})

_AUTHOR_SEP = re.compile(r"\s*,\s*|\s+and\s+|\s*;\s*")
_NEW_ID_YYMM = re.compile(r"^(\d\d)(\d\d)\.")
_OLD_ID_YY = re.compile(r"/(\d\d)\d{5}$")


def _year_from_id(aid: str) -> int | None:
    """arXiv ids encode the submission month: 0704.0001 -> 2007, hep-th/9901001 -> 1999."""
    m = _NEW_ID_YYMM.match(aid) or _OLD_ID_YY.search(aid)
    if not m:
        return None
    yy = int(m.group(1))
    return 2000 + yy if yy < 91 else 1900 + yy


def _author(family: Any, given: Any) -> Author | None:
    """An already split name ([last, first] of `authors_parsed`, keyname/forenames of OAI)."""
    fam = clean_text(family) if isinstance(family, str) else ""
    giv = clean_text(given) if isinstance(given, str) else ""
    if not fam:
        fam, giv = giv, ""
    return Author(family=fam, given=giv) if fam else None


def _drop_affiliations(s: str) -> str:
    """Replace every balanced `(...)` group, nested ones included, by a space; unmatched parentheses
    stay as text. One pass with a stack: removing innermost groups until nothing changes did the same
    but took one pass per nesting level, quadratic on a dump line of deeply nested parentheses."""
    if "(" not in s:
        return s
    out: list[str] = []
    opened: list[int] = []  # positions in `out` of the `(` not yet closed
    for ch in s:
        if ch == "(":
            opened.append(len(out))
        elif ch == ")" and opened:
            del out[opened.pop() :]
            ch = " "
        out.append(ch)
    return "".join(out)


def _split_author_string(s: str) -> list[Author | None]:
    """'C. Bal\\'azs, E. L. Berger and C.-P. Yuan (MSU)' -> authors, affiliations dropped.

    Whitespace runs are collapsed first so that `_AUTHOR_SEP`'s `\\s*` never rescans a long run (a
    run of 40,000 spaces took 10 s); names are single-spaced by `split_name` anyway."""
    s = " ".join(_drop_affiliations(s).split())
    return [split_name(n) for n in _AUTHOR_SEP.split(s) if n.strip() and n.strip().lower() != "et al."]


def _arxiv_record(
    raw_id: Any, title: Any, authors: Iterable[Author | None], year: int | None, journal_ref: Any, doi: Any
) -> Record:
    aid = norm_arxiv_id(raw_id) if isinstance(raw_id, str) else None
    if not aid:
        raise BadRecordError(f"no arXiv id ({raw_id!r})")
    venue = clean_text(journal_ref) if isinstance(journal_ref, str) else ""
    return make_record(
        id=f"arxiv:{aid}",
        title=title,
        authors=authors,
        year=year or _year_from_id(aid),
        venue=venue or "arXiv",
        doi=doi,
        arxiv_id=aid,
        url=f"https://arxiv.org/abs/{aid}",
        type="article" if venue else "preprint",
        source="arxiv",
    )


def record_from_arxiv_json(item: dict[str, Any]) -> Record:
    """One line of the arXiv metadata snapshot (Kaggle `arxiv-metadata-oai-snapshot.json`) -> Record."""
    if not isinstance(item, dict):
        raise TypeError(f"expected a JSON object, got {type(item).__name__}")
    parsed = item.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        authors: list[Author | None] = []
        for p in parsed:
            if isinstance(p, list) and p:
                authors.append(_author(p[0], p[1] if len(p) > 1 else None))
    else:
        authors = _split_author_string(item.get("authors") or "")
    year = None
    versions = item.get("versions")
    if isinstance(versions, list) and versions:
        v1 = versions[0]
        year = year_of(v1.get("created") if isinstance(v1, dict) else v1)
    return _arxiv_record(
        first_text(item.get("id")),
        first_text(item.get("title")),
        authors,
        year or year_of(item.get("update_date")),
        first_text(item.get("journal-ref")),
        first_text(item.get("doi")),
    )


def _text(el: ET.Element | None) -> str | None:
    return "".join(el.itertext()) if el is not None else None


_MOJIBAKE = re.compile("[\u00c2\u00c3][\u0080-\u00bf]")


def _demojibake(s: str | None) -> str | None:
    """Undo UTF-8 read as Latin-1 ('RamÃ\xadrez' -> 'Ramírez'), which recorded arXiv API feeds
    contain; only strings that round-trip exactly are changed, so correct text is left alone."""
    if s and _MOJIBAKE.search(s):
        try:
            return s.encode("latin-1").decode("utf-8")
        except UnicodeError:
            return s
    return s


def record_from_arxiv_oai(record: ET.Element) -> Record | None:
    """One OAI-PMH `<record>` in `arXiv` or `arXivRaw` format -> Record; None for a deleted record."""
    header = record.find(f"{_OAI}header")
    if header is not None and header.get("status") == "deleted":
        return None
    meta = record.find(f"{_OAI}metadata/{_ARXIV}arXiv")
    if meta is not None:
        authors = [
            _author(_text(a.find(f"{_ARXIV}keyname")), _text(a.find(f"{_ARXIV}forenames")))
            for a in meta.iterfind(f"{_ARXIV}authors/{_ARXIV}author")
        ]
        ns = _ARXIV
        year = year_of(_text(meta.find(f"{ns}created")))
    else:
        meta = record.find(f"{_OAI}metadata/{_RAW}arXivRaw")
        if meta is None:
            raise BadRecordError("OAI record without arXiv or arXivRaw metadata")
        ns = _RAW
        authors = _split_author_string(_text(meta.find(f"{ns}authors")) or "")
        versions = meta.findall(f"{ns}version")
        v1 = next((v for v in versions if v.get("version") == "v1"), versions[0] if versions else None)
        year = year_of(_text(v1.find(f"{ns}date"))) if v1 is not None else None
    return _arxiv_record(
        _text(meta.find(f"{ns}id")),
        _text(meta.find(f"{ns}title")),
        authors,
        year,
        _text(meta.find(f"{ns}journal-ref")),
        _text(meta.find(f"{ns}doi")),
    )


def record_from_arxiv_atom(entry: ET.Element) -> Record:
    """One arXiv API Atom `<entry>` -> Record (error entries have no arXiv id and are rejected)."""
    raw_id = _text(entry.find(f"{_ATOM}id")) or ""
    if "/api/errors" in raw_id:
        raise BadRecordError(f"arXiv API error entry: {clean_text(_text(entry.find(f'{_ATOM}summary')))}")
    return _arxiv_record(
        raw_id,
        _demojibake(_text(entry.find(f"{_ATOM}title"))),
        [
            split_name(_demojibake(_text(a.find(f"{_ATOM}name"))) or "")
            for a in entry.iterfind(f"{_ATOM}author")
        ],
        year_of(_text(entry.find(f"{_ATOM}published"))),
        _demojibake(_text(entry.find(f"{_ATOM_X}journal_ref"))),
        _text(entry.find(f"{_ATOM_X}doi")),
    )


def _record_from_element(el: ET.Element) -> Record | None:
    return record_from_arxiv_atom(el) if el.tag == f"{_ATOM}entry" else record_from_arxiv_oai(el)


def _label(el: ET.Element, n: int) -> str:
    return f"record {n}"


def _claims_arxiv_json(obj: dict[str, Any]) -> bool:
    return "authors_parsed" in obj or ("versions" in obj and "submitter" in obj)


def _claims_arxiv_xml(root: str) -> bool:
    return root in ("OAI-PMH", "feed")


ARXIV = DumpFormat(
    "arxiv",
    (
        XmlLayout(
            ARXIV_XML_TAGS,
            _record_from_element,
            _label,
            claims=(Claim(20, _claims_arxiv_xml, "arXiv OAI-PMH or an Atom feed"),),
        ),
        JsonLayout(record_from_arxiv_json, claims=(Claim(20, _claims_arxiv_json),)),
    ),
    mismatch="not an arXiv snapshot, OAI-PMH or Atom file",
)


def read_arxiv(source: PathLike | Source, stats: ReadStats | None = None) -> Iterator[Record]:
    """Records of an arXiv snapshot (JSON lines), OAI-PMH ListRecords XML, or API Atom feed."""
    return ARXIV.read(source, stats)
