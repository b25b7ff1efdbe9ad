"""Find every citation in a text, with its exact character span, and parse its fields.

An LLM answer mixes prose, reference lists (numbered, bulleted, one per line or paragraph), markdown
tables, BibTeX blocks and bare identifiers. The extractor walks the text once, line by line:

* BibTeX entries (a whole .bib file, or blocks inside prose or code fences) are read by
  `connectors.bibtex`, one citation per entry with its key;
* other code fences are skipped: code is not a citation;
* lines are grouped into units: a list item (marker stripped, the span starts after it), a line, or
  a paragraph whose lines wrap mid-sentence; a unit whose parse has reference shape (title plus
  authors or a marked title, plus a year or an identifier) is one citation;
* in everything else (prose), author–year citations ("Vaswani et al. (2017)", "(Hinton, 2006)"),
  quoted titles next to them, and standalone DOIs / arXiv ids are citations of their own.

`raw == text[start:end]` always holds. Work is linear in the input: lines are handled one at a
time, a unit too long to be one reference is treated as prose, and every regex is bounded.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from citeproof.connectors.bibtex import BibEntry, parse_bibtex, record_from_bibtex
from citeproof.connectors.errors import DumpFormatError
from citeproof.connectors.models import Citation
from citeproof.connectors.text import clean_text, norm_doi
from citeproof.verifier.names import looks_like_names, parse_authors
from citeproof.verifier.refparse import (
    Identifier,
    ParsedReference,
    find_identifiers,
    find_year,
    parse_reference,
)

__all__ = ["extract_citations"]

MAX_REFERENCE_CHARS = 1500  # a longer unit is prose (or an attack), never one reference

_BIB_START_RE = re.compile(r"@[A-Za-z]{2,30}[ \t]{0,5}[{(]")
# BibTeX's and BibLaTeX's entry types; any other "@word{" or "@word(" is code or an address.
_BIB_TYPES = frozenset(
    "article book booklet conference inbook incollection inproceedings manual mastersthesis misc phdthesis "
    "proceedings techreport unpublished online electronic www webpage report thesis software dataset data patent "
    "collection mvbook mvcollection mvproceedings periodical suppbook suppcollection suppperiodical reference "
    "mvreference inreference bookinbook standard preprint".split()
)
_ENTRY_LINE_RE = re.compile(r"^[ \t]{0,8}@([A-Za-z]{2,30})[ \t]{0,3}[{(][ \t]{0,3}[^\s,{}()]{1,200},", re.MULTILINE)
_FIELD_LINE_RE = re.compile(r"[ \t]{0,16}[A-Za-z][\w-]{0,40}[ \t]{0,5}=")
_FENCE_RE = re.compile(r"[ \t]{0,3}(`{3,}|~{3,})")
# Indentation, blockquote marks, then an optional list marker: - * • + 1. 1) (1) [1] a)
_MARKER_RE = re.compile(r"[ \t]{0,16}(?:>[ \t]{0,2}){0,3}(?P<marker>(?:[-*•+▪◦‣]|\(?\d{1,3}[.)]|\[\d{1,3}\]|[a-z]\))[ \t]+)?")
_HEADING_RE = re.compile(r"[ \t]{0,3}(?:#{1,6}(?:[ \t]|$)|[-=*_ \t]{3,}$)")
_TABLE_RE = re.compile(r"[ \t]{0,3}\|")
_TABLE_SEP_RE = re.compile(r"[ \t]{0,3}\|?[ \t]{0,5}:?-{2,}")
_CONTINUES_RE = re.compile(r"(?:[^\W\d_]|[,;&(–-])$")

_PAREN_GROUP_RE = re.compile(r"\(([^()\n]{4,400})\)")
_AUTHOR_YEAR_RE = re.compile(
    r"(?:(?:e\.g\.|see|cf\.)[, ]{1,3})?([^\d();]{2,150}?),?\s{1,3}((?:1[89]|20)\d\d)[a-z]?(?:,\s{0,2}pp?\.\s{0,2}\d{1,5}(?:[-–]\d{1,5})?)?\s{0,3}$"
)
_NARRATIVE_RE = re.compile(
    r"(?<![\w])((?:(?:van|von|de|der|den|di|da|le|la|du)\s){0,3}[A-Z][\w'’\-]{1,40}"
    r"(?:\s(?:and|&)\s(?:(?:van|von|de|der|den|di|da|le|la|du)\s){0,3}[A-Z][\w'’\-]{1,40}|\set\.?\sal\.?))"
    r"\s\(((?:1[89]|20)\d\d)[a-z]?\)"
)
_EVIDENCE_RE = re.compile(r"\d|[\"“„«]")
_PAREN_YEAR_IN_TITLE_RE = re.compile(r"\([^()]{0,80}\b(?:1[89]|20)\d\d[a-z]?\)")
_QUOTED_YEAR_RE = re.compile(
    r'(?:"([^"\n]{8,300})"|“([^”\n]{8,300})”)[\s,]{0,3}\(([^()\n]{0,60}?)\b((?:1[89]|20)\d\d)[a-z]?\)'
)
_PROSE_TITLE_RE = re.compile(r'"([^"\n]{8,300})"|“([^”\n]{8,300})”|(?<!\*)\*(?=[^\s*])([^*\n]{8,300})(?<=\S)\*(?!\*)')


@dataclass(slots=True)
class _Unit:
    """A candidate reference: a list item (marker excluded), a line, or a wrapped paragraph."""

    start: int
    end: int
    item: bool


def extract_citations(text: str) -> list[Citation]:
    """Every citation in `text`, in order of position, with exact spans and parsed fields."""
    if not text or not text.strip():
        return []
    cites: list[Citation] = []
    skip: list[tuple[int, int]] = []
    bib = _bibtex_citations(text)
    cites.extend(bib)
    skip.extend((c.start, c.end) for c in bib)
    skip.extend(_code_fences(text))
    for a, b in _free_regions(text, skip):
        cites.extend(_region_citations(text, a, b))
    cites.sort(key=lambda c: c.start)
    return cites


# --- BibTeX and code ---------------------------------------------------------------------------


def _bibtex_citations(text: str) -> list[Citation]:
    """One citation per BibTeX entry anywhere in the text (fenced or not), keyed by its entry key.

    LLM-written BibTeX often has unbalanced braces (`author = {... Man{\\'e},`); the parser rightly
    skips such an entry, but it is still a citation, so it is re-read with each field line rebalanced."""
    if not _BIB_START_RE.search(text):
        return []
    entries = [(e, e.start, e.end) for e in parse_bibtex(text)]
    covered = sorted((a, b) for _, a, b in entries)
    starts = [a for a, _ in covered]
    for m in _ENTRY_LINE_RE.finditer(text):
        if m.group(1).lower() not in _BIB_TYPES:
            continue
        at = m.start(1) - 1
        i = bisect.bisect_right(starts, at) - 1
        if i >= 0 and at < covered[i][1]:
            continue
        end = _broken_entry_end(text, m.end())
        repaired = parse_bibtex(_rebalance(text[at:end]))
        if len(repaired) == 1:
            entries.append((repaired[0], at, end))
    out = []
    for e, start, end in entries:
        if e.type.lower() not in _BIB_TYPES:
            continue  # @string/@comment, and code that looks alike: "@dataclass(frozen=True)"
        out.append(_bib_citation(text, e, start, end))
    return out


def _bib_citation(text: str, e: BibEntry, start: int, end: int) -> Citation:
    # Not the dump reader's strict BibTeX name grammar: LLM-written BibTeX separates names with commas
    # and ends lists with "et al", which the free-text author parser understands.
    authors, et_al = parse_authors(e.fields.get("author") or e.fields.get("editor"))
    base = Citation(raw=text[start:end], start=start, end=end, key=e.key or None, authors=authors, et_al=et_al)
    try:
        rec = record_from_bibtex(e)
    except DumpFormatError:  # no usable title: still a claim, with whatever else it states
        return base.model_copy(update={"year": find_year(e.fields.get("year", "")), "doi": norm_doi(e.fields.get("doi"))})
    return base.model_copy(
        update={"title": rec.title, "year": rec.year, "venue": rec.venue, "doi": rec.doi, "arxiv_id": rec.arxiv_id, "url": rec.url}
    )


def _broken_entry_end(text: str, pos: int) -> int:
    """End of an entry the parser gave up on: its closing-brace line, or the line before a blank
    line, a fence or the next entry."""
    nl = text.find("\n", pos)
    if nl < 0:
        return len(text)
    end = nl
    for a, b in _lines(text, nl + 1, len(text)):
        line = text[a:b].strip()
        if not line or line.startswith("@") or _FENCE_RE.match(text, a, b):
            break
        end = b
        if line in ("}", ")"):
            break
    return end


def _rebalance(entry: str) -> str:
    """Close or drop the braces each `name = {value},` line is missing or has too many of."""
    lines = entry.split("\n")
    for i, line in enumerate(lines[1:], 1):
        if not _FIELD_LINE_RE.match(line):
            continue
        bare = line.replace("\\{", "").replace("\\}", "")
        diff = bare.count("{") - bare.count("}")
        body = line.rstrip()
        comma = body.endswith(",")
        body = body.rstrip(",")
        if diff > 0:
            body = body[:-1] + "}" * diff + "}" if body.endswith("}") else body + "}" * diff
        while diff < 0 and body.endswith("}"):
            body, diff = body[:-1], diff + 1
        lines[i] = body + ("," if comma else "")
    fixed = "\n".join(lines)
    return fixed if len(lines) > 1 and lines[-1].strip() in ("}", ")") else fixed + "\n}"


def _lines(text: str, a: int, b: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each line of text[a:b], without its newline."""
    pos = a
    while pos < b:
        nl = text.find("\n", pos, b)
        end = b if nl < 0 else nl
        yield pos, end
        pos = end + 1


