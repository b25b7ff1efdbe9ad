"""Find every citation in a text, with its exact character span, and parse its fields.

An LLM answer mixes prose, reference lists (numbered, bulleted, one per line or paragraph), markdown
tables, BibTeX blocks and bare identifiers. The extractor walks the text once, line by line:

* structured blocks (JSON, YAML and "Key: value" groups, HTML lists and tables, LaTeX bibliographies,
  markdown tables with a header) are read first by `structure.py`, with real parsers; the passes below
  skip what it read;
* BibTeX entries (a whole .bib file, or blocks inside prose or code fences) are read by
  `connectors.bibtex`, one citation per entry with its key;
* other code fences are skipped: code is not a citation;
* lines are grouped into units: a list item (marker stripped, the span starts after it; footnote
  definitions "[^1]:" and LaTeX "\\bibitem{key}" count as markers), a line, or a paragraph whose
  lines wrap mid-sentence or go on indented; a unit whose parse has reference shape (title plus
  authors or a marked title, plus a year or an identifier) is one citation;
* in everything else (prose), author–year citations ("Vaswani et al. (2017)", "(Hinton, 2006)",
  "[Hinton, 2006]"), titles quoted next to them, titles with their authors named in the sentence
  ('"Title" by A and B (Venue, 2021)', 'In *Title* (2020), Smith and colleagues show',
  "Smith et al.'s *Title* (2020)") and standalone identifiers (DOI, arXiv id, PMID, ISBN, the URL of
  a paper's page: OpenReview, ACL Anthology, Semantic Scholar, PubMed, publishers) are citations of
  their own; an ordinary link (code, a blog) is not;
* finally `link_mentions` attaches in-text mentions ("Smith et al. (2020)", "[2, 5-7]", "[^1]",
  "<sup>1</sup>", "\\cite{key}") to the entry of the answer's own reference list they point to: they
  go to that entry's `mentions` instead of being citations that need verifying.

`raw == text[start:end]` always holds. Work is linear in the input: lines are handled one at a
time, a unit too long to be one reference is treated as prose, and every regex is bounded. In-text
mentions are read up to `MAX_MENTIONS` per text (a survey holds hundreds; tens of thousands are an
attack or junk): past that point no more are read, and a warning says where reading stopped.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TypedDict

from citeproof.connectors.bibtex import BibEntry, parse_bibtex, record_from_bibtex
from citeproof.errors import DumpFormatError
from citeproof.identifiers import norm_doi
from citeproof.models import Author, Citation
from citeproof.text import clean_text, fold, has_letters
from citeproof.verifier.names import looks_like_names, parse_authors
from citeproof.verifier.refparse import (
    Identifier,
    ParsedReference,
    find_identifiers,
    find_year,
    norm_isbn,
    parse_reference,
)
from citeproof.verifier.structure import Structures, read_structures
from citeproof.verifier.tagged import TaggedUnit, read_tagged
from citeproof.verifier.venues import canonical_venue
from citeproof.vocabulary import (
    AND_AFTER_INITIAL_PATTERN,
    COLLEAGUES_PATTERN,
    NARRATIVE_PARTICLE_PATTERN,
    OTHERS_PATTERN,
    PROSE_PARTICLE_PATTERN,
    PROSE_PARTICLES,
    YEAR,
)

__all__ = ["MAX_MENTIONS", "bibliography_cuts", "extract_citations", "is_bibliography", "link_mentions"]

MAX_REFERENCE_CHARS = 1500  # a longer unit is prose (or an attack), never one reference
MAX_MENTIONS = 5000  # in-text mentions read per text: author–year citations and numeric markers

_log = logging.getLogger(__name__)


class _Budget:
    """How many more in-text mentions this text may have read, and where reading them stopped."""

    __slots__ = ("left", "limit", "stopped_at", "tags_left")

    def __init__(self, limit: int) -> None:
        self.limit = self.left = limit
        self.stopped_at: int | None = None
        self.tags_left = _MAX_TAGGED_UNITS

    def tag(self) -> bool:
        """Whether one more unit may be read by the field tagger."""
        self.tags_left -= 1
        return self.tags_left >= 0

    def take(self, pos: int) -> bool:
        if self.left > 0:
            self.left -= 1
            return True
        self.stopped_at = pos if self.stopped_at is None else min(self.stopped_at, pos)
        return False

    def warn(self) -> None:
        if self.stopped_at is not None:
            _log.warning(
                "the text holds more than %d in-text mentions; those from character %d on were not read",
                self.limit, self.stopped_at,
            )

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
_FENCE_LINE_RE = re.compile(r"^" + _FENCE_RE.pattern, re.MULTILINE)
# Indentation, blockquote marks, then an optional list marker: - * • + 1. 1) (1) [1] a), the label of
# a markdown footnote definition ([^1]:) or a LaTeX \bibitem{key}
_MARKER_RE = re.compile(
    r"[ \t]{0,16}(?:>[ \t]{0,2}){0,3}(?P<marker>(?:[-*•+▪◦‣]|\(?\d{1,3}[.)]|\*\*\d{1,3}[.)]\*\*|\[\d{1,3}\]|[a-z]\)|\[\^[\w-]{1,20}\]:)[ \t]+"
    r"|\\bibitem(?:\[[^\]\n]{0,40}\])?\{[^{}\n]{0,100}\}[ \t]*)?"
)
_HEADING_RE = re.compile(r"[ \t]{0,3}(?:#{1,6}(?:[ \t]|$)|[-=*_ \t]{3,}$)")
_TABLE_RE = re.compile(r"[ \t]{0,3}\|")
_TABLE_SEP_RE = re.compile(r"[ \t]{0,3}\|?[ \t]{0,5}:?-{2,}")
_CONTINUES_RE = re.compile(r"(?:[^\W\d_]|[,;&(–-])$")


def _upper_class() -> str:
    """A character class of the upper-case Latin, Greek and Cyrillic letters (`re` has no \\p{Lu})."""
    ups = [c for c in range(0x250) if chr(c).isupper()] + [c for c in range(0x370, 0x530) if chr(c).isupper()]
    ranges: list[tuple[int, int]] = []
    for c in ups:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1] = (ranges[-1][0], c)
        else:
            ranges.append((c, c))
    return "[" + "".join(re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "") for a, b in ranges) + "]"


_UP = _upper_class()

# '(Smith, 2020)', '[Smith, 2020]' (not the text of a markdown link: '[ImageNet 2012](https://...)')
_PAREN_GROUP_RE = re.compile(r"\(([^()\n]{4,400})\)|\[([^\[\]\n]{4,400})\](?!\()")
_AUTHOR_YEAR_RE = re.compile(
    r"(?:(?:e\.g\.|i\.e\.|see(?:\s+also)?|cf\.)[, ]{1,3})?([^\d();]{2,150}?),?\s{1,3}(" + YEAR + r")[a-z]?"
    r"(?:,\s{0,2}pp?\.\s{0,2}\d{1,5}(?:[-–]\d{1,5})?)?\s{0,3}$"
)
# A family name in running text: 'Vaswani', 'van der Maaten', "d'Amore", 'Álvarez'.
_FAMILY = rf"(?:{NARRATIVE_PARTICLE_PATTERN}\s){{0,3}}(?:[a-z]{{1,2}}['’])?{_UP}[\w'’\-]{{1,40}}"
_NARRATIVE_RE = re.compile(
    rf"(?<![\w'’])({_FAMILY}(?:\s(?:&|{AND_AFTER_INITIAL_PATTERN})\s{_FAMILY}|\set\.?\sal\.?|\s{COLLEAGUES_PATTERN}|\s{OTHERS_PATTERN}))"
    r"(?:['’]s|(?<=s)['’])?\s\((" + YEAR + r")[a-z]?\)"  # "Smith et al.'s (2020)", "Smith and colleagues' (2020)"
)
# 'Liu (2023) shows ...': one name and a year. Too weak to be a citation on its own ('Python (2023)'),
# it is one only next to a title ('Liu (2023), in *Title*') or linked to an entry of the answer's
# reference list with that first author and year.
_ONE_NAME_NARRATIVE_RE = re.compile(rf"(?<![\w'’])({_FAMILY})(?:['’]s)?\s\(({YEAR})[a-z]?\)")
# (Here and below, a leading lookahead names the characters a match can start with: no match changes,
# but the engine rejects other positions at once; 124 -> 87 ms over every dev text for this one.)
_EVIDENCE_RE = re.compile(r"(?=[\d\"“„«os])(?:\d|[\"“„«]|openreview\.net/|semanticscholar\.org/)", re.IGNORECASE)
_PAREN_YEAR_IN_TITLE_RE = re.compile(r"\([^()]{0,80}\b" + YEAR + r"[a-z]?\)")
_QUOTED_YEAR_RE = re.compile(
    r'(?:"([^"\n]{8,300})"|“([^”\n]{8,300})”)[\s,]{0,3}\(([^()\n]{0,60}?)\b(' + YEAR + r')[a-z]?\)'
)
# Marks that set a title apart: a quote that opens it and the one that closes it (English, German,
# French, CJK title marks), and the marks that close themselves (quotes, markdown emphasis).
_QUOTE_PAIRS = {"“": "”", "„": "“", "«": "»", "《": "》", "「": "」", "『": "』"}
_OPENER_OF = {close: open_ for open_, close in _QUOTE_PAIRS.items()}  # ('“' closes '„')
_SELF_CLOSING = '"*_'
_TITLE_OPENERS = _SELF_CLOSING + "".join(_QUOTE_PAIRS)
_PROSE_TITLE_RE = re.compile(
    "(?=[" + re.escape(_TITLE_OPENERS) + "])(?:"
    r'"([^"\n]{8,300})"|“([^”\n]{8,300})”|(?<!\*)\*(?=[^\s*])([^*\n]{8,300})(?<=\S)\*(?!\*)'
    r"|(?<![*\w])\*\*(?=[^\s*])([^*\n]{8,300})(?<=\S)\*\*(?!\*)"  # **bold**
    r"|(?<![\w_])_(?=[^\s_])([^_\n]{8,300})(?<=\S)_(?![\w_])"  # _italic_ (not snake_case)
    r"|„([^“”\n]{8,300})[“”]|«\s?([^»\n]{8,300}?)\s?»"  # German, French quotes
    r"|《([^》\n]{2,300})》|「([^」\n]{2,300})」|『([^』\n]{2,300})』)"  # CJK title marks
)  # (the lookahead first: the scan skips to a quote or mark instead of trying each alternative everywhere)


# "Vaswani", "O'Neil", "d'Amore", "J.", "J.-B.", "J" (an initial written without its dot)
_NAME_TOKEN = rf"(?:(?:[a-z]{{1,2}}['’])?{_UP}[\w'’\-]{{1,40}}|{_UP}\.(?:-?{_UP}\.){{0,3}}|{_UP}(?![\w'’]))"
_NAME = rf"(?:{PROSE_PARTICLE_PATTERN}\s)*{_NAME_TOKEN}(?:\s(?:{PROSE_PARTICLE_PATTERN}\s)*{_NAME_TOKEN}){{0,4}}"
# An author list in running text: 'Dmitry Chistikov, Matthias Englert, and Ranko Lazic', 'Bai et al.',
# 'Smith and colleagues'. Names are separated by ', ' or ' and '; words inside a name by one space, so a
# match is unambiguous and the regex never backtracks far.
_PROSE_NAMES = (
    rf"{_NAME}(?:(?:,\s{{1,2}}(?:and\s|&\s)?|\s(?:and|&)\s){_NAME}){{0,40}}"
    rf"(?:,?\s(?:et\s?al\.?|and\sothers|{COLLEAGUES_PATTERN}|{OTHERS_PATTERN}))?"
)
# After a quoted or italic title: 'by A and B (Venue, 2021)' ...
# (or '(ICLR 2021) by A and B')
_BY_NAMES_RE = re.compile(
    rf"(?:\s{{0,3}}\((?P<paren0>[^()\n]{{1,80}})\))?,?\s{{1,3}}by\s{{1,3}}(?P<names>{_PROSE_NAMES})"
    r"(?:\s{1,3}\((?P<paren>[^()\n]{1,80})\))?"
)
# Before it: 'Chowdhery et al.'s *PaLM* (2022)', 'Smith and Lee's "Title"'.
_POSSESSIVE_RE = re.compile(r"['’]s\s{1,3}$")
_POSSESSIVE_NAMES_RE = re.compile(rf"{_FAMILY}(?:\s(?:and|&)\s{_FAMILY}|\set\.?\sal\.|\sand\scolleagues)?")
# ... or '(2020), Smith and colleagues' ('In *Title* (2020), Smith and colleagues show ...').
_PAREN_NAMES_RE = re.compile(
    rf"\s{{0,3}}\((?P<paren>[^()\n]{{0,60}}?\b{YEAR}[a-z]?)\),?\s{{1,3}}(?P<names>{_PROSE_NAMES})"
)


@dataclass(slots=True)
class _Unit:
    """A candidate reference: a list item (marker excluded), a line, or a wrapped paragraph."""

    start: int
    end: int
    item: bool
    indent: int = 0  # columns of indentation of the unit's first line (before any list marker)
    works: int = 0  # an item of a list of works: _LISTED (by its shape) or _NAMED (by its intro); `_mark_lists_of_works`


def extract_citations(text: str) -> list[Citation]:
    """Every citation in `text`, in order of position, with exact spans and parsed fields."""
    if not text or not text.strip():
        return []
    original = text
    if _WIDE_RE.search(text):
        text = text.translate(_NARROW)  # one character for one: every span still points into `original`
    cites: list[Citation] = []
    skip: list[tuple[int, int]] = []
    budget = _Budget(MAX_MENTIONS)
    # Structured blocks first (JSON, YAML, HTML, LaTeX bibliographies, headed tables: structure.py);
    # the free-text passes skip what they read.
    entries = _bibtex_citations(text)
    # A bibliography file and nothing else (the common batch input) holds no markdown, JSON or HTML
    # around its entries: reading it for structures was 40% of its extraction time.
    structured = Structures() if entries and _only_entries(text, entries) else read_structures(text)
    cites.extend(structured.citations)
    skip.extend(structured.spans)
    bib = [c for c in entries if not structured.covers(c.start)]
    cites.extend(bib)
    skip.extend((c.start, c.end) for c in bib)
    fences = _code_fences(text)
    skip.extend(fences)
    for a, b in _free_regions(text, skip):
        cites.extend(_region_citations(text, a, b, budget))
    cites.sort(key=lambda c: c.start)
    out = _link_mentions(text, cites, budget, fences)
    budget.warn()
    if text is not original:
        out = [c.model_copy(update={"raw": original[c.start : c.end]}) for c in out]
    return out


# Full-width forms of ASCII ('，', '（', '：', 'Ａ'), the ideographic space, full stop and comma, as CJK
# text writes the punctuation around a citation ('He 等人（2016），《Title》，CVPR。'): read as their ASCII
# forms, one character for one. Title marks ('《》', '「」') stay: they set titles apart.
_NARROW = {0xFF01 + i: 0x21 + i for i in range(94)} | {0x3000: 0x20, 0x3001: 0x2C, 0x3002: 0x2E}
_WIDE_RE = re.compile("[\uff01-\uff5e\u3000-\u3002]")


# --- BibTeX and code ---------------------------------------------------------------------------


def _only_entries(text: str, entries: list[Citation]) -> bool:
    """Whether `text` is BibTeX entries and nothing else but blank space and `%` comment lines."""
    pos = 0
    for c in sorted(entries, key=lambda c: c.start):
        if c.start > pos and any(line.strip() and not line.lstrip().startswith("%") for line in text[pos : c.start].splitlines()):
            return False
        pos = max(pos, c.end)
    return not any(line.strip() and not line.lstrip().startswith("%") for line in text[pos:].splitlines())


# What keeps a bibliography from being read in pieces: a comment line (it may hold a mention of an entry
# of another piece), a macro or preamble (its definitions serve every later entry), a fence.
_COMMENT_LINE_RE = re.compile(r"^[ \t]*%", re.MULTILINE)
_WHOLE_FILE_ENTRY_RE = re.compile(r"@(?i:string|preamble|comment)\b")


def _uncuttable(text: str) -> bool:
    # substring tests first: a regex over a whole file costs more than the cut it decides
    if "%" in text and _COMMENT_LINE_RE.search(text):
        return True
    if "```" in text or "~~~" in text:
        return True
    return _WHOLE_FILE_ENTRY_RE.search(text) is not None


def bibliography_cuts(text: str, parts: int, sizes: Sequence[int] | None = None) -> list[int]:
    """Where `text`, a BibTeX file and nothing else, can be cut into about `parts` pieces of similar
    size (or of about the relative `sizes`, one per piece) that are each read as the whole is: the
    offsets of entry lines ('@article{key,' opening a line). The BibTeX parser starts afresh at each
    of them, even after an entry whose braces never close (`connectors.bibtex`: a line-start entry
    ends any open value), and so does the repair of a broken entry (`_broken_entry_end`). Empty when `text` is anything else (a comment line, a macro,
    a fence, not opening with an entry) or too small to cut; `is_bibliography` then confirms each
    piece read (a `Verifier` with workers falls back to reading the whole when one is not)."""
    if parts < 2 or not text.lstrip().startswith("@") or _uncuttable(text):
        return []
    sizes = list(sizes) if sizes is not None else [1] * parts
    total = sum(sizes)
    cuts: list[int] = []
    for i in range(1, parts):
        pos = max(len(text) * sum(sizes[:i]) // total, cuts[-1] + 1 if cuts else 1)
        while (pos := text.find("\n", pos - 1) + 1) > 0:
            if _ENTRY_LINE_RE.match(text, pos):
                cuts.append(pos)
                break
            pos += 1
        else:
            break
    return cuts


def is_bibliography(text: str, citations: Sequence[Citation]) -> bool:
    """Whether `citations`, extracted from `text`, are BibTeX entries with nothing but blank space around
    and between them, and no mentions: what a piece cut by `bibliography_cuts` must be for the pieces'
    citations to be those of the whole (no prose, comment or label around them that could refer to an
    entry of another piece)."""
    if not citations or _uncuttable(text):
        return False
    pos = 0
    for c in citations:
        if c.start < pos or c.mentions or text[pos : c.start].strip() or not text.startswith("@", c.start):
            return False
        pos = c.end
    return not text[pos:].strip()


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
    try:
        rec = record_from_bibtex(e, authors=False)  # (the names are read above)
    except DumpFormatError:  # no usable title: still a claim, with whatever else it states
        stated: dict[str, object] = {"year": find_year(e.fields.get("year", "")), "doi": norm_doi(e.fields.get("doi"))}
    else:
        stated = {
            "title": rec.title, "year": rec.year, "venue": rec.venue, "doi": rec.doi, "arxiv_id": rec.arxiv_id,
            "url": rec.url, "pmid": rec.pmid,
        }
    # (one model, its fields validated once: not a citation copied with the record's fields)
    return Citation(
        raw=text[start:end], start=start, end=end, key=e.key or None, authors=authors, et_al=et_al,
        isbn=norm_isbn(e.fields.get("isbn")), **stated,
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
    if "```" not in text and "~~~" not in text:  # (no fence: BibTeX's `~` spaces made this scan every line)
        return []
    spans = []
    open_at, fence = -1, ""
    # the lines that open with a fence, found by one search rather than a match at every line start
    for m in _FENCE_LINE_RE.finditer(text):
        a, nl = m.start(), text.find("\n", m.end())
        b = len(text) if nl < 0 else nl
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


@dataclass(slots=True)
class _Block:
    """One piece of a region, in order: a unit, a markdown table, or a heading line."""

    start: int
    end: int
    unit: _Unit | None = None
    rows: list[tuple[int, int]] | None = None

    @property
    def heading(self) -> bool:
        return self.unit is None and self.rows is None


def _region_citations(text: str, a: int, b: int, budget: _Budget) -> list[Citation]:
    blocks = _blocks(text, a, b)
    _mark_lists_of_works(text, blocks)
    out: list[Citation] = []
    for blk in blocks:
        if blk.unit is not None:
            out.extend(_unit_citations(text, blk.unit, budget))
        elif blk.rows is not None:
            out.extend(_table_citations(text, blk.rows, budget))
    return out


def _blocks(text: str, a: int, b: int) -> list[_Block]:
    """The region's units, tables and headings, in order (blank lines only end a unit)."""
    blocks: list[_Block] = []
    unit: _Unit | None = None
    table: list[tuple[int, int]] = []

    def flush() -> None:
        nonlocal unit
        if unit is not None:
            blocks.append(_Block(unit.start, unit.end, unit=unit))
            unit = None

    for la, lb in _lines(text, a, b):
        if _TABLE_RE.match(text, la, lb):
            flush()
            table.append((la, lb))
            continue
        if table:
            blocks.append(_Block(table[0][0], table[-1][1], rows=table))
            table = []
        m = _MARKER_RE.match(text, la, lb)
        assert m is not None  # every part of the pattern is optional
        is_item = m.group("marker") is not None
        if not text[la:lb].strip():
            flush()
            continue
        if not is_item and _HEADING_RE.match(text, la, lb):
            flush()
            blocks.append(_Block(la, lb))
            continue
        start = m.end()
        end = _rstrip(text, start, lb)
        indent = _indent(text, la, lb)
        if unit is not None and not is_item and (
            _CONTINUES_RE.search(text, max(unit.start, unit.end - 1), unit.end) or indent > unit.indent
        ):
            unit.end = end  # a wrapped line, or an indented one under it, continues the unit above
            continue
        flush()
        unit = _Unit(start, end, is_item, indent)
    flush()
    if table:
        blocks.append(_Block(table[0][0], table[-1][1], rows=table))
    return blocks


