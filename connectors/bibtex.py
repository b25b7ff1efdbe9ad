"""A tolerant, linear-time BibTeX parser, and BibTeX -> Record.

Hand-written because BibTeX arrives from two hostile places: user bibliographies and LLM output.
Both contain broken entries, missing commas, stray text, and entries pasted inside markdown, and the
verifier parses text users send it, so the parser must never crash and never backtrack: every scan
is a forward `re.finditer`/`search` over delimiter tokens, so 1 MB of `{{{{` or `@@@@` costs one
pass. A broken entry (unbalanced braces) is skipped and counted; parsing resumes at the next `@`
that starts a line, which is where the next entry almost always begins.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from citeproof.connectors.dumpformat import Claim, DumpFormat, TextLayout
from citeproof.connectors.records import make_record, split_name, split_outside_braces, year_of
from citeproof.connectors.source import PathLike, Source
from citeproof.identifiers import arxiv_id_from, norm_arxiv_id
from citeproof.models import Author, ReadStats, Record
from citeproof.text import single_spaced

__all__ = ["BIBTEX", "BibEntry", "parse_bibtex", "read_bibtex", "record_from_bibtex", "split_authors"]


@dataclass(frozen=True)
class BibEntry:
    """One parsed entry. `start`/`end` are character offsets of `@...}` in the parsed text, so a
    caller can point at (or replace) the exact span of a citation pasted in a larger text."""

    key: str
    type: str
    fields: dict[str, str] = field(default_factory=dict)
    start: int = 0
    end: int = 0


# An entry header: `@type{` or `@type(`. Identifier characters never overlap the separators that
# follow, so a failed match gives back at most the identifier: no catastrophic backtracking.
_ENTRY_START = re.compile(r"@[ \t]*([A-Za-z][\w:-]*)[ \t\r\n]*([{(])")
_LINE_START_ENTRY = r"\n[ \t]*(?=@[ \t]*[A-Za-z][\w:-]*[ \t\r\n]*[{(])"
_LINE_START_RE = re.compile(_LINE_START_ENTRY)
# Tokens of a braced or quoted value: an innermost group ('{GAN}': balanced, skipped whole), a run of
# opening or closing braces (counted at once: '{' * 1,000,000 is one token, not a million), a
# parenthesis or quote, an entry starting on a new line. No '@' inside an innermost group, so an entry
# start is never swallowed.
_GROUP_TOKENS = re.compile(r"\{[^{}()@]*\}|\{+|\}+|[()]|" + _LINE_START_ENTRY)
_QUOTE_TOKENS = re.compile(r'\{[^{}"@]*\}|\{+|\}+|"|' + _LINE_START_ENTRY)
# A braced value with no brace and no line break inside (most values): its first "}" closes it, as
# `_match_close` would find token by token (parentheses do not count in braces, and an entry can only
# start at a line start); a fifth of the parse of an LLM-written reference list.
_FLAT_GROUP = re.compile(r"\{([^{}\n]*)\}")
_WS = re.compile(r"\s*")
_WS_COMMAS = re.compile(r"[\s,]*")
_IDENT = re.compile(r"[^\s\"#%'(),={}@]+")
_FIELD_HEAD = re.compile(r"([^\s\"#%'(),={}@]+)\s*=\s*")
_KEY = re.compile(r"[^\s,{}()=\"@]*")
_NUMBER = re.compile(r"\d+")
_AND = re.compile(r"[{}]|\s+and\s+", re.IGNORECASE)
# Archive names (`hep-th`, `cond-mat`) are short: bounding them keeps a field of repeated "arxiv"
# linear (unbounded, each occurrence rescanned the rest of the letters: quadratic).
_ARXIV_IN_TEXT = re.compile(r"arxiv[:\s/.]*(?:abs/)?([a-z\-]{1,64}(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})", re.I)

_JUNK_END = {"}": re.compile(r"[,\n}]"), ")": re.compile(r"[,\n)]")}
# BibTeX predefines the month macros `jan` ... `dec`.
_MONTH_MACROS = {
    m[:3].lower(): m
    for m in "January February March April May June July August September October November December".split()
}


class _Broken(Exception):
    """An entry cannot be completed; parsing resumes at `resume`."""

    def __init__(self, resume: int, reason: str) -> None:
        super().__init__(reason)
        self.resume = resume
        self.reason = reason


class _Parser:
    def __init__(
        self, text: str, stats: ReadStats, where: str, macros: dict[str, str], line_base: int
    ) -> None:
        self.text = text
        self.n = len(text)
        self.stats = stats
        self.where = where
        self.macros = macros
        self._line_base = line_base
        self._lpos = 0
        self._lno = 1
        self._unreported = 0

    # -- helpers ----------------------------------------------------------------------------------
    def rewind(self) -> None:
        self._lpos, self._lno = 0, 1

    def line(self, pos: int) -> int:
        """Line number of `pos`; incremental, so calls with increasing positions cost one pass."""
        if pos < self._lpos:
            self.rewind()
        self._lno += self.text.count("\n", self._lpos, pos)
        self._lpos = pos
        return self._line_base + self._lno

    def _skip_ws(self, pos: int) -> int:
        return _WS.match(self.text, pos).end()  # type: ignore[union-attr]

    def _match_close(self, pos: int, close: str) -> int:
        """Index of the delimiter closing a group opened just before `pos` (`}` counts braces;
        `)` ends at brace depth 0). Raises `_Broken` at a line-start entry or end of text."""
        depth = 0
        for m in _GROUP_TOKENS.finditer(self.text, pos):
            t = m.group(0)
            c = t[0]
            if c == "{":
                if t[-1] != "}":
                    depth += len(t)  # (else a balanced innermost group: depth unchanged)
            elif c == "}":
                if close == "}" and len(t) > depth:
                    return m.start() + depth
                depth = max(0, depth - len(t))
            elif t == ")":
                if depth == 0 and close == ")":
                    return m.start()
            elif t != "(":
                raise _Broken(m.end(), "unbalanced braces (next entry starts inside it)")
        raise _Broken(self.n, "unbalanced braces (runs to the end of the text)")

    def _quoted_end(self, pos: int) -> int:
        """Index of the `"` closing a quoted value opened just before `pos` (braces protect quotes)."""
        depth = 0
        for m in _QUOTE_TOKENS.finditer(self.text, pos):
            t = m.group(0)
            c = t[0]
            if c == "{":
                if t[-1] != "}":
                    depth += len(t)
            elif c == "}":
                depth = max(0, depth - len(t))
            elif t == '"':
                if depth == 0:
                    return m.start()
            else:
                raise _Broken(m.end(), "unterminated quoted value (next entry starts inside it)")
        raise _Broken(self.n, "unterminated quoted value")

    def _value(self, pos: int) -> tuple[str, int]:
        """A field value: parts (`{..}`, `".."`, number, macro) joined by `#`."""
        parts: list[str] = []
        text = self.text
        while pos < self.n:
            c = text[pos]
            if c == "{":
                if (m := _FLAT_GROUP.match(text, pos)) is not None:
                    parts.append(m.group(1))
                    pos = m.end()
                else:
                    end = self._match_close(pos + 1, "}")
                    parts.append(text[pos + 1 : end])
                    pos = end + 1
            elif c == '"':
                end = self._quoted_end(pos + 1)
                parts.append(text[pos + 1 : end])
                pos = end + 1
            elif (m := _NUMBER.match(text, pos)) is not None:
                parts.append(m.group(0))
                pos = m.end()
            elif (m := _IDENT.match(text, pos)) is not None:
                name = m.group(0)
                parts.append(self.macros.get(name.lower(), _MONTH_MACROS.get(name.lower(), name)))
                pos = m.end()
            else:
                break
            pos = self._skip_ws(pos)
            if pos < self.n and text[pos] == "#":
                pos = self._skip_ws(pos + 1)
                continue
            break
        return single_spaced("".join(parts)), pos

    def _skip_junk(self, pos: int, close: str) -> int:
        """Skip text that is not `name = value` up to the next comma, closing delimiter or line."""
        m = _JUNK_END[close].search(self.text, pos + 1)
        if m is None:
            raise _Broken(self.n, "unterminated entry")
        return m.start()

    # -- entries ----------------------------------------------------------------------------------
    def _fields(self, pos: int, close: str) -> tuple[dict[str, str], int]:
        fields: dict[str, str] = {}
        text = self.text
        while True:
            pos = _WS_COMMAS.match(text, pos).end()  # type: ignore[union-attr]
            if pos >= self.n:
                raise _Broken(self.n, "unterminated entry (no closing delimiter)")
            c = text[pos]
            if c == close:
                return fields, pos + 1
            if c == "@":
                raise _Broken(pos, "unterminated entry (next entry starts inside it)")
            m = _FIELD_HEAD.match(text, pos)
            if m is None:  # not `name =`: stray text inside the entry
                pos = self._skip_junk(pos, close)
                continue
            value, pos = self._value(m.end())
            fields.setdefault(m.group(1).lower(), value)  # BibTeX keeps the first of duplicate fields

    def _entry(self, kind: str, body: int, close: str, start: int) -> tuple[BibEntry, int]:
        text = self.text
        pos = self._skip_ws(body)
        km = _KEY.match(text, pos)
        assert km is not None
        key = km.group(0)
        after = self._skip_ws(km.end())
        if after < self.n and text[after] == "=":  # no key: `@misc{title = ...}`
            key, after = "", pos
        fields, end = self._fields(after, close)
        return BibEntry(key=key, type=kind, fields=fields, start=start, end=end), end

    def _string(self, body: int, close: str) -> int:
        fields, end = self._fields(body, close)
        for name, value in fields.items():
            self.macros[name] = value
        return end

    def parse(self) -> list[BibEntry]:
        out: list[BibEntry] = []
        pos = 0
        while (m := _ENTRY_START.search(self.text, pos)) is not None:
            kind = m.group(1).lower()
            close = "}" if m.group(2) == "{" else ")"
            try:
                if kind in ("comment", "preamble"):
                    pos = self._match_close(m.end(), close) + 1
                elif kind == "string":
                    pos = self._string(m.end(), close)
                else:
                    entry, pos = self._entry(kind, m.end(), close, m.start())
                    out.append(entry)
            except _Broken as b:
                pos = max(b.resume, m.end())
                if kind != "comment":
                    self._report(m.start(), m.end(), b.reason)
        if self._unreported:
            self.stats.skipped += self._unreported
        return out

    def _report(self, start: int, body: int, reason: str) -> None:
        # Once the error list is full only the count matters; building messages for 300k broken
        # entries of hostile input would dominate the parse time.
        if len(self.stats.errors) >= self.stats.max_errors_kept:
            self._unreported += 1
            return
        label = self.text[start : min(body + 40, self.n)].split("\n", 1)[0]
        line = self.line(start)
        self.stats.skip(f"{self.where}:{line}" if self.where else f"line {line}", f"{reason}: {label!r}")


def parse_bibtex(text: str, stats: ReadStats | None = None, *, where: str = "") -> list[BibEntry]:
    """All BibTeX entries found in `text`, also inside surrounding prose or markdown fences.

    `@string` macros are expanded, `#` concatenations joined, `@comment`/`@preamble` skipped. A broken
    entry is skipped and counted in `stats` with its line number (prefixed by `where`, e.g. a file
    name). Never raises on any input.
    """
    return _Parser(text, stats if stats is not None else ReadStats(), where, {}, 0).parse()


def split_authors(value: str) -> list[Author]:
    """A BibTeX name list -> Authors: split on `and` outside braces, `others` dropped."""
    names = split_outside_braces(value, _AND, lambda _tok: True)
    out: list[Author] = []
    for name in names:
        if name.strip().lower() in ("others", "et al.", "et al"):
            continue
        a = split_name(name)
        if a is not None:
            out.append(a)
    return out


def _unescape(s: str | None) -> str | None:
    """DOIs and URLs in BibTeX escape `_`, `%`, `&`, `#` and may be braced; nothing else applies."""
    if not s:
        return None
    for a, b in (("\\_", "_"), ("\\%", "%"), ("\\&", "&"), ("\\#", "#"), ("{", ""), ("}", "")):
        s = s.replace(a, b)
    return s.strip() or None


def _arxiv_id(f: dict[str, str], doi: str | None, url: str | None) -> str | None:
    eprint = f.get("eprint")
    prefix = (f.get("archiveprefix") or f.get("eprinttype") or "").lower()
    if eprint and (prefix == "arxiv" or not prefix):
        found = norm_arxiv_id(eprint)
        if found:
            return found
    if f.get("arxiv"):
        found = norm_arxiv_id(f["arxiv"])
        if found:
            return found
    found = arxiv_id_from(doi, url)
    if found:
        return found
    for k in ("journal", "note", "howpublished"):  # Google Scholar: journal={arXiv preprint arXiv:1706.03762}
        m = _ARXIV_IN_TEXT.search(f.get(k, ""))
        if m:
            return norm_arxiv_id(m.group(1))
    return None


def record_from_bibtex(entry: BibEntry, *, authors: bool = True) -> Record:
    """One BibTeX entry -> Record with id `bib:<key>`; LaTeX decoded everywhere. `authors=False` leaves
    the record's authors empty, for a caller that reads the names its own way (the extractor, whose
    free-text name parser takes LLM-written lists): splitting them is a fifth of an entry's cost."""
    f = entry.fields
    doi = _unescape(f.get("doi"))
    url = _unescape(f.get("url"))
    return make_record(
        id=f"bib:{entry.key}" if entry.key else None,
        title=f.get("title"),
        authors=split_authors(f.get("author") or f.get("editor") or "") if authors else [],
        year=year_of(f.get("year")) or year_of(f.get("date")),
        venue=f.get("journal") or f.get("journaltitle") or f.get("booktitle"),
        doi=doi,
        arxiv_id=_arxiv_id(f, doi, url),
        pmid=f.get("pmid"),
        url=url,
        type=entry.type,
        source="bibtex",
    )