def _code_fences(text: str) -> list[tuple[int, int]]:
    """Spans of fenced code blocks (``` or ~~~), closed by a fence of the same kind or the end."""
    spans = []
    open_at, fence = -1, ""
    for a, b in _lines(text, 0, len(text)):
        m = _FENCE_RE.match(text, a, b)
        if not m:
            continue
        if open_at < 0:
            open_at, fence = a, m.group(1)
        elif m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not text[m.end() : b].strip():
            spans.append((open_at, b))
            open_at = -1
    if open_at >= 0:
        spans.append((open_at, len(text)))
    return spans


def _free_regions(text: str, skip: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of the text outside the skipped spans."""
    out, pos = [], 0
    for a, b in sorted(skip):
        if a > pos:
            out.append((pos, a))
        pos = max(pos, b)
    if pos < len(text):
        out.append((pos, len(text)))
    return out


# --- units -------------------------------------------------------------------------------------


def _region_citations(text: str, a: int, b: int) -> list[Citation]:
    out: list[Citation] = []
    unit: _Unit | None = None
    table: list[tuple[int, int]] = []

    def flush() -> None:
        nonlocal unit
        if unit is not None:
            out.extend(_unit_citations(text, unit))
            unit = None

    for la, lb in _lines(text, a, b):
        if _TABLE_RE.match(text, la, lb):
            flush()
            table.append((la, lb))
            continue
        if table:
            out.extend(_table_citations(text, table))
            table = []
        m = _MARKER_RE.match(text, la, lb)
        assert m is not None  # every part of the pattern is optional
        is_item = m.group("marker") is not None
        if not text[la:lb].strip() or (not is_item and _HEADING_RE.match(text, la, lb)):
            flush()
            continue
        start = m.end()
        end = _rstrip(text, start, lb)
        if unit is not None and not is_item and _CONTINUES_RE.search(text, max(unit.start, unit.end - 1), unit.end):
            unit.end = end  # a wrapped line continues the unit above
            continue
        flush()
        unit = _Unit(start, end, is_item)
    flush()
    if table:
        out.extend(_table_citations(text, table))
    return out


def _rstrip(text: str, a: int, b: int) -> int:
    while b > a and text[b - 1].isspace():
        b -= 1
    return b


def _unit_citations(text: str, u: _Unit) -> list[Citation]:
    if not _EVIDENCE_RE.search(text, u.start, u.end):
        return []  # no year, identifier or quoted title: nothing to cite, and the common case in prose
    prose = _prose_citations(text, u.start, u.end)
    if u.end - u.start <= MAX_REFERENCE_CHARS and (u.item or sum(bool(c.authors or c.title) for c in prose) < 2):
        # A line of prose that cites twice is prose, even if it parses like one reference.
        s = text[u.start : u.end]
        ref = parse_reference(s)
        if _is_reference(ref, s, u.item):
            return [_citation(text, u.start, u.end, ref)]
    return prose


def _is_reference(ref: ParsedReference, s: str, item: bool) -> bool:
    """Reference shape: a title, and either authors with a year or identifier, or a title the writer
    marked at the head of the entry. A bare quoted title counts only as a list item of its own
    ('1. "Deep Learning"'), the form LLMs use when asked for titles only."""
    if not ref.title or sum(ch.isalpha() for ch in ref.title) < 3:
        return False
    dated = ref.year is not None or bool(ref.doi or ref.arxiv_id)
    if not ref.title_marked and (len(ref.title) > 400 or _PAREN_YEAR_IN_TITLE_RE.search(ref.title)):
        return False  # a sentence that cites ("The Transformer (Vaswani et al., 2017) ..."), not a title
    if ref.authors and dated:
        return True
    if not ref.title_marked:
        return False
    if ref.authors or (dated and len(ref.title.split()) >= 2):
        return True
    # A list item that is a quoted title, perhaps with a short note ('1. "NFS Version 4", RFC 3530').
    return item and s.lstrip()[:1] in "\"“„«'‘" and len(clean_text(s)) <= len(ref.title) + 40


def _citation(text: str, start: int, end: int, ref: ParsedReference | None = None, **extra: object) -> Citation:
    fields = {} if ref is None else ref.as_dict()
    fields.pop("title_marked", None)
    fields.update(extra)
    return Citation(raw=text[start:end], start=start, end=end, **fields)


# --- prose ---------------------------------------------------------------------------------------


def _prose_citations(text: str, a: int, b: int) -> list[Citation]:
    """Author–year citations, titles quoted next to them, and standalone identifiers in prose."""
    cites = _disjoint(
        _with_adjacent_title(text, _citation(text, s, e, **_names_fields(names), year=year), a, b)
        for s, e, names, year in _author_year_spans(text, a, b)
    )
    starts = [c.start for c in cites]
    quoted = []
    for m in _QUOTED_YEAR_RE.finditer(text, a, b):  # 'the paper "Attention Is All You Need" (NeurIPS 2017)'
        i = bisect.bisect_right(starts, m.start())
        if not ((i and cites[i - 1].end > m.start()) or (i < len(starts) and starts[i] < m.end())):
            title = clean_text(m.group(1) or m.group(2)).rstrip(" ,.")
            venue = clean_text(m.group(3)).strip(" ,") or None
            quoted.append(_citation(text, m.start(), m.end(), title=title, venue=venue, year=int(m.group(4))))
    cites = _disjoint([*cites, *quoted])
    starts = [c.start for c in cites]
    idents = []
    for ident in find_identifiers(text[a:b]):
        if ident.doi is None and ident.arxiv_id is None:
            continue  # an ordinary link is not a citation
        s, e = a + ident.start, a + ident.end
        i = bisect.bisect_right(starts, s) - 1
        if i >= 0 and e <= cites[i].end:  # inside a citation: it is that citation's identifier
            owner = cites[i]
            owner.doi, owner.arxiv_id, owner.url = owner.doi or ident.doi, owner.arxiv_id or ident.arxiv_id, owner.url or ident.url
        else:
            idents.append(_identifier_citation(text, a, ident))
    return _disjoint([*cites, *idents])


def _disjoint(cites: Iterable[Citation]) -> list[Citation]:
    """Sorted by position; of overlapping citations (a merged title can reach a neighbour) the first."""
    out: list[Citation] = []
    for c in sorted(cites, key=lambda c: c.start):
        if not out or c.start >= out[-1].end:
            out.append(c)
    return out


def _names_fields(names: str) -> dict[str, object]:
    authors, et_al = parse_authors(names)
    return {"authors": authors, "et_al": et_al}


def _identifier_citation(text: str, offset: int, ident: Identifier) -> Citation:
    return _citation(
        text, offset + ident.start, offset + ident.end, doi=ident.doi, arxiv_id=ident.arxiv_id, url=ident.url
    )


def _author_year_spans(text: str, a: int, b: int) -> Iterator[tuple[int, int, str, int]]:
    """(start, end, authors, year) of each '(Hinton, 2006; Vaswani et al., 2017)' part and each
    narrative 'Vaswani et al. (2017)'. Names must look like names: '(ICLR, 2021)' is not a citation."""
    for m in _PAREN_GROUP_RE.finditer(text, a, b):
        pos = m.start(1)
        for part in m.group(1).split(";"):
            pm = _AUTHOR_YEAR_RE.fullmatch(part.strip())
            lead = len(part) - len(part.lstrip())
            if pm and _names_ok(pm.group(1)):
                s = pos + lead
                yield s, s + len(part.strip()), pm.group(1), int(pm.group(2))
            pos += len(part) + 1
    for m in _NARRATIVE_RE.finditer(text, a, b):
        if _names_ok(m.group(1)):
            yield m.start(), m.end(), m.group(1), int(m.group(2))


def _names_ok(s: str) -> bool:
    """Names in an inline citation: name-shaped, and not an acronym such as a venue ('ICLR', 'NeurIPS';
    'LeCun' and 'McDonald' have one inner capital and pass)."""
    words = [w for w in re.split(r"[\s,&]+", s) if w and w not in ("and", "et", "al", "al.")]
    return bool(words) and looks_like_names(s) and not any(sum(ch.isupper() for ch in w[1:]) >= 2 for w in words)


def _with_adjacent_title(text: str, cite: Citation, a: int, b: int) -> Citation:
    """'Vaswani et al. (2017), "Attention Is All You Need"' or '"Attention ..." (Vaswani et al., 2017)':
    a quoted or italic title right next to an author–year citation belongs to it."""
    for m in _PROSE_TITLE_RE.finditer(text, max(a, cite.start - 320), min(b, cite.end + 320)):
        gap = text[cite.end : m.start()] if m.start() >= cite.end else text[m.end() : cite.start]
        if len(gap) <= 6 and not any(ch.isalnum() for ch in gap.replace("(", "").replace(")", "")):
            start, end = min(cite.start, m.start()), max(cite.end, m.end())
            if m.end() <= cite.start and text[cite.start - 1 : cite.start] == "(" and text[cite.end : cite.end + 1] == ")":
                end += 1  # '"Title" (Vaswani et al., 2017)': the closing parenthesis too
            title = clean_text(next(g for g in m.groups() if g)).rstrip(" ,.")
            return _citation(
                text, start, end, title=title, authors=cite.authors, et_al=cite.et_al, year=cite.year
            )
    return cite


# --- tables --------------------------------------------------------------------------------------

_COLUMNS = {
    "title": ("title", "paper", "publication", "work", "article", "reference"),
    "authors": ("author", "authors", "by"),
    "year": ("year", "date", "published"),
    "venue": ("venue", "conference", "journal", "source", "published in", "booktitle"),
}


def _cells(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """(start, end) of each cell of a markdown table row, whitespace trimmed."""
    cells, pos = [], a
    line = text[a:b]
    i0 = line.find("|")
    pos = a + i0 + 1
    while pos <= b:
        nxt = text.find("|", pos, b)
        end = b if nxt < 0 else nxt
        s, e = pos, end
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        cells.append((s, e))
        if nxt < 0:
            break
        pos = nxt + 1
    if cells and cells[-1][0] == cells[-1][1]:
        cells.pop()
    return cells


def _table_citations(text: str, rows: list[tuple[int, int]]) -> list[Citation]:
    """Markdown tables of papers: the header names the columns; each data row is one citation."""
    if len(rows) < 2 or not _TABLE_SEP_RE.match(text, *rows[1]):
        return [c for a, b in rows for c in _prose_citations(text, a, b)]
    header = [text[s:e].strip("* ").lower() for s, e in _cells(text, *rows[0])]
    role: dict[str, int] = {}
    for i, h in enumerate(header):
        for name, words in _COLUMNS.items():
            if name not in role and any(h == w or h.startswith(w + " ") or h.startswith(w + "(") for w in words):
                role[name] = i
    out: list[Citation] = []
    for a, b in rows[2:]:
        cells = _cells(text, a, b)
        if "title" not in role or role["title"] >= len(cells):
            out.extend(_prose_citations(text, a, b))
            continue

        def cell(name: str, cells: list[tuple[int, int]] = cells) -> str:
            i = role.get(name)
            return text[cells[i][0] : cells[i][1]] if i is not None and i < len(cells) else ""

        title = parse_reference(cell("title")).title or clean_text(cell("title")).strip("*\"“” ")
        if not title:
            continue
        authors, et_al = parse_authors(cell("authors"))
        ids = find_identifiers(text[a:b])
        start, end = cells[0][0], cells[-1][1]
        out.append(
            _citation(
                text, start, end, title=title, authors=authors, et_al=et_al,
                year=find_year(cell("year")) or find_year(cell("venue")),
                venue=clean_text(cell("venue")).strip("*_ ") or None,
                doi=next((i.doi for i in ids if i.doi), None),
                arxiv_id=next((i.arxiv_id for i in ids if i.arxiv_id), None),
                url=next((i.url for i in ids if i.url), None),
            )
        )
    return out