def _indent(text: str, a: int, b: int) -> int:
    i = a
    while i < b and text[i] in " \t":
        i += 1
    return i - a


def _rstrip(text: str, a: int, b: int) -> int:
    while b > a and text[b - 1].isspace():
        b -= 1
    return b


# --- evidence: is it a citation? -----------------------------------------------------------------
#
# A reference with its fields (authors and a year, an identifier) cites by its shape. A title alone,
# or a title with one weak field (a year; one bare word before it; a name but no year), does not: a
# quoted sentence, a slogan, a song, game or product name has that shape too. Such a span cites only
# with evidence around it:
#   * context: it is an item of a list introduced by a sentence or heading that names works
#     ('Here are five papers on ...:', '## References', 'Further reading'), or of a list whose items
#     are all bare titles and that nothing introduces as something else (an answer that is only the
#     list), or its sentence calls it a work ('the paper "..."', 'the 2019 NeurIPS paper by ...');
#   * retrieval: a title-like span with no context becomes a *tentative* citation, which the verifier
#     keeps only when the index holds a work with that title (`Citation.tentative`).
# Without either it is no citation. Whether a span is title-like at all is `_title_shape`.

# What an intro, a heading or a sentence calls the works it lists or names.
_WORKS_RE = re.compile(
    r"\b(?:references?|bibliography|bibliographies|papers?|articles?|books?|textbooks?|publications?|studies"
    r"|literature|readings?|citations?|titles?|surveys?|monographs?|theses|dissertations?|preprints?"
    r"|works\s+cited|proceedings)\b",
    re.IGNORECASE,
)

_NO_TITLE, _PHRASE, _TITLE = 0, 1, 2
# Words that title case leaves lower-case, and that tell nothing about a sentence.
_MINOR_WORDS = frozenset(
    "a an the of in on for and or nor but to with by at from via vs versus as into onto over under about without"
    " within between through toward towards among upon per its their his her than".split()
)
# First and second person, and contractions: a sentence someone says, not a title (unless title-cased:
# 'Attention Is All You Need').
_PERSONAL_WORDS = frozenset(
    "i i'm i've i'll i'd me my mine we we're we've we'll our ours us you you're you've you'll you'd your yours"
    " let's it's that's there's here's".split()
)
_AUX_WORDS = frozenset("is are was were has have had will would can could should must may might does did do".split())
_QUESTION_WORDS = frozenset("what why how when where which who whom whose is are do does did can could should would will".split())
# Verbs that open an instruction ('Open the Settings app', 'Choose a topic'), as the first word of a
# sentence-case span.
_IMPERATIVES = frozenset(
    "add adjust apply ask avoid be begin bring build buy call change check choose clean clear click close"
    " combine compare consider continue cook copy create cut decide delete determine do download drink drive"
    " eat enable enjoy ensure enter explore fill find follow get give go have hold identify include insert"
    " install join keep know leave let limit list listen look make mix move navigate note open order organize"
    " organise pay pick place plan practice practise prepare press print put read reduce remember remove"
    " repeat replace restart review run save search see select send set share show sign sit sleep start stay"
    " stop submit take talk tap tell think try turn type unplug update use visit wait walk wash watch wear"
    " write".split()
)
# A second sentence: '. The city has', '? It is' (not a subtitle after a question: '? Application to ...').
_OBJECT_WORDS = frozenset("a an the your my our his her their it its this that these those some any all each every up out off".split())
_SENTENCE_BREAK_RE = re.compile(r"[.?;]\s+[A-Z][\w'’]*\s+([a-z][\w'’]*)")
_TRIM = " \t\"“”„«»‘’'*_`.,;:"