_BLOCK = 1 << 20


def _entries(src: Source, stats: ReadStats) -> Iterator[tuple[str, BibEntry]]:
    """Stream a .bib file in blocks cut just before a line-start `@entry{`: the parser treats such a
    line as the start of a new entry anyway, so cutting there never changes what is parsed."""
    macros: dict[str, str] = {}
    buf = ""
    line_base = 0
    scanned = 0
    while True:
        chunk = src.read(_BLOCK)
        buf += chunk
        if chunk:
            cut = -1
            for m in _LINE_START_RE.finditer(buf, max(0, scanned - 64)):
                cut = m.end()
            scanned = len(buf)
            if cut <= 0:
                continue
            part, buf = buf[:cut], buf[cut:]
            scanned = len(buf)
        else:
            part, buf = buf, ""
        parser = _Parser(part, stats, src.name, macros, line_base)
        entries = parser.parse()
        parser.rewind()
        for e in entries:
            yield f"{src.name}:{parser.line(e.start)}", e
        line_base += part.count("\n")
        if not chunk:
            return


# An entry header at the start of a line, anywhere in the sniffed head (a .bib file may open with prose).
_BIB_ENTRY = re.compile(rb"(?m)^[ \t]*@[ \t]*[A-Za-z]+[ \t\r\n]*[{(]")


def _claims_bibtex(head: bytes) -> bool:
    return head.startswith((b"@", b"%")) or _BIB_ENTRY.search(head) is not None


BIBTEX = DumpFormat(
    "bibtex",
    (TextLayout(_entries, record_from_bibtex, claims=(Claim(10, _claims_bibtex),)),),
    suffixes=(".bib",),
)


def read_bibtex(source: PathLike | Source, stats: ReadStats | None = None) -> Iterator[Record]:
    """Records of a .bib file (gzipped or not), streamed block by block."""
    return BIBTEX.read(source, stats)