@lru_cache(maxsize=4096)
def _title_shape(s: str) -> int:
    """How much `s` looks like the title of a work: `_TITLE` (capitalised content words or a nominal
    sentence-case phrase: 'Topology and its Applications', 'Linear logic and its applications'),
    `_PHRASE` (one phrase that a title could be, though sentence-like: 'Attention is all you need',
    a sentence-case question), or `_NO_TITLE` (several sentences, an exclamation, an instruction,
    'Name: what it does', a phrase starting lower-case, too short or too long). Cached: an answer
    names the same title again and again."""
    s = s.strip(_TRIM)
    words = s.split()
    if not 1 <= len(words) <= 40 or len(s) > 300 or "!" in s or not _title_start_ok(s):
        return _NO_TITLE
    if not has_letters(s) or any(m.group(1) not in _MINOR_WORDS for m in _SENTENCE_BREAK_RE.finditer(s)):
        return _NO_TITLE
    if ": " in s and _described(s, False):
        return _NO_TITLE
    low = _lowered(words)
    if _title_cased(words, low):
        return _TITLE if len(words) <= 30 else _PHRASE
    if low[0] in _IMPERATIVES:
        # 'Open the Settings app', 'Choose a topic': an instruction; 'Order matters: ...', 'Explain images
        # with ...' (sentence-case titles that start with a verb) have no object right after it
        return _NO_TITLE if any(w in _OBJECT_WORDS for w in low[1:3]) else _PHRASE
    if any(w in _PERSONAL_WORDS or w in _AUX_WORDS or w.endswith("n't") for w in low):
        return _PHRASE
    if s.endswith("?") and low[0] in _QUESTION_WORDS:
        return _PHRASE
    return _TITLE if len(words) <= 30 else _PHRASE


def _lowered(words: list[str]) -> list[str]:
    return [w.strip("\"“”‘’'()[]*_,.:;?").lower() for w in words]


def _described(s: str, period: bool) -> bool:
    """'Name: what it is or does' - a label and a description, not a title and its subtitle: after
    the colon a sentence-case clause of four words or more that is a sentence (an instruction,
    several sentences: 'Conductive Slime: Make a slime that ...') or, when the item ends with a full
    stop (`period`), any such clause."""
    _, sep, rest = s.partition(": ")
    words = rest.split()
    if not sep or len(words) < 4 or _title_cased(words, _lowered(words)):
        return False
    return period or _title_shape(rest[:1].upper() + rest[1:]) == _NO_TITLE  # (a subtitle may start lower-case)


def _title_cased(words: list[str], low: list[str]) -> bool:
    """Title Case: most content words after the first capitalised (or too few to tell)."""
    n = caps = 0
    for w, lw in zip(words[1:], low[1:], strict=True):
        if lw in _MINOR_WORDS or not any(ch.isalpha() for ch in lw):
            continue
        n += 1
        caps += not w.lstrip("\"“”‘’'([*_")[:1].islower()
    return caps >= 0.7 * n


@lru_cache(maxsize=4096)
def _tentative_ok(title: str) -> bool:
    """Long and title-like enough to be looked up although nothing says it is a work: Title Case
    ('Deep Residual Learning for Image Recognition'), as chat answers write sentence-case bullets
    and quotations far more often than titles."""
    words = title.strip(_TRIM).split()
    return len(words) >= _TENTATIVE_MIN_WORDS and _title_shape(title) == _TITLE and _title_cased(words, _lowered(words))


_HEAD_TITLE_RE = re.compile(r'[ \t]*(?:"([^"\n]{2,300})"|“([^”\n]{2,300})”|\*\*([^*\n]{2,300})\*\*|\*([^*\n]{2,300})\*)')


def _item_title(s: str) -> str | None:
    """The title a list item consists of: a bare title (`_bare_title`), or a marked one with at most a
    short note after it ('"NFS Version 4 Protocol", RFC 3530')."""
    m = _HEAD_TITLE_RE.match(s)
    if m and m.end() < len(s.rstrip()):
        tail = clean_text(s[m.end() :]).strip(" .,;:")
        if len(tail) > 40 or (tail and _YEAR_TOKEN_RE.search(tail)) or "\n" in s:
            return None  # more than a note: a reference with fields, or a described item
        return clean_text(next(g for g in m.groups() if g)).strip(" .,;:") or None
    return _bare_title(s)


def _bare_title(s: str) -> str | None:
    """The title a list item consists of ('Handbook of Topology', '"Title".', '**Title**'), or None
    when the item holds more than one title-like span (quotes inside, a label, a second line)."""
    if "\n" in s:
        return None
    t = s.strip().rstrip(" .,;")
    if t.rstrip("*_").endswith(":"):
        return None  # a label that introduces what follows ('**Pants and Jeans Drawer:**')
    if _described(clean_text(t), s.rstrip().endswith(".")):
        return None  # 'Climate change: Changing weather patterns ... threaten crops.'
    for a, b in (("**", "**"), ("__", "__"), ("*", "*"), ("_", "_"), ('"', '"'), ("“", "”"), ("«", "»")):
        if t.startswith(a) and len(t) > len(a):
            t = t[len(a) :]
            t = t[: -len(b)] if t.endswith(b) else t  # GPT output leaves quotes open ('"Title, Paris, ')
            break
    t = clean_text(t).strip(" .,;:")
    if not t or any(ch in t for ch in "\"“”«»*") or "](" in t or "://" in t or _PAREN_YEAR_IN_TITLE_RE.search(t):
        return None  # quotes inside, a link (a web page; a paper's link is an identifier), or a year: fields
    return t


_LISTED, _NAMED = 1, 2


def _mark_lists_of_works(text: str, blocks: list[_Block]) -> None:
    """Set `works` on the items of each list that lists works: `_NAMED` when its intro sentence or
    heading names works (or it is the next list of such a list, under a sub-heading); `_LISTED` when
    nothing introduces it (nothing, or only words that name nothing: 'Sure, here you go:') and its
    items are bare titles."""
    i, n = 0, len(blocks)
    while i < n:
        u = blocks[i].unit
        if u is None or not u.item:
            i += 1
            continue
        j = i
        while j < n and (v := blocks[j].unit) is not None and v.item:
            j += 1
        run = [blk.unit for blk in blocks[i:j] if blk.unit is not None]
        named = _intro_names_works(text, blocks, i)
        if named is None and j < n and (after := blocks[j].unit) is not None:
            named = _outro_names(text[after.start : after.end])  # 'I hope these ideas help!'
        works = _NAMED if named else _LISTED if named is None and _all_bare_titles(text, run) else 0
        for v in run:
            v.works = works
        i = j


def _intro_names_works(text: str, blocks: list[_Block], i: int) -> bool | None:
    """Whether what introduces the list that starts at blocks[i] names works; None when nothing
    does (the list opens the text, or only rules and intros that name nothing come before)."""
    k = i - 1
    while k >= 0:
        blk = blocks[k]
        if blk.rows is not None:
            return False
        if blk.unit is not None and blk.unit.item:
            # the list before, under a sub-heading: a list of works, if it was introduced as one
            return True if blk.unit.works == _NAMED else False
        s = text[blk.start : blk.end]
        if _WORKS_RE.search(s):
            return True
        if not _names_nothing(s):
            return False  # an intro or heading that names something else ('Here are some popular games:')
        k -= 1  # a rule, or an intro that names nothing: look further up
    return None


# 'These ideas ...', 'I hope these suggestions help', 'the titles above': how the words after a list
# call its items (the word after 'these', or after 'the' before 'above').
_OUTRO_RE = re.compile(r"\b(?:these|those)\s+([A-Za-z][\w-]*)|\bthe\s+([A-Za-z][\w-]*)\s+(?:above|listed)\b", re.IGNORECASE)
_NOT_NOUNS = frozenset(
    "are is were was will would can could should may might must have has had help all few two three four five"
    " six seven eight nine ten more other".split()
)


def _outro_names(s: str) -> bool | None:
    """Whether the sentence after a list that nothing introduces calls its items works (True), names
    them as something else (False: 'These ideas should help you get started'), or neither (None)."""
    m = _OUTRO_RE.search(s, 0, 300)
    if m is None:
        return None
    word = (m.group(1) or m.group(2)).lower()
    if _WORKS_RE.fullmatch(word):
        return True
    return None if word in _NOT_NOUNS or word in _DISCOURSE_WORDS else False


# Words of an intro that names nothing: 'Sure! Here are five:', 'Certainly, here is the list you asked for.'
_DISCOURSE_WORDS = frozenset(
    "sure certainly okay ok of course yes absolutely here there are is be some few several following below list"
    " you go i i'm am happy glad to help would like asked for requested request your my these those this that"
    " it them they the a an and with as please find five ten three four six seven eight nine two one".split()
)


def _names_nothing(s: str) -> bool:
    words = [w.strip("#*_:.,;!?\"“”'()-").lower() for w in s.split()]
    return all(not w or w in _DISCOURSE_WORDS or w in _MINOR_WORDS or w.isdigit() for w in words)


def _all_bare_titles(text: str, run: list[_Unit]) -> bool:
    """A list of two or more one-line items, each a bare title, of three words on average (lists of
    names and quantities are shorter: 'Mario Kart 8', '1 cup sugar'). Items with sub-items are an
    outline; bullets of sentence-case phrases are points ('- Limited access to markets'): a list of
    works is numbered, or its titles are marked or capitalised."""
    top = min(u.indent for u in run)
    items = [u for u in run if u.indent == top]
    if len(items) < 2 or len(items) < len(run):
        return False  # sub-items under the items: an outline, not a list of titles
    words = titles = digits = 0
    for u in items:
        s = text[u.start : u.end]
        t = _item_title(s)
        shape = _title_shape(t) if t else _NO_TITLE
        if t is None or shape == _NO_TITLE:
            return False
        ws = t.split()
        if not (_numbered(text, u.start) or s.lstrip()[:1] in _MARKS or _title_cased(ws, [w.lower() for w in ws])):
            return False  # '- Limited access to markets': bullets of plain phrases list points, not works
        words += len(ws)
        titles += shape == _TITLE
        digits += s.lstrip()[:1] not in _MARKS and bool(_MODEL_TOKEN_RE.search(t))
    # a sentence-like title ('Chip and PIN is definitely broken') among titles, but not a list of them;
    # numbers in most unmarked items make them models or quantities ('Galaxy S24 Ultra', '2 cups flour')
    return words >= 3 * len(items) and 3 * titles >= 2 * len(items) and 2 * digits <= len(items)


# A number or a model code standing alone ('15', 'S24', 'XM5'); not 'NS-3', 'Y.1731', '3D', '2nd'.
_MODEL_TOKEN_RE = re.compile(r"(?<![\w.-])(?:\d{1,3}|[A-Za-z]{1,3}\d{1,4}[A-Za-z]{0,2})(?![\w.-])")


_MARKS = "\"“„«'‘*_"


def _numbered(text: str, pos: int) -> bool:
    """Whether the list item whose text starts at `pos` has a number or letter as its marker ('3.', '(c)')."""
    line = text.rfind("\n", 0, pos) + 1
    return any(ch.isdigit() for ch in text[line:pos]) or bool(re.search(r"[a-z]\)\s*$", text[line:pos]))


def _unit_citations(text: str, u: _Unit, budget: _Budget) -> list[Citation]:
    """The citations of one unit: the rule-based reading first; where it finds no titled citation,
    the learned field tagger reads the unit (an item or a line) or each of its sentences."""
    cites = _rule_unit_citations(text, u, budget)
    if u.works == _LISTED:
        return cites
    if u.item or ("\n" not in text[u.start : u.end] and u.end - u.start <= _MAX_TAGGED_CHARS):
        spans = [(u.start, u.end)]
    else:
        spans = list(_sentences(text, u.start, u.end))
    read: dict[tuple[int, int], Citation | None] = {}  # tagged readings already made
    if len(spans) == 1 and not u.item and cites and all(not c.title and not c.tentative for c in cites) and budget.tag():
        # prose with author-year mentions and no title the rules read: if the reading of the whole line
        # puts a title in another sentence than a mention, its sentences are read one by one, so that
        # no reading takes one sentence's names and another's title ('... Hoffmann et al. (2022) revisit
        # compute-optimal training. The "Bitter Lesson" essay by Rich Sutton (2019) ...')
        whole = read[spans[0]] = _tagged_citation(text, u.start, u.end, bool(u.works))
        at = text.find(whole.title, u.start, u.end) if whole is not None and whole.title else -1
        sentences = list(_sentences(text, u.start, u.end)) if at >= 0 else []
        if len(sentences) > 1:
            where = next(i for i, (_, e) in enumerate(sentences) if at < e or e == sentences[-1][1])
            if any(not (sentences[where][0] <= c.start < sentences[where][1]) for c in cites):
                spans, read = sentences, {}
    for a, b in spans:
        inside = [c for c in cites if c.start < b and c.end > a]
        # a titled citation counts for this part only if its title is in it (a rule-made citation
        # may run on across sentences)
        titled = [c for c in inside if c.title and not c.tentative and a <= _title_at(text, c) < b]
        if (titled and not _misread(titled, a, b)) or ((a, b) not in read and not budget.tag()):
            continue
        tagged = read[(a, b)] if (a, b) in read else _tagged_citation(text, a, b, bool(u.works))
        if tagged is None or (titled and not _better_reading(tagged, titled[0])):
            continue
        firm = [c for c in inside if not c.tentative]
        if len(firm) > 1 and (not titled or not u.item):
            # 'X (A & B, 2021), unlike Y (C & D, 2020)': the mentions are the citations; and a line of prose
            # that cites twice is prose, whatever one reading of it makes of a title
            continue
        if firm and not titled:
            if tagged.tentative and not _same_work(tagged, firm[0]):
                continue
            if tagged.tentative and _tentative_ok(tagged.title or ""):
                # one author-year mention and a Title Case title the tagger puts with it ('Steckenrider
                # and Furukawa (2019) give an account in Recursive Bayesian Classification for ...'):
                # the mention says a work is cited, the title says which.
                tagged.tentative = False
            if tagged.tentative:
                # a title in sentence case is no evidence against the mention, which is kept (were the
                # tagged reading kept instead, tentative, a title the index lacks would drop both:
                # 'Wie Akula et al. (2021) zeigen, helfen Modulnetze beim visuellen Schließen.')
                continue
        # the tagged reading replaces what the rules made of the same words: untitled mentions
        # ('Xu et al. (2022)'), tentative titles, a misread reference, which are parts of it
        cites = [c for c in cites if c not in inside or c.end > b or c.start < a]
        cites.append(tagged)
    cites.sort(key=lambda c: c.start)
    return cites


def _same_work(a: Citation, b: Citation) -> bool:
    """Whether two readings of the same words name one work: the same year, or the same first author."""
    if a.year is not None and a.year == b.year:
        return True
    return bool(a.authors and b.authors) and fold(a.authors[0].family) == fold(b.authors[0].family)


def _title_at(text: str, c: Citation) -> int:
    """Where a citation's title starts in the text (its start if the cleaned title is not found verbatim)."""
    at = text.find(c.title or "", c.start, c.end) if c.title else -1
    return at if at >= 0 else c.start


def _misread(titled: list[Citation], a: int, b: int) -> bool:
    """Whether the rules' one titled citation of a reference unit may have its fields wrong: no
    authors though the unit may name some, a venue left inside the title ('Newscast EM, in: NeurIPS'),
    a title that is a venue or a link's word ('PDF')."""
    if len(titled) != 1 or titled[0].start > a or titled[0].end < b:
        return False
    c = titled[0]
    return not c.authors or _odd_title(c.title or "")


def _odd_title(title: str) -> bool:
    """A rule-read title that is likely another field: a venue ('ACM Transactions on Graphics'), one
    word ('link', 'PDF'), or a title with the venue left in it."""
    return len(title.split()) < 2 or bool(_IN_VENUE_RE.search(title)) or (canonical_venue(title) is not None or bool(
        _VENUE_WORDS_RE.match(title) or re.match(r"(?:[A-Z]{2,}\s)?(?:Transactions|Proceedings|Journal)\b", title)))


_IN_VENUE_RE = re.compile(r"[,.]\s(?:[Ii]n|IN):?\s")


def _better_reading(tagged: Citation, rule: Citation) -> bool:
    """The tagger's reading of a unit replaces the rules' when it finds authors they did not and a
    title inside theirs (their title swallowed the names or the venue)."""
    if not tagged.title or not rule.title or tagged.tentative:
        return False
    if _odd_title(rule.title) and not _odd_title(tagged.title):
        return bool(tagged.authors or tagged.year)
    inner = fold(tagged.title) in fold(rule.title) and len(tagged.title) < len(rule.title)
    return inner and ((bool(tagged.authors) and not rule.authors) or bool(_IN_VENUE_RE.search(rule.title)))


_MAX_TAGGED_CHARS = 600  # a longer line is prose: read sentence by sentence
_MAX_TAGGED_UNITS = 400  # units read by the tagger per text (about 1 ms each): bounded on hostile input
_TAGGED_EVIDENCE_RE = re.compile(r"(?=[\d\"“„«‘*_'])(?:\d|[\"“„«‘*_]|(?<!\w)')")
_MIN_TITLE_CONFIDENCE = 0.6
_SENTENCE_RE = re.compile(r"[.!?]\s+(?=[A-Z\"“‘'*_(\[])|\n")


def _sentences(text: str, a: int, b: int) -> Iterator[tuple[int, int]]:
    """The sentences of `text[a:b]` (trimmed), cut at '. ' before a capital or a quote, and at line ends."""
    pos = a
    for m in _SENTENCE_RE.finditer(text, a, b):
        end = m.start() + (1 if text[m.start()] in ".!?" else 0)
        s, e = _trimmed(text, pos, end)
        if e > s:
            yield s, e
        pos = m.end()
    s, e = _trimmed(text, pos, b)
    if e > s:
        yield s, e


def _trimmed(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    return a, _rstrip(text, a, b)


def _tagged_citation(text: str, a: int, b: int, works: bool) -> Citation | None:
    """The citation the field tagger reads in `text[a:b]`, if its fields are evidence of one (see
    `_tagged_evidence`), else None."""
    if b - a > MAX_REFERENCE_CHARS or not _TAGGED_EVIDENCE_RE.search(text, a, b):
        return None
    t = read_tagged(text, a, b)
    if t is None:
        return None
    t, unsure = _without_lead(t)
    evidence = _tagged_evidence(t, works)
    if evidence == _NOT_CITED:
        return None
    if unsure and not works:
        evidence = _TENTATIVE
    return _citation(text, t.start, t.end, t.ref, tentative=evidence == _TENTATIVE)


# An emphasis or quote mark opening the title inside the tagger's title span: 'read _Title', 'is "Title'.
# (after a space, or right after CJK text: '的论文《Title》')
_INNER_OPENER_RE = re.compile(r"(?:\s|(?<=[\u3000-\u9fff\uff00-\uffef]))(\*\*|[" + re.escape(_TITLE_OPENERS) + r"])\s?(?=[\w(])")
# Words that make a span's opening words a clause about a work rather than part of its title: pronouns,
# auxiliaries, words naming a work, verbs of reading ('I'd recommend', 'The paper', 'One relevant work
# is', 'You may also want to read'). Closed classes of English, not phrases of any one form.
_LEAD_WORDS = _PERSONAL_WORDS | _AUX_WORDS | frozenset(
    "one they he she this these paper papers work works study article survey reference references read see"
    " recommend recommended suggest consult check".split()
)
# Capitalised words at a sentence's start that a tagger may take for a surname. Narrow on purpose:
# 'He', 'An', 'Do', 'Le' are common family names.
_NOT_NAMES = frozenset("the a in see paper papers one we i you our their this these".split())


def _without_lead(t: TaggedUnit) -> tuple[TaggedUnit, bool]:
    """The tagger's reading without a lead-in it took for a title or a name ('The paper ...': 'The'
    is nobody; see `_title_without_lead`), and whether the title was cut where only capitals said so
    (then the fields alone do not make it a citation)."""
    ref = t.ref
    authors = [a for a in ref.authors if a.given or a.family.lower() not in _NOT_NAMES]
    if len(authors) < len(ref.authors):
        ref = replace(ref, authors=authors)
    cut = _title_without_lead(ref.title or "")
    if cut is not None:
        ref = replace(ref, title=cut[0], title_marked=ref.title_marked or cut[1])
    return (t if ref is t.ref else replace(t, ref=ref)), cut is not None and not cut[2]


def _cut_sure_lead(ref: ParsedReference) -> None:
    """Cut from a parsed reference's title a lead-in that `_title_without_lead` is sure of (in place):
    the reference rules' reading of a sentence or of what follows a label."""
    cut = _title_without_lead(ref.title) if ref.title else None
    if cut is not None and cut[2]:
        ref.title, ref.title_marked = cut[0], ref.title_marked or cut[1]


def _title_without_lead(title: str) -> tuple[str, bool, bool] | None:
    """`title` without a lead-in run into it, whether what is left is set apart by a mark, and whether
    the cut is sure (a mark or a clause; not when only a lower-case start and a capital said where the
    title starts: 'says the Python Software Foundation'); None when there is no lead-in. Readers of references start a title in prose too early ('I'd recommend A
    Data-Driven Approach ...', 'You may also want to read _Federated ..._', 'give an account of the
    phenomenon in Recursive Bayesian ...'): the title starts at an emphasis or quote mark inside the
    span whose text runs to the span's end; else, after opening words no title starts with (a plain
    lower-case word), or that read as a clause (opening with a pronoun or article and holding a
    pronoun, an auxiliary or a word naming a work, with lower-case content words, at least as many as
    capitalised ones), at the first capitalised word after a plain word, if three or more title-like
    words follow."""
    opener = title[:1]
    if opener in _QUOTE_PAIRS and _QUOTE_PAIRS[opener] in title[2:]:  # '「Title」NeurIPS': the title is what it marks
        inner = title[1 : title.index(_QUOTE_PAIRS[opener], 2)].strip()
        if len(inner.split()) >= 2:
            return inner, True, True
    for m in _INNER_OPENER_RE.finditer(title):
        rest = title[m.end() :]
        closer = _QUOTE_PAIRS.get(m.group(1), m.group(1))
        if closer not in rest.rstrip(closer + " ") and len(rest.split()) >= 2:
            return rest.rstrip(closer + " "), True, True
    words = title.split()
    low = _lowered(words)
    # (after a plain word only: 'An image is worth 16x16 words: Transformers for ...' is one title)
    cut = next((i for i in range(1, len(words) - 1) if words[i][:1].isupper() and words[i - 1].isalpha() and words[i - 1].islower()), 0)
    if not cut:
        return None
    sure = _title_start_ok(title)
    if sure:
        lead, lead_low = words[1:cut], low[:cut]
        content = [w for w, lw in zip(lead, lead_low[1:], strict=True) if lw not in _MINOR_WORDS]
        lower = sum(w[:1].islower() for w in content)
        opens = low[0] in _LEAD_WORDS or low[0] in _MINOR_WORDS  # ('BERT is Not a Knowledge Base': a title)
        if not opens or not lower or not any(w in _LEAD_WORDS for w in lead_low) or lower < len(content) - lower:
            return None
    rest_words = words[cut:]
    if len(rest_words) < 3 or (not _title_cased(rest_words, low[cut:]) and _title_shape(" ".join(rest_words)) != _TITLE):
        return None
    return " ".join(rest_words), False, sure


def _tagged_evidence(t: TaggedUnit, works: bool) -> int:
    """Whether the tagger's fields make a citation: a title-like span the tagger is sure of, with
    names and a year, venue or identifier beside it (a reference's shape), or an identifier; a known
    venue and a year; one supporting field where the context lists works. A title with one other
    field and no context is tentative (kept only if the index holds it)."""
    ref = t.ref
    title = ref.title or ""
    if len(title.split()) < 2 or t.title_confidence < _MIN_TITLE_CONFIDENCE or len(title) > 300:
        return _NOT_CITED
    shape = _title_shape(title)
    if shape == _NO_TITLE or (not ref.title_marked and _PAREN_YEAR_IN_TITLE_RE.search(title)):
        return _NOT_CITED
    names = bool(ref.authors) and all(a.family[:1].isupper() for a in ref.authors)
    dated = ref.year is not None
    venue = ref.venue is not None
    if t.has_identifier and (names or ref.title_marked):
        return _CITES
    if names and (dated or _known_venue(ref.venue)):
        # 'Kirby and the Forgotten Land (2022) - A new Kirby game that ...': a name, a year and a
        # sentence-case description have a reference's shape too; a title is set apart (quotes,
        # emphasis) or in Title Case, or the context lists works. Else the index must hold it.
        words = title.split()
        cased = _title_cased(words, _lowered(words))
        return _CITES if ref.title_marked or (cased and shape == _TITLE) or works else _TENTATIVE
    if dated and _known_venue(ref.venue) and shape == _TITLE:
        return _CITES
    if works and (names or dated or venue):
        return _CITES
    if (names or dated or venue) and _tentative_ok(title):
        return _TENTATIVE
    return _NOT_CITED


def _rule_unit_citations(text: str, u: _Unit, budget: _Budget) -> list[Citation]:
    if not _EVIDENCE_RE.search(text, u.start, u.end):
        # no year, identifier or quoted title: nothing to cite, and the common case in prose, unless
        # it is a list item that is only a title
        return _bare_title_item(text, u) if u.item else []
    if u.works == _LISTED:
        return _bare_title_item(text, u)  # a list of bare titles: each item is one, whatever it parses as
    titled = _titled_prose(text, u.start, u.end, bool(u.works))
    prose = _prose_citations(text, u.start, u.end, budget, titled, bool(u.works))
    if titled and not u.item:
        return prose  # '... see "Title" by A and B (Venue, 2021), which ...': sentences that cite
    if u.end - u.start <= MAX_REFERENCE_CHARS and (u.item or sum(bool(c.authors or c.title) for c in prose if not c.tentative) < 2):
        # A line of prose that cites twice is prose, even if it parses like one reference.
        s = text[u.start : u.end]
        ref = _fix_fields(parse_reference(s), s)
        if not u.item:
            _cut_sure_lead(ref)  # a sentence: 'One relevant work is Title (2009) by ...'
        evidence = _is_reference(ref, s, u)
        if evidence == _CITES and not u.item and _prose_reads_it(text, prose, ref):
            return prose  # 'Following Goodfellow and colleagues (2014) in "Title", GANs are ...': a sentence
        if evidence != _CITES:
            labelled = _after_label(text, u)
            if labelled is not None:
                return [labelled]
        if evidence == _CITES:
            return [_citation(text, u.start, u.end, ref)]
        if evidence == _TENTATIVE and not any(not c.tentative for c in prose):
            return [_citation(text, u.start, u.end, ref, tentative=True)]
        if evidence == _NOT_CITED and u.item and ref.year is None and not (ref.doi or ref.arxiv_id or ref.pmid or ref.isbn):
            bare = _bare_title_item(text, u)  # 'Programming Perl, 2nd Edition: ...' has no authors
            if bare:
                return bare
    return prose


def _prose_reads_it(text: str, prose: list[Citation], ref: ParsedReference) -> bool:
    """Whether the prose passes already read, from its author-year mention and the title beside it,
    the one work a sentence parsed whole as a reference names. Their reading is anchored on the mention;
    the whole-sentence parse takes the words around it for names and venue ('Following Goodfellow',
    'GANs are')."""
    firm = [c for c in prose if not c.tentative]
    if len(firm) != 1 or not ref.title:
        return False
    c = firm[0]
    if not (c.title and c.authors and c.year is not None and ref.authors) or f"({c.year}" not in c.raw:
        return False  # (a mention: 'Goodfellow et al. (2014)'; 'Koenig. 2021. "Title"' ends a reference's names)
    # the sentence's first "author" holds the mention's first name ('Following Goodfellow'): a reference
    # list entry starts with its own first author ('Acuna, D., Law, M. T., & Fidler, S. (2022). *Title*')
    first, whole = c.authors[0].family, ref.authors[0]
    before = text[max(0, c.start - 40) : c.start].split()
    glued = bool(before) and before[-1] in whole.given.split()  # the word before the mention made a given name
    return glued and first in f"{whole.given} {whole.family}" and fold(c.title) == fold(ref.title)


# A short label before a reference: 'Relevant work: ', '**Foundational paper:** ', 'Original GAN paper: '.
_LEAD_LABEL_RE = re.compile(r"[ \t]*[*_]{0,2}(?:[A-Z]|[^\W\d_a-z])[\w'’/-]*(?:[ \t]+[\w'’/-]+){0,4}[ \t]*(?:[*_]{0,2}:|:[*_]{0,2})[ \t]*")


def _after_label(text: str, u: _Unit) -> Citation | None:
    """The reference after a short label ('Relevant work: Mikolov T, Chen K ... 2013.'), when the unit
    read whole is none (the label taken for an author or a title) and what follows the label has a
    reference's shape on its own, names first: the citation then spans what follows the label."""
    m = _LEAD_LABEL_RE.match(text, u.start, u.end)
    if m is None or u.end - m.end() < 20:
        return None
    rest = text[m.end() : u.end]
    ref = _fix_fields(parse_reference(rest), rest)
    _cut_sure_lead(ref)
    if not ref.authors or _is_reference(ref, rest, _Unit(m.end(), u.end, u.item, u.indent, u.works)) != _CITES:
        return None
    first = rest.lstrip(" *_").split(" ", 1)[0].strip(",.;")
    if first not in (ref.authors[0].family, ref.authors[0].given) and not ref.authors[0].family.startswith(first):
        return None  # names first, as a reference has them ('Tip: Use Python 3.11 (2022) ...' is none)
    a0 = ref.authors[0]
    if len(ref.authors) < 2 and not ref.et_al and not (a0.given and len(a0.given.rstrip(".")) <= 2):
        return None  # one name, written out: 'Fire Emblem Warriors: Three Hopes (2022): A hack-and-slash game'
    return _citation(text, m.end(), u.end, ref)


def _bare_title_item(text: str, u: _Unit) -> list[Citation]:
    """A list item that is only a title ('2. Topology Without Tears', '3. "NFS Version 4", RFC 3530'):
    a citation in a list of works, a tentative one if it is title-like and long enough not to match
    an indexed title by chance."""
    title = _item_title(text[u.start : u.end])
    if title is None:
        return []
    shape = _title_shape(title)
    if u.works and shape >= _PHRASE:
        return [_citation(text, u.start, u.end, title=title)]
    if _tentative_ok(title):
        return [_citation(text, u.start, u.end, title=title, tentative=True)]
    return []


_NOT_CITED, _TENTATIVE, _CITES = 0, 1, 2
_TENTATIVE_MIN_WORDS = 3  # a shorter phrase ('Deep Learning', 'This PC') equals some indexed title by chance
_LABEL_WORD_RE = re.compile(r"[ \t]*[*_]{0,2}([^\W\d_][\w'’-]*)[*_]{0,2}(?::[ \t]*|[ \t]+)(?=[\"“„«*_])")
_VENUE_WORDS_RE = re.compile(
    r"\b(?:proceedings|journal|conference|transactions|symposium|workshop|letters|annals|review|press)\b", re.IGNORECASE
)


def _is_reference(ref: ParsedReference, s: str, u: _Unit) -> int:
    """How the parse of a unit cites: `_CITES`, `_TENTATIVE` (a title with no evidence around it; the
    verifier keeps it only if the index holds it) or `_NOT_CITED`.

    Reference shape cites on its own: a title with authors and a year or identifier, or a marked
    title with an identifier. A title with less (a year alone, names but no year, a single bare word
    before it, nothing: '1. "Deep Learning"', the form LLMs use when asked for titles only) cites in a
    list of works or with a known venue; else it is tentative if it is title-like."""
    if not ref.title or not has_letters(ref.title):
        return _NOT_CITED
    if not ref.title_marked and (len(ref.title) > 400 or _PAREN_YEAR_IN_TITLE_RE.search(ref.title)):
        return _NOT_CITED  # a sentence that cites ("The Transformer (Vaswani et al., 2017) ..."), not a title
    ids = bool(ref.doi or ref.arxiv_id or ref.pmid or ref.isbn)
    authors = ref.authors
    if ids and (authors or (ref.title_marked and len(ref.title.split()) >= 2)):
        return _CITES
    if authors and ref.year is not None:
        # 'Berlin, the capital city of Germany, was ...': a title does not start with a plain lower-case word;
        # 'In the paper I'm writing, I cite Smith et al. (2020) ...': nor does it speak in the first person
        if ref.title_marked:
            return _CITES
        return _CITES if _title_start_ok(ref.title) and not _SPEAKER_RE.search(ref.title) else _NOT_CITED
    if not ref.title_marked and not authors and ref.year is not None and _known_venue(ref.venue):
        # 'Attention Is All You Need — NeurIPS 2017': a capitalised title with a venue and a year
        short = u.item or len(s) <= 250
        names_in_title = _INITIALS_IN_TITLE_RE.search(ref.title)  # 'Dao, T., Fu, D. & Ré FlashAttention': unsplit
        ok = short and not names_in_title and _title_start_ok(ref.title) and _title_shape(ref.title) == _TITLE
        return _CITES if ok else _NOT_CITED
    if not ref.title_marked and (authors or ref.year is not None or ids):
        return _NOT_CITED
    shape = _title_shape(ref.title)
    if shape == _NO_TITLE:
        return _NOT_CITED
    if not ref.title_marked:
        return _NOT_CITED  # a bare title: `_bare_title_item` decides
    if authors or ref.year is not None:
        if u.works or _known_venue(ref.venue):
            return _CITES
        return _TENTATIVE if len(ref.title.split()) >= 2 else _NOT_CITED
    # A marked title with nothing else, perhaps with a short note ('1. "NFS Version 4", RFC 3530').
    if not (u.item and s.lstrip()[:1] in "\"“„«'‘*_" and len(clean_text(s)) <= len(ref.title) + 40):
        return _NOT_CITED
    if u.works:
        return _CITES
    return _TENTATIVE if _tentative_ok(ref.title) else _NOT_CITED


_SPEAKER_RE = re.compile(r"\b(?:I|we|you|let)['’](?:m|ve|d|ll|re|s)\b", re.IGNORECASE)  # I'm, we've, let's
_INITIALS_IN_TITLE_RE = re.compile(r"(?<![\w.])[A-Z]\.(?:-?[A-Z]\.)*,|\s&\s")
# Where an author list may stand after the title: between dashes, full stops, semicolons, bars, parentheses.
_FIELD_SPLIT_RE = re.compile(r"\s[—–-]{1,2}\s|\.\s|;\s|\s\|\s|[()]")


def _fix_fields(ref: ParsedReference, s: str) -> ParsedReference:
    """Fields the parser put in the wrong place, in orders it does not expect:
    * one bare word right before a marked title is a label ('Mnemonic: "..."') or a sentence's first
      word ('The "OneLove" campaign ...', 'Open "This PC" ...'), not an author, whom references set
      off by punctuation ('Anonymous, "Title"', 'Aitchison (2021)');
    * an 'author' that is a venue ('NeurIPS 2017: "Title" by ...') is the venue (not one in capitals with
      initials: 'AITCHISON L.');
    * authors after the venue and year ('Title — NeurIPS 2017 — Vaswani, Shazeer, Parmar et al.',
      'NeurIPS 2017: "Title" by Ashish Vaswani et al.'): the first later part that is a list of names
      (two or more, 'et al.', or after 'by')."""
    if len(ref.authors) == 1 and not ref.authors[0].given and not ref.et_al:
        label = _LABEL_WORD_RE.match(s)
        if label and fold(label.group(1)) == fold(ref.authors[0].family):
            ref.authors = []
    venue_authors = None
    # (a name in capitals with its initials is a name: 'AITCHISON L.' as GB/T 7714 and some journals write it)
    if ref.authors and all(canonical_venue(a.family) or (not a.given and sum(ch.isupper() for ch in a.family[1:]) >= 2) for a in ref.authors):
        venue_authors = " ".join(a.family for a in ref.authors)
        ref.authors, ref.et_al = [], False
    if ref.authors or not ref.title:
        return ref
    at = s.find(ref.title)
    if at < 0:
        return ref
    for part in _FIELD_SPLIT_RE.split(s[at + len(ref.title) :]):
        part = part.strip(" \t,:*_\"”’")
        by = part[:3].lower() == "by "
        names = part[3:] if by else part
        if names and looks_like_names(names) and _names_ok(names):
            authors, et_al = parse_authors(names)
            if authors and (by or et_al or len(authors) >= 2):
                ref.authors, ref.et_al = authors, et_al
                if ref.venue and fold(names.replace(" et al", "").rstrip(".")) in fold(ref.venue):
                    ref.venue = venue_authors  # the parser took the names for the venue
                break
    if venue_authors and not ref.venue:
        ref.venue = venue_authors
    return ref


def _known_venue(venue: str | None) -> bool:
    """A venue the alias table knows ('NeurIPS', 'Nature'), or one named as such ('Journal of ...')."""
    if not venue or len(venue.split()) > 12:
        return False
    return canonical_venue(venue) is not None or bool(_VENUE_WORDS_RE.search(venue))


def _citation(text: str, start: int, end: int, ref: ParsedReference | None = None, **extra: object) -> Citation:
    fields = {} if ref is None else ref.as_dict()
    fields.pop("title_marked", None)
    fields.update(extra)
    return Citation(raw=text[start:end], start=start, end=end, **fields)


# --- prose ---------------------------------------------------------------------------------------


def _titled_prose(text: str, a: int, b: int, works: bool = False) -> list[Citation]:
    """A quoted or italic title with its authors named in the sentence: '"Title" by A and B (Venue,
    2021)', 'In *Title* (2020), Smith and colleagues show ...'. The names must look like names.
    Title and names with no year ('"Imagine" by John Lennon') cite only where the sentence or the list
    calls it a work, or with 'et al.' or a known venue; else the citation is tentative."""
    out = []
    for m in _PROSE_TITLE_RE.finditer(text, a, b):
        title = clean_text(next(g for g in m.groups() if g)).rstrip(" ,.")
        if not _title_start_ok(title):
            continue  # 'he said "we are done" by Monday': a quotation, not a title
        by = _BY_NAMES_RE.match(text, m.end(), b) or _PAREN_NAMES_RE.match(text, m.end(), b)
        if by and _names_ok(by.group("names")):
            paren = by.group("paren") or (by.groupdict().get("paren0") or "")
            start, end, names = m.start(), by.end(), by.group("names")
        else:
            # 'Chowdhery et al.'s *PaLM: ...* (2022)': a possessive right before the title. The names are
            # looked for in the 100 characters before it, so the cost stays bounded.
            pos = _POSSESSIVE_RE.search(text, max(a, m.start() - 6), m.start())
            who = _possessor(text, max(a, pos.start() - 100), pos.start()) if pos else None
            if pos is None or who is None:
                continue
            year_m = _PAREN_YEAR_AFTER_RE.match(text, m.end(), b)
            paren = year_m.group(1) if year_m else ""
            start, end, names = who, (year_m.end() if year_m else m.end()), text[who : pos.start()]
        shape = _title_shape(title)
        if shape == _NO_TITLE:
            continue  # '"Two things are infinite: ... the universe." - Albert Einstein': a quotation
        year = find_year(paren)
        venue = clean_text(_YEAR_TOKEN_RE.sub("", paren)).strip(" ,;") or None
        if by and year is None and venue is None:  # 'Published at ICML 2020, *Title* by Zhang and Wu'
            year, venue = _lead_year_venue(text, m.start(), a)
        fields = _names_fields(names)
        cites = year is not None or fields["et_al"] or works or _known_venue(venue) or _works_before(text, m.start(), a)
        if not cites and len(title.split()) < 2:
            continue
        out.append(_citation(text, start, end, title=title, **fields, year=year, venue=venue, tentative=not cites))
    return out


def _possessor(text: str, a: int, b: int) -> int | None:
    """Where the names before a possessive "'s" start ('Smith', 'Smith and Lee', 'Smith et al.'), or
    None: the last one or three words before `b`, checked by shape."""
    words = text[a:b].split(" ")
    n = 3 if len(words) >= 3 and (words[-2] in ("and", "&", "et") or words[-2:] == ["and", "colleagues"]) else 1
    names = " ".join(words[-n:])
    start = b - len(names)
    if start > a and (text[start - 1].isalnum() or text[start - 1] in "'’"):
        return None
    return start if _POSSESSIVE_NAMES_RE.fullmatch(names) and _names_ok(names) else None


_PAREN_YEAR_AFTER_RE = re.compile(r"\s{0,3}\(([^()\n]{0,60}?\b" + YEAR + r"[a-z]?)\)")


def _title_start_ok(title: str) -> bool:
    """Titles start with a capital or a digit, or with a coined word ('wav2vec 2.0', 't-SNE', 'mT5');
    a quoted phrase that starts with a plain lower-case word ('"foundation model"') is no title."""
    first = title.split(" ", 1)[0]
    return bool(first) and (
        first[0].isupper() or first[0].isdigit() or any(ch.isdigit() or ch.isupper() or ch == "-" for ch in first)
    )


_YEAR_TOKEN_RE = re.compile(r"\b" + YEAR + r"[a-z]?\b")


def _prose_citations(
    text: str, a: int, b: int, budget: _Budget, titled: list[Citation] | None = None, works: bool = False
) -> list[Citation]:
    """Author–year citations, titles quoted next to them or with their fields earlier in the sentence,
    standalone identifiers in prose, and quoted or italic titles with none of these (tentative unless
    the sentence or the list calls them works)."""
    cites = _disjoint(
        [
            *(titled or []),
            *(
                _with_adjacent_title(text, _citation(text, s, e, **_names_fields(names), year=year), a, b)
                for s, e, names, year in _author_year_spans(text, a, b, budget)
            ),
        ]
    )
    cites = _prose_titles(text, a, b, cites, works)
    starts = [c.start for c in cites]
    quoted = []
    for m in _QUOTED_YEAR_RE.finditer(text, a, b):  # 'the paper "Attention Is All You Need" (NeurIPS 2017)'
        i = bisect.bisect_right(starts, m.start())
        if not ((i and cites[i - 1].end > m.start()) or (i < len(starts) and starts[i] < m.end())):
            title = clean_text(m.group(1) or m.group(2)).rstrip(" ,.")
            if not _title_start_ok(title) or _title_shape(title) == _NO_TITLE:
                continue  # 'the term "foundation model" (coined in 2021)': a phrase, not a title
            venue = clean_text(m.group(3)).strip(" ,") or None
            # a title and a year: a film, a game or a novel as much as a paper, unless said otherwise
            sure = works or _known_venue(venue) or _works_before(text, m.start(), a)
            quoted.append(
                _citation(text, m.start(), m.end(), title=title, venue=venue, year=int(m.group(4)), tentative=not sure)
            )
    cites = _disjoint([*cites, *quoted])
    starts = [c.start for c in cites]
    # 'Aitchison (2032), in *A statistical theory ...*': one name and a year, made a citation by its title.
    named = []
    for m in _ONE_NAME_NARRATIVE_RE.finditer(text, a, b):
        i = bisect.bisect_right(starts, m.start())
        if (i and cites[i - 1].end > m.start()) or (i < len(starts) and starts[i] < m.end()) or not _names_ok(m.group(1)):
            continue
        if _title_before(text, m.start(), a) or _title_after(text, m.end(), b):
            c = _citation(text, m.start(), m.end(), **_names_fields(m.group(1)), year=int(m.group(2)))
            named.append(_with_adjacent_title(text, c, a, b))
    if named:
        cites = _disjoint([*cites, *named])
    starts = [c.start for c in cites]
    idents = []
    for ident in find_identifiers(text[a:b]):
        if not ident.scholarly:
            continue  # an ordinary link is not a citation
        s, e = a + ident.start, a + ident.end
        i = bisect.bisect_right(starts, s) - 1
        if i >= 0 and e <= cites[i].end:  # inside a citation: it is that citation's identifier
            owner = cites[i]
            owner.doi, owner.arxiv_id, owner.url = owner.doi or ident.doi, owner.arxiv_id or ident.arxiv_id, owner.url or ident.url
            owner.pmid, owner.isbn = owner.pmid or ident.pmid, owner.isbn or ident.isbn
            owner.tentative = False  # an identifier is evidence enough
        else:
            idents.append(_identifier_citation(text, a, ident))
    return _disjoint([*cites, *idents])


# What a sentence calls a work just before naming it ('the paper "..."', 'their 2019 NeurIPS paper,
# ... *Title*', 'a study titled "..."').
_WORK_WORD_RE = re.compile(
    r"\b(?:papers?|articles?|books?|textbooks?|study|studies|surveys?|monographs?|thesis|theses|dissertations?"
    r"|preprints?|publications?|reports?|chapters?|titled|entitled|published)\b",
    re.IGNORECASE,
)
# Between an author-year mention and a title it names: 'introduced the paper', 'proposed in'.
_CITING_RE = re.compile(r"\b(?:introduc|propos|present|describ|publish|wr[io]te|titled|entitled|paper|article|book|stud|survey)\w*", re.IGNORECASE)
_WORK_AFTER_RE = re.compile(r",?\s{1,2}(?:paper|article|book|textbook|study|survey|preprint|monograph)\b", re.IGNORECASE)
_SENTENCE_END_RE = re.compile(r"[.!?]\s+(?=[A-Z\"“*])|\n")
_LEAD_WINDOW = 160  # characters before a title searched for its authors, year, venue
_VENUE_TOKEN_RE = re.compile(r"\b[A-Z][A-Za-z]*[A-Z][A-Za-z-]*\b")  # 'NeurIPS', 'ICML', 'CVPR'
# Names that are a citation's authors by their form: 'Smith and Lee', 'Vaswani et al.', 'by Ashish Vaswani'.
_LEAD_NAMES_RE = re.compile(rf"(?:(?<![\w'’])by\s)?{_PROSE_NAMES}")


def _sentence_start(text: str, pos: int, a: int, limit: int) -> int:
    """Where the sentence holding `pos` starts, looked for at most `limit` characters back."""
    lo = max(a, pos - limit)
    last = lo
    for m in _SENTENCE_END_RE.finditer(text, lo, pos):
        last = m.end()
    return last


def _works_before(text: str, pos: int, a: int) -> bool:
    """Whether the sentence calls what starts at `pos` a work, in the 60 characters before it."""
    return bool(_WORK_WORD_RE.search(text, _sentence_start(text, pos, a, 60), pos))


def _prose_titles(text: str, a: int, b: int, cites: list[Citation], works: bool) -> list[Citation]:
    """`cites` with the quoted or italic titles of prose that are not part of a citation yet, in one
    pass over them (each title's sentence is looked at once):
    * fields earlier in the sentence: 'In their 2019 NeurIPS paper, Smith and Lee introduced *Title*
      ...', 'The 2017 NeurIPS paper by Vaswani et al., "Attention Is All You Need", ...', 'Smith and
      Lee (2019) introduced the paper "Title"' (the author-year mention takes the title). They cite
      when the names are authors by their form and a year, a known venue or a word such as 'paper'
      goes with them, or a venue, a year and such a word do;
    * else, unless a parenthesised year follows (`_QUOTED_YEAR_RE`'s case), a title with no field:
      a citation where the sentence or the list calls it a work ('the paper "..."'), else a tentative
      one if it is title-like and not too short ('Bohemian Rhapsody', a slogan, a quoted phrase are
      looked up, and dropped unless the index holds them)."""
    out: list[Citation] = []
    merged: set[int] = set()
    ends = [c.end for c in cites]
    starts = [c.start for c in cites]
    for m in _PROSE_TITLE_RE.finditer(text, a, b):
        i = bisect.bisect_right(starts, m.start())
        if (i and cites[i - 1].end > m.start()) or (i < len(starts) and starts[i] < m.end()):
            continue  # already part of a citation
        title = clean_text(next(g for g in m.groups() if g)).rstrip(" ,.")
        if _title_shape(title) == _NO_TITLE:
            continue
        lo = _sentence_start(text, m.start(), a, _LEAD_WINDOW)
        k = bisect.bisect_left(ends, m.start())
        if k and ends[k - 1] > lo:
            prev = cites[k - 1]
            if (
                prev.authors and prev.year and not prev.title and k - 1 not in merged
                and not (prev.doi or prev.arxiv_id or prev.url or prev.pmid or prev.isbn)
                and m.start() - prev.end <= 80 and _CITING_RE.search(text, prev.end, m.start())
            ):
                merged.add(k - 1)
                out.append(
                    _citation(text, prev.start, m.end(), title=title, authors=prev.authors, et_al=prev.et_al, year=prev.year)
                )
                continue
            lo = ends[k - 1]  # not into the citation before
        lead = _lead_fields(text, lo, m, b, title)
        if lead is not None:
            out.append(lead)
            continue
        if _PAREN_YEAR_AFTER_RE.match(text, m.end(), b):
            continue  # '"Title" (2019)': a title and a year, `_QUOTED_YEAR_RE`'s
        if len(title.split()) < _TENTATIVE_MIN_WORDS or _VENUE_WORDS_RE.search(title):
            continue  # too short to be told from a phrase, or a venue ('*Proceedings of ...*')
        near = max(lo, m.start() - 60)
        if works or _WORK_WORD_RE.search(text, near, m.start()) or _WORK_AFTER_RE.match(text, m.end(), b):
            out.append(_citation(text, m.start(), m.end(), title=title))
        elif _tentative_ok(title):
            out.append(_citation(text, m.start(), m.end(), title=title, tentative=True))
    if not out:
        return cites
    return _disjoint([*out, *(c for k, c in enumerate(cites) if k not in merged)])


def _lead_fields(text: str, lo: int, m: re.Match[str], b: int, title: str) -> Citation | None:
    """The citation of the title `m` whose authors, year or venue stand in text[lo:m.start()], or None."""
    years = list(_YEAR_TOKEN_RE.finditer(text, lo, m.start()))
    work = _WORK_WORD_RE.search(text, lo, m.start())
    venues = [v for v in _VENUE_TOKEN_RE.finditer(text, lo, m.start()) if canonical_venue(v.group(0))]
    if not (years or venues or work):
        return None  # the common case, decided before looking for names
    names = None
    for nm in _LEAD_NAMES_RE.finditer(text, lo, m.start()):
        s = nm.group(0)
        strong = s.startswith("by ") or " and " in s or " & " in s or "et al" in s or "colleagues" in s
        who = s[3:] if s.startswith("by ") else s
        if strong and _names_ok(who) and looks_like_names(who.replace(" et al.", "").replace(" et al", "")):
            names = (nm.start() + (len(s) - len(who)), nm.end(), who)
    if not ((names and (years or venues or work)) or (venues and years and work)):
        return None
    spans = [x for x in (names[:2] if names else None, years[-1].span() if years else None,
                         venues[-1].span() if venues else None, work.span() if work else None) if x]
    start = min(s for s, _ in spans)
    end = m.end()
    year_m = _PAREN_YEAR_AFTER_RE.match(text, m.end(), b)
    year = int(years[-1].group(0)[:4]) if years else None
    if year_m and year is None:
        year, end = find_year(year_m.group(1)), year_m.end()
    fields = _names_fields(names[2]) if names else {"authors": [], "et_al": False}
    venue = canonical_venue(venues[-1].group(0)) if venues else None
    return _citation(text, start, end, title=title, **fields, year=year, venue=venue)


def _lead_year_venue(text: str, pos: int, a: int) -> tuple[int | None, str | None]:
    """The year, and with it the known venue, the sentence names before `pos` ('At ICML 2020, ...')."""
    lo = _sentence_start(text, pos, a, _LEAD_WINDOW)
    years = list(_YEAR_TOKEN_RE.finditer(text, lo, pos))
    if not years:
        return None, None
    venues = [canonical_venue(v.group(0)) for v in _VENUE_TOKEN_RE.finditer(text, lo, pos)]
    known = [v for v in venues if v]
    return (int(years[-1].group(0)[:4]) if years else None), (known[-1] if known else None)


def _disjoint(cites: Iterable[Citation]) -> list[Citation]:
    """Sorted by position; of overlapping citations (a merged title can reach a neighbour) the first."""
    out: list[Citation] = []
    for c in sorted(cites, key=lambda c: c.start):
        if not out or c.start >= out[-1].end:
            out.append(c)
    return out


class _NamesFields(TypedDict):
    authors: list[Author]
    et_al: bool


def _names_fields(names: str) -> _NamesFields:
    authors, et_al = _parsed_names(names)
    return {"authors": list(authors), "et_al": et_al}


# 'Zhou y Ji', 'Zhou et Ji', 'Müller und Schmidt': in a mention's names, 'and' in another language
# between two names ('et al.' is not: a capital follows)
_OTHER_AND_RE = re.compile(r"\s(?:" + AND_AFTER_INITIAL_PATTERN + r")\s(?=[^\W\d_a-z])")


@lru_cache(maxsize=4096)
def _parsed_names(names: str) -> tuple[tuple[Author, ...], bool]:
    # Cached: an answer names the same authors again and again ('Smith et al. (2020)').
    authors, et_al = parse_authors(_OTHER_AND_RE.sub(" and ", names))
    return tuple(authors), et_al


def _identifier_citation(text: str, offset: int, ident: Identifier) -> Citation:
    return _citation(
        text, offset + ident.start, offset + ident.end, doi=ident.doi, arxiv_id=ident.arxiv_id, url=ident.url,
        pmid=ident.pmid, isbn=ident.isbn,
    )


def _author_year_spans(text: str, a: int, b: int, budget: _Budget) -> Iterator[tuple[int, int, str, int]]:
    """(start, end, authors, year) of each '(Hinton, 2006; Vaswani et al., 2017)' part and each
    narrative 'Vaswani et al. (2017)'. Names must look like names: '(ICLR, 2021)' is not a citation."""
    for m in _PAREN_GROUP_RE.finditer(text, a, b):
        g = 1 if m.group(1) is not None else 2
        pos = m.start(g)
        for part in m.group(g).split(";"):
            pm = _AUTHOR_YEAR_RE.fullmatch(part.strip())
            lead = len(part) - len(part.lstrip())
            if pm and _names_ok(pm.group(1)):
                if not budget.take(m.start()):
                    return
                s = pos + lead
                yield s + pm.start(1), s + len(part.strip()), pm.group(1), int(pm.group(2))  # not 'e.g.,
            pos += len(part) + 1
    for m in _NARRATIVE_RE.finditer(text, a, b):
        if _names_ok(m.group(1)):
            if not budget.take(m.start()):
                return
            yield m.start(), m.end(), m.group(1), int(m.group(2))


@lru_cache(maxsize=4096)
def _names_ok(s: str) -> bool:
    """Names in an inline citation: name-shaped, and not an acronym such as a venue ('ICLR', 'NeurIPS';
    'LeCun' and 'McDonald' have one inner capital and pass)."""
    words = [w for w in re.split(r"[\s,&]+", s) if w and w not in ("and", "et", "al", "al.")]
    return bool(words) and looks_like_names(_OTHER_AND_RE.sub(" and ", s)) and not any(sum(ch.isupper() for ch in w[1:]) >= 2 for w in words)


_IN_GAP_RE = re.compile(r",?\s{1,3}(?:in|en|em|dans|im)\s{1,3}")  # (and as Spanish, French, Portuguese, German write it)


def _with_adjacent_title(text: str, cite: Citation, a: int, b: int) -> Citation:
    """'Vaswani et al. (2017), "Attention Is All You Need"' or '"Attention ..." (Vaswani et al., 2017)':
    a quoted or italic title right next to an author–year citation belongs to it. Only the few
    characters around the citation are looked at, so a text dense with citations stays linear."""
    m = _title_before(text, cite.start, a) or _title_after(text, cite.end, b)
    if m is None:
        return cite
    start, end = min(cite.start, m.start()), max(cite.end, m.end())
    if m.end() <= cite.start and text[cite.start - 1 : cite.start] == "(" and text[cite.end : cite.end + 1] == ")":
        end += 1  # '"Title" (Vaswani et al., 2017)': the closing parenthesis too
    title = clean_text(next(g for g in m.groups() if g)).rstrip(" ,.")
    return _citation(text, start, end, title=title, authors=cite.authors, et_al=cite.et_al, year=cite.year)


def _gap_ok(gap: str) -> bool:
    return len(gap) <= 6 and not any(ch.isalnum() for ch in gap.replace("(", "").replace(")", ""))



def _title_before(text: str, pos: int, a: int) -> re.Match[str] | None:
    """A quoted or italic title that ends at most 6 characters before `pos`."""
    for k in range(pos - 1, max(a, pos - 7) - 1, -1):
        ch = text[k]
        if ch in _OPENER_OF or ch in _SELF_CLOSING:
            mark = "**" if ch == "*" and text[k - 1 : k] == "*" else ch
            o = text.rfind(_OPENER_OF.get(ch, mark), max(a, k - 301), k - len(mark) + 1)
            m = _PROSE_TITLE_RE.fullmatch(text, o, k + 1) if o >= 0 else None
            return m if m and _gap_ok(text[k + 1 : pos]) else None
        if ch.isalnum():
            return None
    return None


def _title_after(text: str, pos: int, b: int) -> re.Match[str] | None:
    """A quoted or italic title that starts at most 6 characters after `pos`, or after ', in '
    ('Smith et al. (2020), in *Title*, show ...')."""
    gap = _IN_GAP_RE.match(text, pos, b)
    ks = [gap.end()] if gap else []
    for k in range(pos, min(b, pos + 7)):
        if text[k] in _TITLE_OPENERS:
            ks.append(k)
            break
        if text[k].isalnum():
            break
    for k in ks:
        m = _PROSE_TITLE_RE.match(text, k, b)
        if m and (k == (gap.end() if gap else -1) or _gap_ok(text[pos:k])):
            return m
    return None


# --- tables --------------------------------------------------------------------------------------

_COLUMNS = {
    "title": ("title", "paper", "publication", "work", "article", "reference"),
    "authors": ("author", "authors", "by", "first author", "lead author"),
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


def _row_citations(text: str, a: int, b: int, budget: _Budget) -> list[Citation]:
    """A table row no header explains: citations in it as in prose, or, where those have no title,
    the row as one reference read by the field tagger ('| 2022 | Ditto: ... | CVPR |')."""
    cites = _prose_citations(text, a, b, budget)
    if any(c.title and not c.tentative for c in cites) or not budget.tag():
        return cites
    cells = _cells(text, a, b)
    if not cells:
        return cites
    s, e = cells[0][0], cells[-1][1]
    tagged = _tagged_citation(text, s, e, False)
    if tagged is None:
        return cites
    return [tagged]


def _table_citations(text: str, rows: list[tuple[int, int]], budget: _Budget) -> list[Citation]:
    """Markdown tables of papers: the header names the columns; each data row is one citation."""
    if len(rows) < 2 or not _TABLE_SEP_RE.match(text, *rows[1]):
        return [c for a, b in rows for c in _row_citations(text, a, b, budget)]
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
            out.extend(_row_citations(text, a, b, budget))
            continue

        def cell(name: str, cells: list[tuple[int, int]] = cells) -> str:
            i = role.get(name)
            return text[cells[i][0] : cells[i][1]] if i is not None and i < len(cells) else ""

        ref = parse_reference(cell("title"))  # the cell may hold a whole reference ('| Reference | Why |')
        title = ref.title or clean_text(cell("title")).strip("*\"“” ")
        if not title:
            continue
        authors, et_al = parse_authors(cell("authors")) if "authors" in role else (ref.authors, ref.et_al)
        ids = find_identifiers(text[a:b])
        start, end = cells[0][0], cells[-1][1]
        out.append(
            _citation(
                text, start, end, title=title, authors=authors, et_al=et_al,
                year=find_year(cell("year")) or find_year(cell("venue")) or ref.year,
                venue=clean_text(cell("venue")).strip("*_ ") or ref.venue or None,
                doi=next((i.doi for i in ids if i.doi), None),
                arxiv_id=next((i.arxiv_id for i in ids if i.arxiv_id), None),
                url=next((i.url for i in ids if i.url), None),
                pmid=next((i.pmid for i in ids if i.pmid), None),
                isbn=next((i.isbn for i in ids if i.isbn), None),
            )
        )
    return out


# --- in-text mentions ------------------------------------------------------------------------------

# '[3]', '[2, 5-7]', '[^1]' (a markdown footnote), '<sup>1,2</sup>': numbers or ranges of numbers.
_NUMS = r"\d{1,3}(?:\s{0,2}[,;–-]\s{0,2}\d{1,3}){0,40}"
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUP_DIGITS = str.maketrans(_SUPERSCRIPTS + "⁻", "0123456789-")
_CITE_KEY = r"[\w:.#$%&+?<>~/-]{1,100}"
_NUM_MENTION_RE = re.compile(
    rf"\[(?P<br>{_NUMS})\](?!\()|\[\^(?P<fn>[\w-]{{1,20}})\](?!:)|<sup>\s{{0,2}}(?P<sup>{_NUMS})\s{{0,2}}</sup>"
    # 'depth helps²' / 'depth helps.²,³': after a word of two letters or punctuation, never after a digit ('10²')
    rf"|(?:(?<=[^\W\d_]{{2}})|(?<=[.,;:)\]]))(?P<usup>[{_SUPERSCRIPTS}]{{1,3}}(?:[,⁻–-][{_SUPERSCRIPTS}]{{1,3}}){{0,20}})"
    # LaTeX '\cite{a,b}' and pandoc '[@a; @b]', pointing to \bibitem{a} or a BibTeX entry's key
    rf"|\\(?:cite[pt]?|parencite|textcite|autocite|footcite)\*?(?:\[[^\]\n]{{0,40}}\]){{0,2}}\{{(?P<cite>[^{{}}\n]{{1,400}})\}}"
    rf"|\[(?P<pandoc>@{_CITE_KEY}(?:\s{{0,2}};\s{{0,2}}@{_CITE_KEY}){{0,30}})\]"
)
_NUM_ITEM_RE = re.compile(r"(\d{1,3})(?:\s{0,2}[–-]\s{0,2}(\d{1,3}))?")
_KEY_ITEM_RE = re.compile(r"[^,;@\s]+")
_RANGE_BETWEEN_RE = re.compile(r"\s{0,2}[–-]\s{0,2}")
# The label in front of a numbered entry: '[3] ', '3. ', '(3) ', '3) ', '[^3]: ', '\bibitem{key} '.
_ENTRY_LABEL_RE = re.compile(
    r"[ \t]{0,16}(?:>[ \t]{0,2}){0,3}(?:\[(\d{1,3})\][ \t]+|\(?(\d{1,3})[.)][ \t]+|\[\^([\w-]{1,20})\]:[ \t]+"
    r"|\\bibitem(?:\[[^\]\n]{0,40}\])?\{([^{}\n]{1,100})\}[ \t]*)$"
)
_MAX_RANGE = 30  # '[1-30]' at most: a wider range is a typo or an attack


def link_mentions(text: str, citations: list[Citation], *, max_mentions: int = MAX_MENTIONS) -> list[Citation]:
    """Attach in-text mentions to the reference-list entry they point to.

    An author–year mention ('Smith et al. (2020)', 'Smith & Lee, 2019') whose first author and year
    (and second author, when it names two) match an entry of the answer's own reference list, and a
    numeric marker ('[3]', '[2, 5-7]', '[^1]', '<sup>1</sup>') whose number labels an entry, are not
    citations of their own: their spans go to that entry's `mentions` and they leave the list. A
    mention with no entry stays a citation (an author–year claim the verifier can only call
    unverifiable). At most `max_mentions` markers are read. Returns the new list, in order of position."""
    budget = _Budget(max_mentions)
    out = _link_mentions(text, citations, budget)
    budget.warn()
    return out


def _link_mentions(
    text: str, citations: list[Citation], budget: _Budget, fences: list[tuple[int, int]] | None = None
) -> list[Citation]:
    """`link_mentions`, with the text's code fences when the caller has them."""
    entries = [c for c in citations if c.title]
    if not entries:
        return citations
    mentions: dict[int, list[tuple[int, int]]] = {}
    kept: list[Citation] = []
    by_author: dict[tuple[str, int], list[Citation]] = {}
    for e in entries:
        if e.authors and e.year:
            by_author.setdefault((_family_key(e.authors[0].family), e.year), []).append(e)
    for c in citations:
        target = _author_year_entry(c, by_author) if not c.title else None
        if target is None:
            kept.append(c)
        else:
            mentions.setdefault(id(target), []).append((c.start, c.end))
    # the text outside the citations kept and code, where mentions are looked for (made at the first need)
    free: list[tuple[int, int]] | None = None

    def outside() -> list[tuple[int, int]]:
        nonlocal free
        if free is None:
            code = _code_fences(text) if fences is None else fences
            free = _free_regions(text, sorted([(c.start, c.end) for c in kept] + code))
        return free

    if by_author:
        for weak in _one_name_mentions(text, outside(), by_author):
            if not budget.take(weak.start):
                break
            target = _author_year_entry(weak, by_author)
            if target is not None:
                mentions.setdefault(id(target), []).append((weak.start, weak.end))
    labelled = _labelled_entries(text, entries)
    if labelled:
        top = max((int(k) for k in labelled if k.isdigit()), default=0)
        for span, label in _numeric_mentions(text, outside(), top):
            if not budget.take(span[0]):
                break
            if label not in labelled:
                continue
            target = _nearest_labelled(labelled[label], span[0])
            if target is not None:
                mentions.setdefault(id(target), []).append(span)
    if not mentions:
        return citations
    out = []
    for c in kept:
        extra = mentions.get(id(c))
        out.append(c.model_copy(update={"mentions": sorted({*c.mentions, *extra})}) if extra else c)
    return out


@lru_cache(maxsize=4096)
def _family_key(family: str) -> str:
    return " ".join(w for w in fold(family).replace("-", " ").split() if w not in PROSE_PARTICLES)


def _author_year_entry(c: Citation | _Mention, by_author: dict[tuple[str, int], list[Citation]]) -> Citation | None:
    """The entry an author–year mention points to: same first author and year; when several share
    them, the one that agrees on the second author and on the length of the list."""
    if c.title or not c.authors or c.year is None or c.doi or c.arxiv_id or c.url or c.pmid or c.isbn or c.key:
        return None
    cands = by_author.get((_family_key(c.authors[0].family), c.year))
    if not cands:
        return None
    suffix = _year_suffix(c)
    if suffix:  # '(Wang et al., 2023b)' points to the '2023b' entry, and to no other if the list has suffixes
        same = [e for e in cands if _year_suffix(e) == suffix]
        if not same and any(_year_suffix(e) for e in cands):
            return None
        cands = same or cands

    def score(e: Citation) -> int:
        pts = 0
        if len(c.authors) > 1:
            pts += 2 * (len(e.authors) > 1 and _family_key(e.authors[1].family) == _family_key(c.authors[1].family))
        n = len(e.authors) + 2 * e.et_al
        pts += (n >= 3) if c.et_al else (n == len(c.authors))
        return pts

    return max(cands, key=score)  # max keeps the first of equals


@dataclass(slots=True)
class _Mention:
    """A 'Liu (2023)' mention: what `_author_year_entry` reads of a citation, without building one."""

    raw: str
    start: int
    end: int
    authors: list[Author]
    et_al: bool
    year: int
    title: None = None
    doi: None = None
    arxiv_id: None = None
    url: None = None
    pmid: None = None
    isbn: None = None
    key: None = None


def _one_name_mentions(
    text: str, regions: list[tuple[int, int]], by_author: dict[tuple[str, int], list[Citation]]
) -> Iterator[_Mention]:
    """Each 'Liu (2023)' in `regions` (outside citations and code) whose name and year some entry has."""
    for a, b in regions:
        for m in _ONE_NAME_NARRATIVE_RE.finditer(text, a, b):
            if (_family_key(m.group(1)), int(m.group(2))) in by_author and _names_ok(m.group(1)):
                authors, et_al = _parsed_names(m.group(1))
                yield _Mention(m.group(0), m.start(), m.end(), list(authors), et_al, int(m.group(2)))


def _year_suffix(c: Citation | _Mention) -> str:
    """The letter after the year ('2023b'), which tells apart works of one author and year."""
    return _suffix_in(c.raw[:400], c.year or 0)


_SUFFIXED_YEAR_RE = re.compile(r"(?<!\d)(\d{4})([a-z])(?![a-z])")


@lru_cache(maxsize=4096)
def _suffix_in(raw: str, year: int) -> str:
    # Cached: the same mention ('Smith et al., 2020a') comes back again and again.
    return next((m.group(2) for m in _SUFFIXED_YEAR_RE.finditer(raw) if int(m.group(1)) == year), "")


def _labelled_entries(text: str, entries: list[Citation]) -> dict[str, list[Citation]]:
    """Entries by the label printed in front of them ('[3] ', '3. ', '[^3]: ')."""
    out: dict[str, list[Citation]] = {}
    for e in entries:
        if e.key:  # a BibTeX entry or a \bibitem, for '\cite{key}'; a numbered one ('<ol>', "id": 3), for '[3]'
            out.setdefault("key:" + e.key, []).append(e)
            if e.key.isdigit():
                out.setdefault(e.key.lstrip("0") or "0", []).append(e)
        line = text.rfind("\n", max(0, e.start - 161), e.start) + 1
        if e.start - line > 160 or (line == 0 and e.start > 160):
            continue
        m = _ENTRY_LABEL_RE.fullmatch(text, line, e.start)
        if m and m.group(4):
            out.setdefault("key:" + m.group(4).strip(), []).append(e)
        elif m:
            label = m.group(1) or m.group(2) or m.group(3)
            out.setdefault(label.lstrip("0") or "0", []).append(e)
    return out


def _opens_line(text: str, pos: int) -> bool:
    """Whether only indentation or blockquote marks precede `pos` on its line (looked at over 40
    characters at most, so that a long line costs no more than a short one)."""
    k = pos
    while k > 0 and pos - k <= 40 and text[k - 1] in " \t>":
        k -= 1
    return k == 0 or text[k - 1] == "\n"


def _nearest_labelled(cands: list[Citation], pos: int) -> Citation | None:
    """Of the entries with one label (an answer may hold two numbered lists), the first after the
    mention, else the last before it."""
    if len(cands) == 1:
        return cands[0]
    after = [e for e in cands if e.start >= pos]
    return after[0] if after else (cands[-1] if cands else None)


def _numeric_mentions(text: str, regions: list[tuple[int, int]], top: int) -> Iterator[tuple[tuple[int, int], str]]:
    """(span, label) of each number or range item of each marker in `regions` (outside citations and
    code); a range ('5-7', '[1]–[3]') yields each label in it with the range's span. A marker that
    opens a line is a list label, not a mention."""
    prev: tuple[int, int, int] | None = None  # (end of the last bracket, its last number, its item start)
    for a, b in regions:
        for m in _NUM_MENTION_RE.finditer(text, a, b):
            if _opens_line(text, m.start()):
                continue
            g = m.lastgroup or ""
            if g == "fn":
                yield (m.start(g), m.end(g)), m.group(g).lstrip("0") or "0"
                continue
            if g in ("cite", "pandoc"):  # citation keys
                for it in _KEY_ITEM_RE.finditer(m.group(g)):
                    yield (m.start(g) + it.start(), m.start(g) + it.end()), "key:" + it.group(0)
                prev = None
                continue
            base = m.start(g)
            body = m.group(g)
            if body.isdecimal() and g == "br":  # '[3]', the common case, without the item loop
                if prev and _RANGE_BETWEEN_RE.fullmatch(text, prev[0], m.start()):
                    lo, hi = prev[1] + 1, int(body)  # '[1]–[3]': the numbers between
                    for k in range(lo, min(hi, top + 1)) if 0 < hi - lo < _MAX_RANGE else ():
                        yield (prev[2], m.end(g)), str(k)
                yield (base, m.end(g)), body.lstrip("0") or "0"
                prev = (m.end(), int(body), base)
                continue
            items = list(_NUM_ITEM_RE.finditer(body.translate(_SUP_DIGITS) if g == "usup" else body))
            if prev and len(items) == 1 and not items[0].group(2) and _RANGE_BETWEEN_RE.fullmatch(text, prev[0], m.start()):
                lo, hi = prev[1] + 1, int(items[0].group(1))  # '[1]–[3]': the numbers between
                if 0 < hi - lo < _MAX_RANGE:
                    for k in range(lo, min(hi, top + 1)):
                        yield (prev[2], m.end(g)), str(k)
            for it in items:
                lo = int(it.group(1))
                hi = int(it.group(2)) if it.group(2) else lo
                span = (base + it.start(), base + it.end())
                for k in range(lo, min(hi, lo + _MAX_RANGE, top) + 1) if hi >= lo else [lo]:
                    yield span, str(k)
            last = items[-1] if items else None
            prev = (m.end(), int(last.group(2) or last.group(1)), base + last.start()) if last else None
