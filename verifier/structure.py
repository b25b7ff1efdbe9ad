"""Read the structured blocks of an answer: JSON, YAML, HTML, LaTeX bibliographies, RIS and EndNote, headed
tables, Wikipedia citation templates.

Asked for "structured" output, an LLM writes its references as a JSON array of objects (fenced or not,
perhaps under a "references" key), YAML or "Title: ... / Authors: ..." blocks, an HTML `<ol>` or
`<table>`, a LaTeX `thebibliography` with `\\bibitem`s, or a markdown table whose header names the
columns. The free-text passes of `extract.py` read such blocks poorly (they skip code fences; the
fields are spread over lines or hidden in markup), so they are read here first, with real parsers:

* the blocks come from markdown-it-py (fences with their info string, HTML blocks, tables, paragraphs
  and lists; `.map` gives each block's lines, and character offsets are computed from line starts);
* what a block holds is decided by its content, not by its fence's label: JSON (a tolerant parser that
  keeps every value's span and accepts what LLMs write: trailing commas, single quotes, bare keys,
  JSON Lines), YAML (`yaml.compose`, whose nodes carry their marks), "Key: value" groups that YAML
  can't read (unquoted colons, `**Title:**` labels), HTML (`html.parser` with character offsets:
  `<li>`, `<dd>`, `<p>`, `<table>` rows under a `<th>` header, `<cite>`, `<a href>`, fields named by
  `class`), LaTeX (`\\bibitem` bodies converted with pylatexenc, then read by `refparse`), and the
  tagged exchange formats reference managers and LLMs asked for them write, RIS ('TY  - JOUR',
  'AU  - ...', 'ER  -') and refer/EndNote ('%0 ...', '%A ...', '%T ...'), their tags read as keys, and
  Wikipedia's citation templates ('{{cite journal |last1=... |title=... }}'), wherever they are,
  their parameters read by name;
* where a structure names its fields (JSON and YAML keys, a table header, `<cite>`, a `class`), they
  are taken from it: keys and headers are matched by meaning (`_roles`: "Paper", "Author(s)",
  "Published", "Journal/Conference", "container-title", "paperTitle" ...), authors may be a string, a
  list of strings or of `{given, family}`-like objects, years a number, a date or CSL date-parts;
* a block that holds no reference (a config file, a results table, a list of steps) yields nothing and
  is left to the free-text passes, and so is a block the parsers reject (malformed JSON, YAML, HTML or
  LaTeX).

Each citation's span is exact (`raw == text[start:end]`): a JSON object with its braces, a YAML list
item after its `- `, a key-value group from its first key to its last value, an HTML entry's content
between its tags, a table row from its first cell to its last, a `\\bibitem` from after its `{key}` to
the end of its entry. A `\\bibitem`'s key, an `<ol>` item's number and an "id"/"#" field become the
citation's `key`, so that `\\cite{key}` and `[3]` in the prose link to it.

Work is bounded on hostile input: a block is read only up to `MAX_BLOCK_CHARS`, nesting deeper than
`MAX_DEPTH` is rejected, at most `MAX_ENTRIES` entries are read per text, and the slow converters
(pure-Python YAML, pylatexenc) have a character budget per text after which cheaper paths are taken.
"""

from __future__ import annotations

import bisect
import html
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec
from pylatexenc.latex2text import get_default_latex_context_db as _l2t_context
from pylatexenc.latexwalker import LatexWalker
from pylatexenc.latexwalker import get_default_latex_context_db as _walker_context
from pylatexenc.macrospec import MacroSpec

from citeproof.identifiers import arxiv_id_from, norm_arxiv_id, norm_doi
from citeproof.models import Author, Citation
from citeproof.text import clean_text, has_letters, latex_to_unicode
from citeproof.verifier.names import looks_like_names, parse_authors
from citeproof.verifier.refparse import (
    ParsedReference,
    find_identifiers,
    find_year,
    norm_isbn,
    parse_reference,
)
from citeproof.vocabulary import YEAR

__all__ = ["MAX_BLOCK_CHARS", "MAX_DEPTH", "MAX_ENTRIES", "Structures", "read_structures"]

MAX_BLOCK_CHARS = 256_000  # a structured block longer than this is not read as one (left to free text)
MAX_DEPTH = 32  # nesting of JSON/YAML/HTML beyond this is an attack or junk, not a bibliography
MAX_ENTRIES = 500  # reference entries read from structures per text (the rest is left to the free-text passes)
MAX_ATTEMPTS = 1500  # candidate entries (HTML elements, key-value groups) parsed per text
MAX_MARKDOWN_LINES = 20_000  # markdown-it costs ~10 µs a line: a longer text (junk, or an attack) is left to free text
MAX_MARKDOWN_TABLE_CHARS = 300_000  # markdown-it's table rule is slow on huge tables: above this, tables stay with extract.py
MAX_REFERENCE_CHARS = 1500  # a longer entry is prose, never one reference
_YAML_BUDGET = 128_000  # characters per text given to yaml (the C loader; a quarter of it for the pure-Python one)
_LATEX_BUDGET = 16_000  # characters per text given to pylatexenc (about 10 µs a character); the rest is converted cheaply


@dataclass(slots=True)
class Structures:
    """What the structured blocks of a text hold: their citations, and the spans that were read (which
    the free-text passes skip)."""

    citations: list[Citation] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)

    def covers(self, pos: int) -> bool:
        """Whether `pos` lies in a span that was read (spans sorted and disjoint)."""
        i = bisect.bisect_right(self.spans, (pos, sys.maxsize)) - 1
        return i >= 0 and self.spans[i][0] <= pos < self.spans[i][1]


class _Budget:
    __slots__ = ("attempts", "entries", "latex", "yaml")

    def __init__(self) -> None:
        self.entries = MAX_ENTRIES
        self.attempts = MAX_ATTEMPTS
        self.latex = _LATEX_BUDGET
        self.yaml = _YAML_BUDGET if getattr(yaml, "__with_libyaml__", False) else _YAML_BUDGET // 4

    def attempt(self) -> bool:
        """Whether one more candidate entry may be parsed (and count it)."""
        if self.entries <= 0 or self.attempts <= 0:
            return False
        self.attempts -= 1
        return True

    def spent(self) -> bool:
        return self.entries <= 0 or self.attempts <= 0


# --- field names --------------------------------------------------------------------------------------

# Roles a key, a column header or a class name can name. 'name' is a weak title (a list of models has
# names too): it counts only with authors or an identifier. 'ref' is a whole reference in one string.
_PHRASES: dict[str, frozenset[str]] = {}


def _add(roles: str, *phrases: str) -> None:
    for p in phrases:
        _PHRASES[p] = frozenset(roles.split())


_add("title", "title", "titles", "paper", "paper title", "title of paper", "title of the paper", "article", "article title",
     "work", "publication", "publication title", "study", "book", "book title", "paper name", "document", "headline",
     "title paper", "work title", "chapter", "thesis")
_add("name", "name", "title name")
_add("ref", "reference", "references", "ref", "citation", "full reference", "full citation", "bibliographic entry",
     "bibliography entry", "entry", "formatted", "apa", "apa citation", "mla", "ieee", "chicago", "harvard", "text",
     "formatted citation", "reference text", "citation text")
_add("authors", "author", "authors", "author s", "by", "written by", "creator", "creators", "contributors", "contributor",
     "writers", "writer", "researchers", "first author", "lead author", "authors list", "author list", "names", "who",
     "author names", "author name", "main author", "main authors", "key authors")
_add("editors", "editor", "editors")
_add("year", "year", "date", "published", "publication year", "year published", "pub year", "publication date", "issued",
     "released", "release", "when", "yr", "date published", "published date", "published on", "year of publication",
     "pub date", "release date", "release year", "date of publication", "y")
_add("venue", "venue", "journal", "conference", "booktitle", "container title", "container", "source", "published in",
     "publication venue", "journal conference", "conference journal", "journal name", "conference name", "proceedings",
     "outlet", "where", "where published", "journal title", "periodical", "series", "event", "appeared in", "in",
     "venue name", "journal venue", "venue journal", "conference venue", "journal or conference", "conference or journal",
     "journal book", "publisher venue", "container title short", "journal abbreviation", "short container title")
_add("venue year", "venue year", "conference year", "journal year", "published in year", "venue date", "source year",
     "where when", "journal conference year", "venue published")
_add("authors year", "author year", "authors year", "author date", "authors date")
_add("doi", "doi", "doi link", "doi url")
_add("url", "url", "link", "links", "href", "pdf", "pdf url", "pdf link", "website", "web", "paper link", "paper url",
     "web link", "source url", "homepage", "open access", "open access url")
_add("arxiv", "arxiv", "arxiv id", "eprint", "arxiv link", "arxiv url", "arxiv number", "preprint id")
_add("pmid", "pmid", "pubmed", "pubmed id")
_add("isbn", "isbn", "isbn13", "isbn 13", "isbn10")
_add("key", "id", "key", "citekey", "cite key", "citation key", "bibtex key", "citationkey", "#", "no", "nr", "num",
     "ref no", "ref id", "reference id", "n", "label", "ref num", "bibkey", "cite id")

_TITLE_WORDS = frozenset({"title"})
_ID_WORDS = {"doi": "doi", "arxiv": "arxiv", "eprint": "arxiv", "pmid": "pmid", "pubmed": "pmid", "isbn": "isbn", "url": "url",
             "link": "url", "href": "url", "pdf": "url", "website": "url"}
_AUTHOR_WORDS = frozenset({"author", "authors", "by", "creator", "creators", "researcher", "researchers", "writer", "writers",
                           "contributors", "scientists", "investigators"})
_VENUE_WORDS = frozenset({"venue", "journal", "conference", "booktitle", "proceedings", "outlet", "source", "container",
                          "periodical", "where"})
_YEAR_WORDS = frozenset({"year", "date", "published", "issued", "released", "when", "yr"})
_WORK_WORDS = frozenset({"paper", "article", "work", "publication", "study", "book", "papers", "works", "articles"})
_REF_WORDS = frozenset({"reference", "citation", "bibliography", "entry"})
_CAMEL_RE = re.compile(r"(?<=[a-z])(?=[A-Z])")
_KEY_SPLIT_RE = re.compile(r"[^0-9A-Za-z#]+")
_LIST_WORDS = frozenset({"references", "papers", "citations", "bibliography", "works", "sources", "publications", "articles",
                         "refs", "literature", "readings", "reading", "results", "items", "entries", "records"})


@lru_cache(maxsize=4096)
def _roles(label: str) -> frozenset[str]:
    """The fields a key or column header names ('Paper' -> title, 'Journal/Conference' -> venue,
    'Venue (Year)' -> venue and year, 'paperTitle' -> title); empty when it names none ('Notes')."""
    label = clean_text(label[:80])
    plain = " ".join(w for w in _KEY_SPLIT_RE.split(label.lower()) if w)
    if plain in _PHRASES:  # 'ArXiv', 'DOI', 'booktitle' before camelCase is split ('paperTitle')
        return _PHRASES[plain]
    words = [w for w in _KEY_SPLIT_RE.split(_CAMEL_RE.sub(" ", label).lower()) if w and w not in ("and", "of", "the", "s")]
    if not words or len(words) > 5:
        return frozenset()
    phrase = " ".join(words)
    if phrase in _PHRASES:
        return _PHRASES[phrase]
    if len(words) > 3:
        return frozenset()  # 'For details see the DOI': a sentence, not a field's name
    ws = set(words)
    if words[-1] in ("id", "ids", "key") and not ws & set(_ID_WORDS):
        return frozenset()  # 'paperId', 'externalIds', 'corpus key': some database's own identifiers
    if (ws & _TITLE_WORDS and not ws & {"book", "booktitle", "container", "journal"}) or (ws & _WORK_WORDS and ws & _YEAR_WORDS):
        return _PHRASES["title"]  # 'Paper title', 'Paper (Year)': the year is read from the title cell
    for w in words:
        if w in _ID_WORDS:
            return frozenset({_ID_WORDS[w]})
    if ws & _AUTHOR_WORDS:
        return frozenset({"authors", "year"}) if ws & _YEAR_WORDS else frozenset({"authors"})
    if ws & _VENUE_WORDS or {"published", "in"} <= ws:
        return frozenset({"venue", "year"}) if ws & (_YEAR_WORDS - {"published"}) else frozenset({"venue"})
    if ws & _YEAR_WORDS:
        return frozenset({"year"})
    if ws & _WORK_WORDS:
        return _PHRASES["title"]
    if ws & _REF_WORDS:
        return _PHRASES["ref"]
    return frozenset()


def _is_list_key(label: str) -> bool:
    return bool(set(_KEY_SPLIT_RE.split(_CAMEL_RE.sub(" ", label[:80]).lower())) & _LIST_WORDS)


# --- a tree with spans -----------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class _Node:
    """A value read from a structured block, with its span in the text. `kind` is 's' (scalar: `text`),
    'l' (list: `items`) or 'm' (mapping: `pairs` of key, key start, value)."""

    kind: str
    start: int
    end: int
    text: str = ""
    items: list[_Node] = field(default_factory=list)
    pairs: list[tuple[str, int, _Node]] = field(default_factory=list)


# --- JSON, tolerantly ----------------------------------------------------------------------------------------

_JSON_TOKEN_RE = re.compile(
    r"""\s+|//[^\n]{0,2000}|/\*.{0,5000}?\*/|"(?:[^"\\\n]|\\.){0,20000}"|'(?:[^'\\\n]|\\.){0,20000}'|[{}\[\],:]"""
    r"""|-?\d{1,40}(?:\.\d{1,40})?(?:[eE][+-]?\d{1,5})?(?![\w.-])|[A-Za-z_$][\w$-]{0,60}""",
    re.DOTALL,
)
_LITERALS = {"true", "false", "null", "True", "False", "None", "NaN", "undefined"}


class _Reject(Exception):
    """The block is not what it looked like: the caller falls back."""


def _json_value(text: str, a: int, b: int) -> tuple[_Node, int]:
    """The JSON(-ish) value that starts at `a` (an object or an array), and where it ends. Tolerates what
    LLMs write: trailing commas, comments, single-quoted strings, bare keys, Python literals."""
    frames: list[list[Any]] = []  # [node, state, pending key, key start]
    pos = a
    tokens = 0
    while pos < b:
        m = _JSON_TOKEN_RE.match(text, pos, b)
        if m is None:
            raise _Reject
        pos = m.end()
        tok = m.group(0)
        c = tok[0]
        if c.isspace() or tok.startswith(("//", "/*")):
            continue
        tokens += 1
        if tokens > 400_000:
            raise _Reject
        if not frames:
            if c not in "{[":
                raise _Reject
        node: _Node | None = None
        if c in "{[":
            if frames and frames[-1][1] not in ("value",):
                raise _Reject
            if len(frames) >= MAX_DEPTH:
                raise _Reject
            frames.append([_Node("m" if c == "{" else "l", m.start(), -1), "key" if c == "{" else "value", None, 0])
            continue
        if c in "}]":
            if not frames:
                raise _Reject
            top = frames[-1]
            want = "m" if c == "}" else "l"
            if top[0].kind != want or top[1] in ("colon",) or (top[1] == "value" and want == "m"):
                raise _Reject
            node = top[0]
            node.end = m.end()
            frames.pop()
        elif c == ",":
            top = frames[-1]
            if top[1] != "comma":
                raise _Reject
            top[1] = "key" if top[0].kind == "m" else "value"
            continue
        elif c == ":":
            top = frames[-1]
            if top[1] != "colon":
                raise _Reject
            top[1] = "value"
            continue
        else:
            top = frames[-1]
            if top[1] == "key":
                if c in "\"'":
                    top[2] = _json_string(tok)
                elif c.isalpha() or c in "_$":
                    top[2] = tok
                else:
                    top[2] = tok  # a number as key, as Python dicts print
                top[3] = m.start()
                top[1] = "colon"
                continue
            if top[1] != "value":
                raise _Reject
            if c in "\"'":
                node = _Node("s", m.start(), m.end(), _json_string(tok))
            elif c == "-" or c.isdigit():
                node = _Node("s", m.start(), m.end(), tok)
            elif tok in _LITERALS:
                node = _Node("s", m.start(), m.end(), "")
            else:
                raise _Reject
        # a value is complete: attach it to its container, or it is the whole value
        if not frames:
            assert node is not None
            return node, node.end
        parent = frames[-1]
        if parent[0].kind == "m":
            parent[0].pairs.append((str(parent[2]), parent[3], node))
        else:
            parent[0].items.append(node)
        parent[1] = "comma"
    raise _Reject


def _json_string(tok: str) -> str:
    if tok[0] == '"':
        try:
            return str(json.loads(tok))
        except ValueError:
            return tok[1:-1]
    return tok[1:-1].replace("\\'", "'").replace('\\"', '"')


def _json_values(text: str, a: int, b: int) -> list[_Node]:
    """The JSON values at `a`: one array or object, or several in a row (JSON Lines, or objects separated
    by commas); empty if the text there is not JSON."""
    out: list[_Node] = []
    pos = a
    while pos < b and len(out) < MAX_ENTRIES:
        while pos < b and (text[pos].isspace() or (out and text[pos] == ",")):
            pos += 1
        if pos >= b or text[pos] not in "{[" or (out and text[pos] != text[out[0].start]):
            break
        try:
            node, pos = _json_value(text, pos, b)
        except (_Reject, RecursionError):
            break
        out.append(node)
    return out


# --- YAML, and "Key: value" groups -----------------------------------------------------------------------------


def _yaml_tree(text: str, a: int, b: int, budget: _Budget) -> _Node | None:
    if b - a > budget.yaml:
        return None
    budget.yaml -= b - a
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    root = None
    for src in (text[a:b], None):
        if src is None:  # LLMs leave titles with ': ' unquoted, which YAML rejects: hide those colons, same length
            src = _VALUE_COLON_RE.sub(lambda m: m.group(1) + m.group(2).replace(":", _COLON), text[a:b])
        try:
            root = yaml.compose(src, Loader=loader)
            break
        except (yaml.YAMLError, ValueError, RecursionError):
            continue
    if root is None:
        return None
    seen = [0]
    try:
        return _from_yaml(text, root, a, 0, seen)
    except _Reject:
        return None


_COLON = "\uff1a"  # stands in for ':' inside a plain YAML value (one character, so offsets hold)
# A 'key: value' line whose value is plain (not quoted, not a flow collection): its colons are the value's.
_VALUE_COLON_RE = re.compile(r"(?m)^([ \t]{0,40}(?:-[ \t]{1,4}){0,3}[^\s:#'\"\[{][^:\n#]{0,60}:[ \t]{1,4}(?=[^\s'\"\[{|>&*!]))([^\n]{0,3000})$")


def _from_yaml(text: str, n: yaml.Node, base: int, depth: int, seen: list[int]) -> _Node:
    seen[0] += 1
    if depth > MAX_DEPTH or seen[0] > 100_000:
        raise _Reject  # also ends alias cycles ('&a [*a]')
    s, e = base + n.start_mark.index, base + n.end_mark.index
    if isinstance(n, yaml.ScalarNode):
        return _Node("s", s, e, str(n.value).replace(_COLON, ":"))
    if isinstance(n, yaml.SequenceNode):
        items = [_from_yaml(text, v, base, depth + 1, seen) for v in n.value]
        if not n.flow_style and items:
            s, e = items[0].start, items[-1].end
        return _Node("l", s, e, items=items)
    if isinstance(n, yaml.MappingNode):
        pairs = []
        for k, v in n.value:
            if isinstance(k, yaml.ScalarNode):
                pairs.append((str(k.value).replace(_COLON, ":"), base + k.start_mark.index, _from_yaml(text, v, base, depth + 1, seen)))
        if not n.flow_style and pairs:
            s, e = pairs[0][1], max(p[2].end for p in pairs)
        return _Node("m", s, _rstrip(text, s, e), pairs=pairs)
    raise _Reject


# 'Title: ...', '- title: ...', '1. **Title:** ...', '**Authors**: ...': a key, perhaps bold, and a colon.
_KEY_LINE_RE = re.compile(
    r"(?P<indent>[ \t]{0,12})(?:(?P<item>[-*+•]|\d{1,3}[.)]|\[\d{1,3}\])[ \t]{1,4})?"
    r"(?P<body>[*_]{0,3}[\"']?(?P<key>[A-Za-z#][A-Za-z0-9 ./()&'#-]{0,40}?)[\"']?[ \t]{0,2}(?:[*_]{1,3}[ \t]{0,2}:|:[*_]{0,3}))"
    r"(?:[ \t]+|$)"
)
# A second key on the same line, after a separator: ' | Authors: ', '; **Year:** ', ' — Venue: '.
_INLINE_KEY_RE = re.compile(
    r"(?:[ \t]{0,3}[|;,·•][ \t]{0,3}|\.[ \t]{1,3}|[ \t]{2,}|[ \t]{1,3}[-–—][ \t]{1,3})"
    r"(?P<body>[*_]{0,3}(?P<key>[A-Za-z][A-Za-z ./()&'-]{0,30}?)[ \t]{0,2}(?:[*_]{1,3}[ \t]{0,2}:|:[*_]{0,3}))[ \t]+"
)
_EQ_KEY_LINE_RE = re.compile(
    r"(?P<indent>[ \t]{0,12})(?P<item>)(?P<body>[\"']?(?P<key>[A-Za-z][A-Za-z0-9_.-]{0,40}?)[\"']?[ \t]{0,2}=)(?:[ \t]+|$)"
)
_ASSIGN_RE = re.compile(
    r"^[ \t]{0,12}(?:(?:const|let|var|export|final|static)[ \t]+){0,3}[\w.$]{1,60}[ \t]{0,3}(?::[^=\n]{0,60})?=[ \t]{0,3}([\[{])",
    re.MULTILINE,
)
_CONT_ITEM_RE = re.compile(r"[ \t]{1,16}[-*+•][ \t]+")
_FENCE_LINE_RE = re.compile(r"[ \t]{0,3}(?:`{3,}|~{3,})")
_HEADING_LINE_RE = re.compile(r"[ \t]{0,3}#{1,6}(?:[ \t]|$)")
# Tagged exchange formats: RIS ('TY  - JOUR', 'AU  - Vaswani, Ashish', 'ER  -') and refer/EndNote
# ('%0 Journal Article', '%A He, Kaiming', '%T Title'). One field a line, a tag naming it; authors repeat.
_RIS_LINE_RE = re.compile(r"(?P<indent>)(?P<item>)(?P<body>(?P<key>[A-Z][A-Z0-9])[ \t]{1,2}-)(?:[ \t]+|$)")
_REFER_LINE_RE = re.compile(r"(?P<indent>)(?P<item>)(?P<body>%(?P<key>[0-9A-Z@]))(?:[ \t]+|$)")
# Each tag as the field name `_roles` reads; tags not listed are no field ('note').
_TAG_NAMES: dict[str, dict[str, str]] = {
    "ris": {"TI": "title", "T1": "title", "CT": "title", "BT": "booktitle", "AU": "author", "A1": "author",
            "ED": "editor", "A2": "editor", "PY": "year", "Y1": "year", "DA": "date", "JO": "journal",
            "JF": "journal", "JA": "journal", "J2": "journal", "T2": "journal", "DO": "doi", "UR": "url",
            "SN": "isbn"},
    "refer": {"T": "title", "A": "author", "E": "editor", "D": "year", "J": "journal", "B": "booktitle",
              "R": "doi", "U": "url", "@": "isbn"},
}
_TAG_OPENERS = {"ris": frozenset({"TY", "TI", "T1", "AU", "A1"}), "refer": frozenset({"0", "A", "T"})}
_LINE_RES = {"colon": _KEY_LINE_RE, "eq": _EQ_KEY_LINE_RE, "ris": _RIS_LINE_RE, "refer": _REFER_LINE_RE}


def _tagged_format(text: str, a: int, b: int) -> str | None:
    """'ris' or 'refer' when the line `text[a:b]` opens a record in that format, else None."""
    for kind in ("ris", "refer"):
        m = _LINE_RES[kind].match(text, a, b)
        if m is not None and m.group("key") in _TAG_OPENERS[kind]:
            return kind
    return None


def _bib_key_line(text: str, a: int, b: int, eq: bool = False) -> re.Match[str] | None:
    """A line that opens a key-value group: a key naming a field of a reference, or a list key
    ('references:') with nothing after it. `eq`: 'key = value' (TOML, INI) instead of 'key: value'."""
    m = (_EQ_KEY_LINE_RE if eq else _KEY_LINE_RE).match(text, a, b)
    if m is None:
        return None
    roles = _roles(m.group("key"))
    if roles & {"title", "name", "ref", "authors"}:
        return m
    if _is_list_key(m.group("key")) and not text[m.end() : b].strip():
        return m
    return None


def _kv_tree(text: str, lines: list[tuple[int, int]], eq: bool = False, kind: str | None = None) -> _Node:
    """'Key: value' lines grouped into mappings: a group ends at a blank line, at a non-key line, at a list
    item, or where a field it already has comes again. Values may wrap onto indented lines, and a key
    with no value may be followed by '- item' lines (a list); indented 'key:' lines under it are a nested
    mapping, which is no field of the group and is skipped. `kind` 'eq' reads 'key = value' lines, 'ris'
    and 'refer' tagged lines ('AU  - ...', '%A ...'): there a record opens at 'TY'/'%0' and closes at
    'ER', and a repeated author tag adds an author."""
    kind = kind or ("eq" if eq else "colon")
    line_re = _LINE_RES[kind]
    tags = _TAG_NAMES.get(kind)
    groups: list[_Node] = []
    cur: _Node | None = None
    seen: set[str] = set()
    last: _Node | None = None  # the value the next continuation line extends
    open_key = -1  # indentation of a key with no value, while nothing followed it yet
    nested = -1  # skipping lines indented deeper than this (a nested mapping)

    def close() -> None:
        nonlocal cur, last
        if cur is not None and cur.pairs:
            cur.end = max(p[2].end for p in cur.pairs)
            groups.append(cur)
        cur, last = None, None
        seen.clear()

    for a, b in lines:
        if not text[a:b].strip():
            close()
            open_key = nested = -1
            continue
        indent = len(text[a:b]) - len(text[a:b].lstrip(" \t"))
        if nested >= 0 and indent > nested:
            continue
        nested = -1
        m = line_re.match(text, a, b)
        if tags is not None and m is not None:
            tag = m.group("key")
            if tag in ("TY", "0", "ER"):
                close()  # a record's first and last line
                if tag == "ER":
                    continue
                cur = _Node("m", m.start("body"), -1)
            key = tags.get(tag, "note")
            if key == "author" and cur is not None and "authors" in seen and last is not None and cur.pairs[-1][0] == "author":
                ve = _rstrip(text, m.end(), b)
                prev = cur.pairs[-1][2]
                if prev.kind != "l":
                    prev = _Node("l", prev.start, prev.end, items=[prev])
                    cur.pairs[-1] = ("author", cur.pairs[-1][1], prev)
                prev.items.append(_kv_scalar(text, m.end(), ve))
                prev.end = ve
                last = prev.items[-1]
                continue
        if m is not None and open_key >= 0 and indent > open_key and not m.group("item"):
            nested, open_key = open_key, -1  # 'experiment:' then '  title: ...': a nested mapping
            continue
        open_key = -1
        if m is not None and (not m.group("item") or not _CONT_ITEM_RE.match(text, a, b) or cur is None or not last or last.kind != "l"):
            key = m.group("key") if tags is None else tags.get(m.group("key"), "note")
            roles = _roles(key)
            role = next(iter(sorted(roles)), "") if roles else ""
            if m.group("item") or cur is None or (role and role in seen):
                close()
                cur = _Node("m", m.start("body"), -1)
            seen.add(role)
            vs, ve = m.end(), _rstrip(text, m.end(), b)
            kstart = m.start("body")
            for im in _INLINE_KEY_RE.finditer(text, vs, ve) if tags is None else ():  # 'Title: X | Authors: Y' on one line
                if not _roles(im.group("key")):
                    continue
                cut = _rstrip(text, vs, im.start())
                cur.pairs.append((key, kstart, _kv_scalar(text, vs, cut)))
                key, kstart, vs = im.group("key"), im.start("body"), im.end()
            value = _kv_scalar(text, vs, ve) if ve > vs else _Node("l", vs, vs)
            cur.pairs.append((key, kstart, value))
            last = value
            if ve <= vs:
                open_key = indent
            continue
        if cur is not None and last is not None:
            c = _CONT_ITEM_RE.match(text, a, b)
            if c is not None and last.kind == "l":
                ve = _rstrip(text, c.end(), b)
                last.items.append(_kv_scalar(text, c.end(), ve))
                last.end = ve
                continue
            if text[a] in " \t" and last.kind == "s":
                last.end = _rstrip(text, a, b)
                last.text = " ".join(text[last.start : last.end].split())
                continue
        close()
    close()
    return _Node("l", groups[0].start if groups else 0, groups[-1].end if groups else 0, items=groups)


def _kv_scalar(text: str, a: int, b: int) -> _Node:
    s = text[a:b].strip()
    if len(s) >= 2 and s[0] == "[" and s[-1] == "]":  # a flow list: '[A, B]'
        items, pos = [], a + 1
        for part in s[1:-1].split(","):
            p = part.strip()
            if p:
                off = text.find(p, pos, b)
                items.append(_Node("s", off, off + len(p), p.strip("\"'")))
            pos += len(part) + 1
        return _Node("l", a, b, items=items)
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "\"'":
        s = s[1:-1]
    return _Node("s", a, b, s)


# --- from nodes to citations ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Fields:
    title: str | None = None
    weak_title: bool = False  # the title came from a 'name' key
    authors: list[Author] = field(default_factory=list)
    et_al: bool = False
    year: int | None = None
    venue: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    url: str | None = None
    pmid: str | None = None
    isbn: str | None = None
    key: str | None = None
    ref: ParsedReference | None = None
    bib_keys: int = 0  # keys that name a field of a reference
    other_keys: int = 0

    def ids(self) -> bool:
        return bool(self.doi or self.arxiv_id or self.pmid or self.isbn)

    def fill_from(self, ref: ParsedReference) -> None:
        self.title = self.title or ref.title
        if not self.authors:
            self.authors, self.et_al = list(ref.authors), ref.et_al
        self.year = self.year or ref.year
        self.venue = self.venue or ref.venue
        self.doi = self.doi or ref.doi
        self.arxiv_id = self.arxiv_id or ref.arxiv_id
        self.url = self.url or ref.url
        self.pmid = self.pmid or ref.pmid
        self.isbn = self.isbn or ref.isbn

    def add_url(self, url: str) -> None:
        for ident in find_identifiers(url[:2000]):
            self.doi = self.doi or ident.doi
            self.arxiv_id = self.arxiv_id or ident.arxiv_id
            self.pmid = self.pmid or ident.pmid
            if ident.url and ident.scholarly:
                self.url = self.url or ident.url

    def citation(self, text: str, start: int, end: int) -> Citation:
        arxiv = self.arxiv_id or arxiv_id_from(self.doi, self.url)
        title = self.title.replace(_STAR, "*") if self.title else None
        venue = self.venue.replace(_STAR, "*") if self.venue else None
        return Citation(
            raw=text[start:end], start=start, end=end, key=self.key, title=title, authors=self.authors,
            et_al=self.et_al, year=self.year, venue=venue, doi=self.doi, arxiv_id=arxiv, url=self.url,
            pmid=self.pmid, isbn=self.isbn,
        )


def _flat(n: _Node, limit: int = 40) -> str:
    """The scalars of a value, joined ('2017 6' for CSL's `{"date-parts": [[2017, 6]]}`)."""
    if n.kind == "s":
        return n.text
    out: list[str] = []
    stack = [n]
    while stack and len(out) < limit:
        x = stack.pop()
        if x.kind == "s":
            out.append(x.text)
        else:
            stack.extend(reversed(x.items if x.kind == "l" else [v for _, _, v in x.pairs]))
    return ", ".join(s for s in out if s)


_ET_AL_ITEMS = frozenset({"others", "et al", "et al.", "and others", "etc", "etc."})
_FAMILY_KEYS = frozenset({"family", "last", "lastname", "last name", "surname", "family name", "familyname", "lname"})
_GIVEN_KEYS = frozenset({"given", "first", "firstname", "first name", "given name", "givenname", "forename", "fname", "given names"})
_NAME_KEYS = frozenset({"name", "full name", "fullname", "literal", "full", "display name", "author", "display"})


def _norm_key(k: str) -> str:
    return " ".join(_KEY_SPLIT_RE.split(_CAMEL_RE.sub(" ", k[:60]).lower())).strip()


def _authors(n: _Node) -> tuple[list[Author], bool]:
    if n.kind == "s":
        return parse_authors(clean_text(n.text[:3000]))
    items = n.items if n.kind == "l" else [n]
    authors: list[Author] = []
    et_al = False
    for it in items[:500]:
        if it.kind == "s":
            s = clean_text(it.text[:500])
            if s.lower().strip(" .") in _ET_AL_ITEMS or s.lower() in _ET_AL_ITEMS:
                et_al = True
                continue
            got, more = parse_authors(s)
            authors.extend(got)
            et_al = et_al or more
        elif it.kind == "m":
            fam = giv = full = ""
            for k, _, v in it.pairs:
                nk = _norm_key(k)
                if v.kind != "s":
                    continue
                if nk in _FAMILY_KEYS:
                    fam = clean_text(v.text)
                elif nk in _GIVEN_KEYS:
                    giv = clean_text(v.text)
                elif nk in _NAME_KEYS:
                    full = clean_text(v.text)
            if fam:
                authors.append(Author(family=fam, given=giv))
            elif full:
                if full.lower().strip(" .") in _ET_AL_ITEMS:
                    et_al = True
                else:
                    got, more = parse_authors(full)
                    authors.extend(got)
                    et_al = et_al or more
    return authors, et_al


_MONTHS_RE = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]{0,6}\.?\b|\b\d{1,2}\b|[-/,.()]", re.IGNORECASE
)
_YEAR_TOKEN_RE = re.compile(r"\(?\b" + YEAR + r"[a-z]?\b\)?")


def _venue_without_year(s: str) -> str | None:
    """'NeurIPS 2017' -> 'NeurIPS', 'ICLR (2021)' -> 'ICLR'; a date ('June 2017') has no venue."""
    v = clean_text(_YEAR_TOKEN_RE.sub(" ", s)).strip(" ,;:/()-–*_")
    if not v or not _MONTHS_RE.sub("", v).strip():
        return None
    return v


def _title_text(s: str) -> str | None:
    t = clean_text(s[:2000]).strip(" *_\"“”'‘’,;")
    t = t.rstrip(" .,;") if not t.endswith("..") else t
    if t and t[0] in "[{(" and t.count(t[0]) != t.count({"[": "]", "{": "}", "(": ")"}[t[0]]):
        return None  # '[unclosed': a broken flow value, not a title
    return t if has_letters(t) else None


def _fields_of(pairs: list[tuple[str, int, _Node]]) -> _Fields:
    f = _Fields()
    editors: tuple[list[Author], bool] | None = None
    for k, _, v in pairs:
        roles = _roles(k)
        if not roles and v.kind == "m" and not _container(v):  # {"externalIds": {"DOI": ..., "ArXiv": ...}}
            for k2, _, v2 in v.pairs[:20]:
                r2 = _roles(k2)
                if r2 & {"doi", "arxiv", "pmid", "isbn", "url"}:
                    g = _fields_of([(_label(r2), 0, v2)])
                    f.doi, f.arxiv_id, f.pmid = f.doi or g.doi, f.arxiv_id or g.arxiv_id, f.pmid or g.pmid
                    f.isbn, f.url = f.isbn or g.isbn, f.url or g.url
        if not roles:
            f.other_keys += 1
            continue
        f.bib_keys += 1
        s = _flat(v) if v.kind != "m" or not roles & {"title", "name", "ref"} else ""
        if "title" in roles or "name" in roles:
            if v.kind == "s" and f.title is None:
                f.title = _title_text(v.text)
                f.weak_title = "name" in roles
            continue
        if "ref" in roles:
            if v.kind == "s" and re.fullmatch(r"\[?\d{1,4}\]?\.?", v.text.strip()):
                f.key = f.key or v.text.strip().strip("[].")  # a 'Ref' column of numbers
            elif v.kind == "s" and f.ref is None and len(v.text) <= MAX_REFERENCE_CHARS:
                f.ref = parse_reference(v.text)
            continue
        if "authors" in roles and not f.authors:
            if "year" in roles and v.kind == "s":  # 'Author (Year)': 'Vaswani et al. (2017)'
                f.year = f.year or find_year(v.text)
                f.authors, f.et_al = parse_authors(clean_text(_YEAR_TOKEN_RE.sub(" ", v.text)))
            else:
                f.authors, f.et_al = _authors(v)
            continue
        if "editors" in roles:
            editors = _authors(v)
            continue
        if "venue" in roles:
            if "year" in roles:
                f.year = f.year or find_year(s)
                f.venue = f.venue or _venue_without_year(s)
            elif v.kind == "m":
                f.venue = f.venue or (clean_text(_flat(v, 3)) or None)
            else:
                f.venue = f.venue or (clean_text(s).strip(" *_") or None)
            continue
        if "year" in roles:
            f.year = f.year or find_year(s[:400])
            if f.venue is None and _norm_key(k) in ("published", "published in", "publication"):
                f.venue = _venue_without_year(s)
            continue
        if "doi" in roles:
            f.doi = f.doi or norm_doi(s)
            if f.doi is None and s:
                f.add_url(s)
            continue
        if "url" in roles:
            if s:
                f.add_url(s if v.kind == "s" else s.split(", ")[0])
            continue
        if "arxiv" in roles:
            f.arxiv_id = f.arxiv_id or norm_arxiv_id(s)
            continue
        if "pmid" in roles:
            f.pmid = f.pmid or _pmid(s)
            continue
        if "isbn" in roles:
            f.isbn = f.isbn or norm_isbn(s)
            continue
        if "key" in roles and v.kind == "s":
            val = v.text.strip().strip("[]")
            if val and len(val) <= 100 and not any(ch.isspace() for ch in val):
                f.key = f.key or val
    if not f.authors and editors:
        f.authors, f.et_al = editors
    if f.year is None and f.venue:
        f.year = find_year(f.venue)  # 'NeurIPS 2017' in a venue field
    if f.ref is not None:
        f.fill_from(f.ref)
    return f


def _pmid(s: str) -> str | None:
    """A PubMed id from a field that names one ('PMID: 31452104'): its digits, if a PMID's length."""
    digits = re.sub(r"\D", "", s)
    return digits if 0 < len(digits) <= 9 else None


def _accept(f: _Fields, in_list: bool) -> bool:
    """Whether a mapping's fields claim a work: a title with another field of a reference (a title from
    a 'name' key needs authors or an identifier; a title with only a year must be one of a list of such
    mappings), a whole reference with reference shape, or an identifier."""
    if f.ref is not None and f.title and f.ref.title == f.title:
        return _shaped(f.ref, "", item=False) or bool(f.authors and f.year)
    if f.title:
        if f.weak_title:
            return bool(f.authors or f.ids())
        if f.authors or f.ids() or f.venue:
            return True
        if f.year is not None:
            return in_list and f.other_keys <= 2  # a config's or a post's 'title' and 'date' is not a reference
        return False
    return f.ids()


def _shaped(ref: ParsedReference, s: str, item: bool) -> bool:
    """Reference shape (as extract.py's units have it): a title, with authors and a year or identifier,
    or a marked title with authors or a date; a bare quoted title only as a list item of its own."""
    if not ref.title or not has_letters(ref.title):
        return False
    dated = ref.year is not None or bool(ref.doi or ref.arxiv_id or ref.pmid or ref.isbn)
    if not ref.title_marked and (len(ref.title) > 400 or _PAREN_YEAR_IN_TITLE_RE.search(ref.title)):
        return False
    if ref.authors and dated:
        return True
    if not ref.title_marked:
        return False
    if ref.authors or (dated and len(ref.title.split()) >= 2):
        return True
    return item and s.lstrip()[:1] in "\"“„«'‘*" and len(clean_text(s)) <= len(ref.title) + 40


_PAREN_YEAR_IN_TITLE_RE = re.compile(r"\([^()]{0,80}\b" + YEAR + r"[a-z]?\)")


def _groups(node: _Node) -> list[tuple[int, int, list[tuple[str, int, _Node]]]]:
    """A mapping as (start, end, pairs) groups: one, unless a field comes again ('Title: A / Authors: B /
    Title: C ...' read as one YAML mapping), which starts the next group."""
    out: list[tuple[int, int, list[tuple[str, int, _Node]]]] = []
    cur: list[tuple[str, int, _Node]] = []
    seen: set[frozenset[str]] = set()
    for p in node.pairs:
        r = _roles(p[0])
        if r and r in seen and r & {"title", "name", "ref", "authors"}:
            out.append((cur[0][1], max(x[2].end for x in cur), cur))
            cur, seen = [], set()
        cur.append(p)
        if r:
            seen.add(r)
    if cur:
        out.append((cur[0][1], max(x[2].end for x in cur), cur))
    if len(out) == 1:
        return [(node.start, node.end, node.pairs)]
    return out


_KEYISH_RE = re.compile(r"[\w:.\-/]{2,100}")


def _container(n: _Node) -> bool:
    """Whether a mapping may hold references: it names a title (or whole reference) itself, or holds
    lists or mappings. A mapping of identifiers only ('externalIds') belongs to the work around it."""
    return any(v.kind != "s" or (_roles(k) & {"title", "name", "ref"}) for k, _, v in n.pairs)


def _tree_citations(text: str, root: _Node, budget: _Budget, strings: bool) -> list[Citation]:
    """The references in a tree: mappings whose keys name a reference's fields (the innermost ones: a
    mapping holding a list of references is not one itself), and, if `strings`, whole-reference strings
    in lists (in JSON, and in fenced YAML: an unfenced markdown list is a YAML list of strings too, and
    the free-text passes read it)."""
    walk = _TreeWalk(text, budget, strings)
    walk.visit(root, 0, False)
    return walk.out


class _TreeWalk:
    """The walk of `_tree_citations`. A class rather than nested functions: a recursive closure refers
    to itself through its cell, a reference cycle that only the cyclic garbage collector frees, which
    every answer with a tree in it would leave behind."""

    def __init__(self, text: str, budget: _Budget, strings: bool) -> None:
        self.text = text
        self.budget = budget
        self.strings = strings
        self.out: list[Citation] = []

    def visit(self, n: _Node, depth: int, in_list: bool) -> int:
        budget, out = self.budget, self.out
        if depth > MAX_DEPTH or budget.spent():
            return 0
        found = 0
        if n.kind == "m":
            keyed = sum(v.kind == "m" for _, _, v in n.pairs) > 1
            for k, _, v in n.pairs:
                if v.kind == "l" or (v.kind == "m" and _container(v)):
                    if not (_roles(k) & {"authors", "editors", "year", "venue", "url", "doi"}):
                        got = self.visit(v, depth + 1, keyed)
                        if got and v.kind == "m" and keyed and not out[-1].key and _KEYISH_RE.fullmatch(k):
                            out[-1].key = k  # {"vaswani2017": {...}, ...}: works by their citation keys
                        found += got
            if found:
                return found
            groups = _groups(n)
            for s, e, pairs in groups:
                if not budget.attempt():
                    break
                f = _fields_of(pairs)
                if _accept(f, in_list or len(groups) > 1):
                    e = _rstrip(self.text, s, e)
                    out.append(f.citation(self.text, s, e))
                    budget.entries -= 1
                    found += 1
        elif n.kind == "l":
            for it in n.items:
                if it.kind == "s":
                    found += self.string_ref(it) if self.strings else 0
                else:
                    found += self.visit(it, depth + 1, True)
        return found

    def string_ref(self, n: _Node) -> int:
        s, text = n.text, self.text
        if len(s) < 20 or len(s) > MAX_REFERENCE_CHARS or not self.budget.attempt():
            return 0
        ref = parse_reference(s)
        if not _shaped(ref, s, item=True):
            return 0
        a, b = n.start, n.end
        if b - a >= 2 and text[a] in "\"'" and text[b - 1] == text[a]:
            a, b = a + 1, b - 1
        f = _Fields()
        f.fill_from(ref)
        self.out.append(f.citation(text, a, b))
        self.budget.entries -= 1
        return 1


# --- HTML ---------------------------------------------------------------------------------------------------

_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_ENTRY_TAGS = frozenset({"li", "dd", "p", "div", "blockquote", "article", "section", "td", "span", "cite"})
_BLOCKISH = frozenset({"li", "dd", "dt", "p", "div", "blockquote", "article", "section", "ol", "ul", "dl", "table", "tr"})
_CLOSES = {  # an open tag that implicitly closes an open element, up to a barrier
    "li": ({"li"}, {"ol", "ul", "menu"}),
    "dt": ({"dt", "dd"}, {"dl"}),
    "dd": ({"dt", "dd"}, {"dl"}),
    "tr": ({"tr", "td", "th"}, {"table", "thead", "tbody", "tfoot"}),
    "td": ({"td", "th"}, {"tr", "table"}),
    "th": ({"td", "th"}, {"tr", "table"}),
    "thead": ({"thead", "tbody", "tr", "td", "th"}, {"table"}),
    "tbody": ({"thead", "tbody", "tr", "td", "th"}, {"table"}),
    "p": ({"p"}, {"div", "li", "td", "th", "blockquote", "section", "article", "dd"}),
}


@dataclass(slots=True, eq=False)
class _Element:
    tag: str
    attrs: dict[str, str]
    start: int  # of the open tag
    inner: int  # after the open tag
    close: int = -1  # where the close tag starts (or where it was implicitly closed)
    end: int = -1  # after the close tag
    children: list[_Element] = field(default_factory=list)


class _Stop(Exception):
    pass


def _mask_declarations(s: str) -> str:
    """Comments, declarations and processing instructions blanked out (newlines kept, so offsets hold);
    the text is cut at one that never closes. html.parser searches to the end of the input for the close
    of each, which is quadratic on thousands of unclosed '<!--'."""
    out: list[str] = []
    pos = 0
    while True:
        i = s.find("<!", pos)
        j = s.find("<?", pos)
        k = min(x for x in (i, j, len(s)) if x >= 0)
        if k >= len(s):
            out.append(s[pos:])
            break
        close = "-->" if s.startswith("<!--", k) else ">"
        end = s.find(close, k + 2)
        if end < 0:
            out.append(s[pos:k])
            break
        end += len(close)
        out.append(s[pos:k])
        out.append(re.sub(r"[^\n]", " ", s[k:end]))
        pos = end
    return "".join(out)


def _read_html(text: str, a: int, stop_after: int, limit: int) -> _HtmlReader:
    """The HTML that starts at `a`: read on past `stop_after` while an element is still open (a list
    with blank lines between its items); if it never closes, only up to `stop_after`."""
    r = _HtmlReader(text, a, stop_after, limit)
    r.run()
    if r.unclosed and stop_after < r.read_end:
        r = _HtmlReader(text, a, stop_after, stop_after)
        r.run()
    return r


class _HtmlReader(HTMLParser):
    """Elements with character offsets, read from `text[a:limit]` until the top-level markup that starts
    at `a` ends (after `stop_after`, when nothing is open) or `MAX_BLOCK_CHARS` have been read."""

    def __init__(self, text: str, a: int, stop_after: int, limit: int) -> None:
        super().__init__(convert_charrefs=False)
        self.text, self.base, self.stop_after = text, a, stop_after
        end = min(limit, a + MAX_BLOCK_CHARS)
        self.read_end = end
        self.chunk = _mask_declarations(text[a:end])
        self.line_starts = [0, *(m.end() for m in re.finditer("\n", self.chunk))]
        self.roots: list[_Element] = []
        self.stack: list[_Element] = []
        self.count = 0
        self.region_end = a
        self.unclosed = False

    def run(self) -> None:
        try:
            self.feed(self.chunk)
            self.close()
        except _Stop:
            pass
        except Exception:  # a parser that gives up (or markup nested too deep): no HTML here
            self.roots = []
            return
        if self.stack:  # unclosed at the end of what was read: close at the last point anything closed
            self.unclosed = True
            end = max(self.region_end, min(self.stop_after, self.read_end))
            for el in self.stack:
                el.close = el.end = max(el.inner, _rstrip(self.text, el.inner, end))
            self.stack = []
            self.region_end = end

    def _pos(self) -> int:
        line, col = self.getpos()
        return self.base + self.line_starts[line - 1] + col

    def _closed(self, el: _Element, at: int, end: int) -> None:
        el.close, el.end = at, end
        if not self.stack:
            self.region_end = end

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pos = self._pos()
        if not self.stack and pos >= self.stop_after:
            raise _Stop
        raw = self.get_starttag_text() or ""
        self.count += 1
        if self.count > 20_000:
            raise _Stop
        if tag in _CLOSES:
            close, barrier = _CLOSES[tag]
            for i in range(len(self.stack) - 1, -1, -1):
                t = self.stack[i].tag
                if t in barrier:
                    break
                if t in close:
                    for el in reversed(self.stack[i:]):
                        el.close = el.end = pos
                    del self.stack[i:]
                    break
        if tag in _VOID:
            return
        el = _Element(tag, {k: v or "" for k, v in attrs[:20]}, pos, pos + len(raw))
        (self.stack[-1].children if self.stack else self.roots).append(el)
        if len(self.stack) >= MAX_DEPTH:
            raise ValueError("nested too deep")
        self.stack.append(el)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.stack and self._pos() >= self.stop_after:
            raise _Stop

    def handle_endtag(self, tag: str) -> None:
        pos = self._pos()
        gt = self.text.find(">", pos, pos + 200)
        end = gt + 1 if gt >= 0 else pos
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].tag == tag:
                for el in reversed(self.stack[i + 1 :]):
                    el.close = el.end = pos
                el = self.stack[i]
                del self.stack[i:]
                self._closed(el, pos, end)
                if not self.stack and end >= self.stop_after:
                    raise _Stop
                return

    def handle_data(self, data: str) -> None:
        if not self.stack and data.strip() and self._pos() >= self.stop_after:
            raise _Stop


_TAG_RE = re.compile(r"<(/?)([A-Za-z][\w-]{0,20})((?:[^>\"']|\"[^\"]{0,500}\"|'[^']{0,500}'){0,600})/?>|<!--.{0,2000}?-->", re.DOTALL)
_HREF_RE = re.compile(r"""\bhref\s{0,3}=\s{0,3}(?:"([^"]{0,2000})"|'([^']{0,2000})'|([^\s>]{1,2000}))""", re.IGNORECASE)
_ITALIC_TAGS = frozenset({"i", "em", "var", "dfn"})
_BOLD_TAGS = frozenset({"b", "strong"})
_STAR = "\u2217"  # a '*' of the text itself ('A* Search'), kept apart from the '*' that marks italics
_URL_LINK_RE = re.compile(r"\[\s{0,5}([^\[\]\n]{1,2000}?)\s{0,5}\]\(([^()\s]{1,2000})\)")
_LINK_WORDS = frozenset(
    "doi pdf link here url paper arxiv abstract html web website code preprint view online full text "
    "project page publisher dblp scholar semantic scholar openreview acl anthology pubmed".split()
)


def _unlink(m: re.Match[str]) -> str:
    """A link whose text is a URL, an identifier or a word such as 'pdf' marks no title: keep its text
    and, for the identifiers in it, its target."""
    t = m.group(1)
    if t.lower().startswith(("http://", "https://", "www.", "doi:", "10.")):
        return t
    if t.lower().strip(" []().:") in _LINK_WORDS or len(t) <= 3:
        return f"{t} {m.group(2)}"
    return m.group(0)

_BREAK_RE = re.compile(r"([.,;:!?])?[ \t\n]{0,50}\x00[\s\x00]{0,50}")
_SPACE_TAGS = frozenset({"br", "p", "div", "li", "tr", "td", "th", "dd", "dt", "hr", "ol", "ul", "table", "span"})


def _html_text(text: str, a: int, b: int, marks: bool = True, cite: str = "**", bold: str = "**") -> str:
    """The text of `text[a:b]` as markdown-ish plain text: italics as *...*, bold as **...**, links as
    [text](href), entities decoded, whitespace collapsed (what `parse_reference` reads best)."""
    out: list[str] = []
    pos = a
    hrefs: list[str] = []
    for m in _TAG_RE.finditer(text, a, b):
        out.append(text[pos : m.start()].replace("*", _STAR) if marks else text[pos : m.start()])
        pos = m.end()
        tag = (m.group(2) or "").lower()
        closing = m.group(1) == "/"
        if tag == "br":
            out.append("\x00")
        elif not tag or not marks:
            out.append(" " if tag in _SPACE_TAGS else "")
        elif tag == "cite":  # the title of a work: marked the way refparse reads a leading title best
            out.append(cite)
        elif tag in _ITALIC_TAGS:
            out.append("*")
        elif tag in _BOLD_TAGS:
            out.append(bold)
        elif tag == "a":
            if closing:
                out.append(f"]({hrefs.pop()})" if hrefs and hrefs[-1] else "")
                if hrefs and not hrefs[-1]:
                    hrefs.pop()
            else:
                h = _HREF_RE.search(m.group(3) or "")
                href = html.unescape(next((g for g in h.groups() if g), "")) if h else ""
                href = href.strip().replace(" ", "%20").replace("(", "%28").replace(")", "%29").rstrip("?.,;:!")
                href = href if href.startswith(("http://", "https://", "www.")) else ""
                hrefs.append(href)
                out.append("[" if href else "")
        else:
            out.append(" " if tag in _SPACE_TAGS else "")
    out.append(text[pos:b].replace("*", _STAR) if marks else text[pos:b])
    s = _URL_LINK_RE.sub(_unlink, html.unescape("".join(out)))  # a link whose text is a URL or DOI is no marked title
    s = _BREAK_RE.sub(lambda m: (m.group(1) or ".") + " ", s)  # '<br>' between fields: a sentence end
    s = re.sub(r"(\*{1,2})\s+(?=[^*\s])([^*\n]{1,600}?)\s+\1", r"\1\2\1", s)  # '<em> Title </em>'
    return " ".join(s.split())


def _class_roles(el: _Element) -> frozenset[str]:
    names = " ".join(el.attrs.get(k, "") for k in ("class", "itemprop", "data-field", "property", "data-type"))
    out: set[str] = set()
    for tok in names.split()[:10]:
        r = _roles(tok.replace("csl-", "").replace("ref-", ""))
        if r & {"title", "authors", "year", "venue", "doi", "url", "arxiv"}:
            out |= r
    return frozenset(out)


def _walk(el: _Element) -> Iterator[_Element]:
    stack = list(reversed(el.children))
    while stack:
        x = stack.pop()
        yield x
        stack.extend(reversed(x.children))


def _html_fields(text: str, el: _Element) -> tuple[_Fields, str, bool]:
    """Fields of one entry element: parsed from its text, overridden by what its markup names (a `class`
    or `itemprop` naming a field, `<cite>` for the title, `<a href>` for identifiers). Returns the
    fields, the entry's text and whether markup named any field."""
    s = _html_text(text, el.inner, el.close)
    f = _Fields()
    named = False
    cites: list[_Element] = []
    for d in _walk(el):
        if d.close < 0:
            continue
        roles = _class_roles(d)
        if roles:
            value = _Node("s", d.inner, d.close, _html_text(text, d.inner, d.close, marks=False))
            g = _fields_of([(_label(roles), d.inner, value)])
            named = True
            f.title = f.title or g.title
            if g.authors and not f.authors:
                f.authors, f.et_al = g.authors, g.et_al
            f.year = f.year or g.year
            f.venue = f.venue or g.venue
            f.doi, f.url, f.arxiv_id = f.doi or g.doi, f.url or g.url, f.arxiv_id or g.arxiv_id
        elif d.tag == "cite":
            cites.append(d)
        if d.tag == "a" and d.attrs.get("href"):
            f.add_url(html.unescape(d.attrs["href"]))
    if cites:
        t = _html_text(text, cites[0].inner, cites[0].close, marks=False)
        if len(t) >= 0.8 * len(s):  # '<cite>' around the whole reference: no title mark then
            s = _html_text(text, el.inner, el.close, cite="")
        elif len(cites) == 1 and not f.title:
            f.title = _title_text(t)
            named = named or f.title is not None
    return f, s, named


def _ol_numbers(el: _Element) -> dict[int, str]:
    """The number each `<li>` of an `<ol>` shows (`start`, `value` honoured)."""
    out: dict[int, str] = {}
    try:
        n = int(el.attrs.get("start", "1") or 1)
    except ValueError:
        n = 1
    for c in el.children:
        if c.tag != "li":
            continue
        v = c.attrs.get("value", "")
        if v.isdigit():
            n = int(v)
        out[id(c)] = str(n)
        n += 1
    return out


_NAME_LIST_RE = re.compile(r",|\bet\.?\s?al\b|\s(?:and|&)\s")


def _html_citations(text: str, roots: list[_Element], budget: _Budget) -> tuple[list[Citation], list[tuple[int, int]]]:
    walk = _HtmlWalk(text, budget)
    for r in roots:
        walk.visit(r, 0)
    return walk.cites, walk.spans


class _HtmlWalk:
    """The walk of `_html_citations` (a class, not nested functions: a recursive closure refers to
    itself through its cell, a reference cycle left for the cyclic collector after every call)."""

    def __init__(self, text: str, budget: _Budget) -> None:
        self.text = text
        self.budget = budget
        self.cites: list[Citation] = []
        self.spans: list[tuple[int, int]] = []
        self.numbers: dict[int, str] = {}

    def entry(self, el: _Element) -> bool:
        text, budget, numbers = self.text, self.budget, self.numbers
        if el.close < 0 or el.close - el.inner > 4 * MAX_REFERENCE_CHARS or not budget.attempt():
            return False
        a, b = _strip(text, el.inner, el.close)
        if b <= a:
            return False
        f, s, named = _html_fields(text, el)
        if len(s) > MAX_REFERENCE_CHARS:
            return False
        ref = parse_reference(s)
        if ref.title and ref.title_marked and "**" in s and _NAME_LIST_RE.search(ref.title) and looks_like_names(ref.title):
            s = _html_text(text, el.inner, el.close, bold="")  # '<strong>He, K. et al.</strong> (2016). Title.'
            ref = parse_reference(s)
        item = el.tag in ("li", "dd")
        if not (named and f.title) and not _shaped(ref, s, item):
            return False
        f.fill_from(ref)
        if not f.title:
            return False
        f.key = f.key or numbers.get(id(el))
        self.cites.append(f.citation(text, a, b))
        self.spans.append((el.start, max(el.end, b)))
        budget.entries -= 1
        return True

    def table(self, el: _Element) -> bool:
        text, budget = self.text, self.budget
        rows = [r for r in _walk(el) if r.tag == "tr"]
        if not rows:
            return False
        head = rows[0]
        hcells = [c for c in head.children if c.tag in ("th", "td")]
        roles = [_roles(_html_text(text, c.inner, c.close, marks=False)) for c in hcells]
        if not any(r & {"title", "name", "ref"} for r in roles) or not all(c.tag == "th" for c in hcells):
            return False
        ti = _title_column(roles)
        got = False
        for row in rows[1:]:
            cells = [c for c in row.children if c.tag in ("td", "th") and c.close >= 0]
            if not cells or ti >= len(cells) or not budget.attempt():
                continue
            values = [_html_text(text, c.inner, c.close, marks=False) for c in cells[: len(roles)]]
            f = _row_fields(roles, [(c.inner, c.close) for c in cells], values, ti)
            for c in cells:
                for d in _walk(c):
                    if d.tag == "a" and d.attrs.get("href"):
                        f.add_url(html.unescape(d.attrs["href"]))
            if not f.title or ("name" in roles[ti] and not (f.authors or f.ids())):
                continue
            a, b = cells[0].start, max(cells[-1].end, cells[-1].close)
            self.cites.append(f.citation(text, a, b))
            budget.entries -= 1
            got = True
        if got:
            self.spans.append((el.start, max(el.end, el.close)))
        return got

    def visit(self, el: _Element, depth: int) -> bool:
        text, numbers = self.text, self.numbers
        if depth > MAX_DEPTH:
            return False
        if el.tag == "table":
            return self.table(el)
        if el.tag == "ol":
            numbers.update(_ol_numbers(el))
        if el.tag == "dl":  # '<dt>[3]</dt><dd>...</dd>': the term labels the entry
            label = ""
            for c in el.children:
                if c.tag == "dt" and c.close >= 0:
                    label = _html_text(text, c.inner, c.close, marks=False).strip("[]().: ")
                elif c.tag == "dd" and label.isdigit():
                    numbers[id(c)] = label.lstrip("0") or "0"
        found = False
        for c in el.children:
            found = self.visit(c, depth + 1) or found
        if not found and el.tag in _ENTRY_TAGS and el.tag not in ("span", "cite", "td") and not any(
            c.tag in _BLOCKISH for c in el.children
        ):
            found = self.entry(el)
        return found


def _label(roles: frozenset[str]) -> str:
    """A key that `_roles` maps back to `roles`."""
    if not roles:
        return "-"
    if roles == {"venue", "year"}:
        return "venue year"
    if roles == {"authors", "year"}:
        return "author year"
    return next(iter(roles))


# --- LaTeX ----------------------------------------------------------------------------------------------------

_BIBITEM_RE = re.compile(r"\\bibitem[ \t]{0,3}(?:\[([^\]\n]{0,120})\])?[ \t]{0,3}\{([^{}\n]{1,100})\}[ \t]*\n?[ \t]*")
_THEBIB_BEGIN_RE = re.compile(r"\\begin\{thebibliography\}(?:[ \t]{0,3}\{[^{}\n]{0,40}\})?")
_THEBIB_END = "\\end{thebibliography}"
_BLANK_LINE_RE = re.compile(r"\n[ \t]*\n")
_EM_GROUP_RE = re.compile(r"\{\\(?:em|it|sl|itshape)[ \t\n]{1,3}([^{}]{0,600})\}")
_BRACES_DEEP = 12


@lru_cache(maxsize=1)
def _latex_converter() -> tuple[Any, LatexNodes2Text]:
    walker = _walker_context()
    walker.add_context_category(
        "citeproof", macros=[MacroSpec("href", "{{"), MacroSpec("doi", "{"), MacroSpec("newblock", "")], prepend=True
    )
    l2t = _l2t_context()
    l2t.add_context_category(
        "citeproof",
        macros=[
            MacroTextSpec("emph", simplify_repl="*%(1)s*"),
            MacroTextSpec("textit", simplify_repl="*%(1)s*"),
            MacroTextSpec("textsl", simplify_repl="*%(1)s*"),
            MacroTextSpec("newblock", simplify_repl=" "),
            MacroTextSpec("url", simplify_repl=" %(1)s "),
            MacroTextSpec("href", simplify_repl="[%(2)s](%(1)s)"),
            MacroTextSpec("doi", simplify_repl=" doi:%(1)s "),
        ],
        prepend=True,
    )
    return walker, LatexNodes2Text(latex_context=l2t, math_mode="text", strict_latex_spaces=False)


_CHEAP_LATEX = [
    (re.compile(r"\\(?:emph|textit|textsl)\{([^{}]{0,600})\}"), r"*\1*"),
    (re.compile(r"\\href\{([^{}]{0,600})\}\{([^{}]{0,600})\}"), r"[\2](\1)"),
    (re.compile(r"\\(?:url|doi)\{([^{}]{0,600})\}"), r" \1 "),
    (re.compile(r"\\newblock\b"), " "),
    (re.compile(r"``"), "“"),
    (re.compile(r"''"), "”"),
    (re.compile(r"(?<!\\)~"), " "),
    (re.compile(r"---?"), "–"),
]


def _latex_text(s: str, budget: _Budget) -> str:
    """A \\bibitem body as plain text; italics kept as *...* for `parse_reference`."""
    s = _EM_GROUP_RE.sub(r"\\emph{\1}", s)
    depth = top = 0
    for ch in s:
        depth += (ch == "{") - (ch == "}")
        top = max(top, depth)
    if budget.latex >= len(s) and top <= _BRACES_DEEP:
        budget.latex -= len(s)
        walker_db, l2t = _latex_converter()
        try:
            nodes, _, _ = LatexWalker(s, latex_context=walker_db, tolerant_parsing=True).get_latex_nodes()
            return _URL_LINK_RE.sub(_unlink, " ".join(l2t.nodelist_to_text(nodes).replace("\xa0", " ").split()))
        except Exception:  # pylatexenc raises many kinds on broken input: convert cheaply instead
            pass
    for rx, rep in _CHEAP_LATEX:
        s = rx.sub(rep, s)
    return _URL_LINK_RE.sub(_unlink, " ".join(latex_to_unicode(s).split()))


def _latex_citations(text: str, budget: _Budget) -> tuple[list[Citation], list[tuple[int, int]]]:
    """`\\bibitem` entries, in a `thebibliography` environment or not; each from after its key to the
    next `\\bibitem`, the end of the environment or a blank line."""
    if "\\bibitem" not in text:
        return [], []
    envs: list[tuple[int, int, int]] = []  # (start, body start, end)
    for m in _THEBIB_BEGIN_RE.finditer(text):
        if envs and m.start() < envs[-1][2]:
            continue
        end = text.find(_THEBIB_END, m.end())
        envs.append((m.start(), m.end(), len(text) if end < 0 else end + len(_THEBIB_END)))
    env_starts = [e[0] for e in envs]
    cites: list[Citation] = []
    spans: list[tuple[int, int]] = []
    items = list(_BIBITEM_RE.finditer(text))
    for i, m in enumerate(items):
        if not budget.attempt():
            break
        k = bisect.bisect_right(env_starts, m.start()) - 1
        env = envs[k] if k >= 0 and m.start() < envs[k][2] else None
        limit = items[i + 1].start() if i + 1 < len(items) else len(text)
        if env is not None:
            limit = min(limit, env[2] - len(_THEBIB_END) if text.endswith(_THEBIB_END, 0, env[2]) else env[2])
        blank = _BLANK_LINE_RE.search(text, m.end(), limit)
        if blank is not None:
            limit = blank.start()
        fence = _FENCE_IN_RE.search(text, m.end(), limit)
        if fence is not None:
            limit = fence.start()
        a, b = m.end(), _rstrip(text, m.end(), limit)
        if b <= a:
            continue
        if b - a > MAX_REFERENCE_CHARS:
            b = a + MAX_REFERENCE_CHARS
        s = _latex_text(text[a:b], budget)
        ref = parse_reference(s)
        f = _Fields(key=m.group(2).strip())
        f.fill_from(ref)
        if m.group(1) and f.year is None:
            f.year = find_year(latex_to_unicode(m.group(1)))
        if not f.title and not f.ids():
            continue
        cites.append(f.citation(text, a, b))
        spans.append((m.start(), b) if env is None else (a, b))
        budget.entries -= 1
    for es, _, ee in envs:
        if any(es <= c.start < ee for c in cites):
            spans.append((es, ee))
    return cites, spans


_FENCE_IN_RE = re.compile(r"\n[ \t]{0,3}(?:`{3,}|~{3,})")
_CITE_RE = re.compile(
    r"\\(?:cite[pt]?|citealp|citealt|citeauthor|citeyear|parencite|textcite|autocite|footcite)\*?(?:\[[^\]\n]{0,40}\]){0,2}"
    r"\{([^{}\n]{1,400})\}"
)
_CITE_KEY_RE = re.compile(r"[^,;\s]+")


def _link_cites(text: str, a: int, b: int, cites: list[Citation]) -> None:
    """Record each '\\cite{key}' in `text[a:b]` (a code block, which the free-text linking skips) as a
    mention of the `\\bibitem` with that key."""
    by_key = {c.key: c for c in cites if c.key}
    seen = {span for c in by_key.values() for span in c.mentions}
    n = 0
    for m in _CITE_RE.finditer(text, a, b):
        for k in _CITE_KEY_RE.finditer(m.group(1)):
            n += 1
            if n > 5000:  # as extract.py's MAX_MENTIONS
                return
            c = by_key.get(k.group(0))
            if c is not None and not (c.start <= m.start() < c.end):
                span = (m.start(1) + k.start(), m.start(1) + k.end())
                if span not in seen:
                    seen.add(span)
                    c.mentions.append(span)


# --- markdown tables ----------------------------------------------------------------------------------------


def _row_cells(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """(start, end) of each cell of a markdown table row, trimmed; escaped pipes don't split."""
    i = a
    while i < b and text[i] in " \t>":
        i += 1
    if i < b and text[i] == "|":
        i += 1
    cells: list[tuple[int, int]] = []
    start = i
    while i <= b:
        if i == b or (text[i] == "|" and text[i - 1] != "\\"):
            cells.append(_strip(text, start, i))
            start = i + 1
        i += 1
    if cells and cells[-1][0] == cells[-1][1]:
        cells.pop()
    return cells


_MD_LINK_RE = re.compile(r"\[([^\[\]\n]{1,600})\]\([^()\s]{1,2000}\)")
_PAREN_YEAR_TAIL_RE = re.compile(r"\s{0,3}\(" + YEAR + r"[a-z]?\)\s{0,3}$")


def _title_column(roles: list[frozenset[str]]) -> int:
    ti = next((i for i, r in enumerate(roles) if "title" in r), None)
    return ti if ti is not None else next(i for i, r in enumerate(roles) if r & {"ref", "name"})


def _row_fields(roles: list[frozenset[str]], cells: list[tuple[int, int]], values: list[str], ti: int) -> _Fields:
    """The fields of a table row: each cell by its column's header; the title cell is parsed as a
    reference, since it may hold one ('| Reference | Why |') or a year ('Title (2017)')."""
    pairs = [(_label(roles[i]), cells[i][0], _Node("s", cells[i][0], cells[i][1], v)) for i, v in enumerate(values) if i != ti]
    f = _fields_of(pairs)
    ref = parse_reference(values[ti])
    if ref.authors and not ref.title_marked and "ref" not in roles[ti]:
        # a title column's cell is a title, even when it reads like 'Non-linear, Sparse ...' (an author
        # list before the title to the reference parser)
        f.title = _title_text(_MD_LINK_RE.sub(r"\1", _PAREN_YEAR_TAIL_RE.sub("", values[ti])))
        f.year = f.year or ref.year
        return f
    f.title = ref.title or _title_text(values[ti])
    if f.title:
        f.fill_from(ref)
    return f


def _md_table(text: str, lines: list[tuple[int, int]], l0: int, l1: int, budget: _Budget) -> tuple[list[Citation], list[tuple[int, int]]]:
    """A markdown table whose header names a title (or reference) column: one citation per data row."""
    header = _row_cells(text, *lines[l0])
    roles = [_roles(text[s:e].strip("*_ ")) for s, e in header]
    if not any(r & {"title", "name", "ref"} for r in roles):
        return [], []
    ti = _title_column(roles)
    cites: list[Citation] = []
    spans = [(lines[l0][0], lines[min(l0 + 1, l1 - 1)][1])]
    for la, lb in lines[l0 + 2 : l1]:
        cells = _row_cells(text, la, lb)
        if not cells or ti >= len(cells) or not budget.attempt():
            continue
        f = _row_fields(roles, cells, [text[s:e] for s, e in cells[: len(roles)]], ti)
        if not f.title or ("name" in roles[ti] and not (f.authors or f.ids())):
            continue  # a 'Name' column names people and products as often as works
        for ident in find_identifiers(text[la:lb]):
            f.doi, f.arxiv_id, f.pmid, f.isbn = f.doi or ident.doi, f.arxiv_id or ident.arxiv_id, f.pmid or ident.pmid, f.isbn or ident.isbn
            f.url = f.url or ident.url
        cites.append(f.citation(text, cells[0][0], cells[-1][1]))
        spans.append((la, lb))
        budget.entries -= 1
    return (cites, spans) if cites else ([], [])


# --- Wikipedia citation templates ---------------------------------------------------------------------------------

# Asked for references for a Wikipedia article, an LLM writes Citation Style 1/2 templates, often inside
# '<ref>' tags in the prose: '{{cite journal |last1=He |first1=Kaiming |title=... |journal=... |year=2016
# |doi=...}}', '{{Cite arXiv |eprint=1706.03762 ...}}', '{{citation |...}}'. Their parameters name the
# fields, so they are read by name here; numbered name parameters ('last2', 'first2', 'author3') give the
# author list in order.
_TEMPLATE_RE = re.compile(r"\{\{[ \t\n]{0,4}(?:[Cc]ite[ _]{1,2}[A-Za-z][A-Za-z ]{0,24}?|[Cc]itation|[Vv]cite[ _][A-Za-z]{2,20})[ \t\n]{0,4}\|")
MAX_TEMPLATE_CHARS = 6000  # a longer template is junk or an attack: its end is not looked for further
_TEMPLATE_TOKEN_RE = re.compile(r"\{\{|\}\}|\[\[|\]\]|\|")
_TEMPLATE_BRACES_RE = re.compile(r"\{\{|\}\}")
_WIKI_LINK_RE = re.compile(r"\[\[(?:[^\[\]|]{0,300}\|)?([^\[\]|]{0,300})\]\]")
_WIKI_EXT_LINK_RE = re.compile(r"\[(?:https?:)?//[^\s\]]{1,2000}[ \t]+([^\]]{1,500})\]")
_WIKI_MARKUP_RE = re.compile(r"'{2,5}|<[^<>]{0,200}>|\{\{[^{}]{0,200}\}\}")
_PARAM_NUMBER_RE = re.compile(r"\d{1,3}")
# parameter (without its number, '_' read as '-') -> the field it gives
_TEMPLATE_PARAMS: dict[str, str] = {
    "title": "title", "chapter": "chapter", "contribution": "chapter", "entry": "chapter", "article": "chapter",
    "last": "family", "surname": "family", "author-last": "family", "author-surname": "family",
    "first": "given", "given": "given", "author-first": "given", "author-given": "given",
    "author": "author", "authors": "authors", "vauthors": "authors", "people": "authors",
    "display-authors": "display-authors",
    "year": "year", "date": "date", "publication-date": "date",
    "journal": "venue", "book-title": "venue", "booktitle": "venue", "conference": "venue", "work": "venue",
    "periodical": "venue", "magazine": "venue", "newspaper": "venue", "website": "venue", "encyclopedia": "venue",
    "encyclopaedia": "venue", "series": "venue",
    "doi": "doi", "arxiv": "arxiv", "eprint": "arxiv", "pmid": "pmid", "isbn": "isbn", "url": "url",
    "chapter-url": "url",
}  # fmt: skip
# the venue parameter preferred when a template has several ('conference' names the meeting, 'book-title' its proceedings)
_VENUE_ORDER = ("journal", "book-title", "booktitle", "conference", "periodical", "magazine", "encyclopedia",
                "encyclopaedia", "work", "newspaper", "website", "series")  # fmt: skip


def _template_end(text: str, a: int) -> int:
    """Where the template whose body starts at `a` (after '{{cite ...|') ends (after its '}}'), or -1
    if it does not within `MAX_TEMPLATE_CHARS`: nested templates ('{{!}}', '{{doi|...}}') are skipped whole."""
    depth = 1
    for m in _TEMPLATE_BRACES_RE.finditer(text, a, min(len(text), a + MAX_TEMPLATE_CHARS)):
        depth += 1 if m.group() == "{{" else -1
        if depth == 0:
            return m.end()
    return -1


def _template_params(text: str, a: int, b: int) -> list[tuple[str, str]]:
    """The 'name=value' parameters of a template body `text[a:b]` (without its closing '}}'): name
    (lower case, '_' as '-') and value with its wiki markup removed."""
    parts: list[tuple[int, int]] = []
    depth, links, start = 0, 0, a
    for m in _TEMPLATE_TOKEN_RE.finditer(text, a, b):
        tok = m.group()
        if tok == "{{":
            depth += 1
        elif tok == "}}":
            depth = max(0, depth - 1)
        elif tok == "[[":
            links += 1
        elif tok == "]]":
            links = max(0, links - 1)
        elif depth == 0 and links == 0:  # '|' between parameters
            parts.append((start, m.start()))
            start = m.end()
    parts.append((start, b))
    out: list[tuple[str, str]] = []
    for s, e in parts:
        eq = text.find("=", s, e)
        if eq < 0:
            continue
        name = text[s:eq].strip().lower().replace("_", "-")
        if not name or len(name) > 40:
            continue
        value = _WIKI_LINK_RE.sub(r"\1", text[eq + 1 : e])
        value = _WIKI_EXT_LINK_RE.sub(r"\1", value)
        value = _WIKI_MARKUP_RE.sub("", value)
        out.append((name, clean_text(html.unescape(value))))
    return out


def _template_fields(params: list[tuple[str, str]]) -> _Fields:
    """A template's parameters as a reference's fields."""
    f = _Fields()
    values: dict[str, str] = {}
    names: dict[int, dict[str, str]] = {}  # author number -> 'family' / 'given' / 'author'
    author_lists: list[str] = []
    for name, value in params:
        if not value:
            continue
        digits = _PARAM_NUMBER_RE.search(name)
        base = _PARAM_NUMBER_RE.sub("", name).replace("--", "-").strip("-") if digits else name
        field_ = _TEMPLATE_PARAMS.get(base)
        if field_ is None:
            continue
        if field_ in ("family", "given", "author"):
            names.setdefault(int(digits.group()) if digits else 1, {}).setdefault(field_, value)
        elif field_ == "authors":
            author_lists.append(value)
        elif field_ == "venue":
            values.setdefault("venue:" + base, value)
        else:
            values.setdefault(field_, value)
    for n in sorted(names):
        parts = names[n]
        if parts.get("family"):
            f.authors.append(Author(family=parts["family"], given=parts.get("given", "")))
        elif parts.get("author"):
            got, more = parse_authors(parts["author"])
            f.authors.extend(got)
            f.et_al = f.et_al or more
    if not f.authors and author_lists:
        f.authors, f.et_al = parse_authors(author_lists[0])
    if values.get("display-authors", "").replace(" ", "").lower() in ("etal", "et-al", "etal."):
        f.et_al = True
    title, chapter = values.get("title"), values.get("chapter")
    venue = next((values["venue:" + k] for k in _VENUE_ORDER if "venue:" + k in values), None)
    if chapter:  # a chapter of a book, an entry of an encyclopedia: the chapter is the work, in the book
        title, venue = chapter, title or venue
    f.title = _title_text(title) if title else None
    f.venue = venue
    f.year = find_year(values["year"]) if "year" in values else None
    if f.year is None and "date" in values:
        f.year = find_year(values["date"])
    f.doi = norm_doi(values.get("doi"))
    f.arxiv_id = norm_arxiv_id(values.get("arxiv"))
    f.pmid = _pmid(values.get("pmid", ""))
    f.isbn = norm_isbn(values["isbn"]) if "isbn" in values else None
    if "url" in values:
        f.url = values["url"].split()[0]
        f.add_url(f.url)
    return f


def _template_citations(text: str, budget: _Budget) -> tuple[list[Citation], list[tuple[int, int]]]:
    """Citation templates ('{{cite journal |...}}'), wherever they are; each span is the whole template."""
    if "{{" not in text:
        return [], []
    cites: list[Citation] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    while True:
        m = _TEMPLATE_RE.search(text, pos)
        if m is None or not budget.attempt():
            break
        end = _template_end(text, m.end())
        if end < 0:
            pos = m.end()
            continue
        pos = end
        f = _template_fields(_template_params(text, m.end(), end - 2))
        if not _accept(f, in_list=True):
            continue
        cites.append(f.citation(text, m.start(), end))
        spans.append((m.start(), end))
        budget.entries -= 1
    return cites, spans


# --- blocks -----------------------------------------------------------------------------------------------------


@lru_cache(maxsize=2)
def _markdown(tables: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"maxNesting": 20}).use(footnote_plugin).disable("inline")
    return md.enable("table") if tables else md


def _rstrip(text: str, a: int, b: int) -> int:
    while b > a and text[b - 1].isspace():
        b -= 1
    return b


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    return a, _rstrip(text, a, b)


def _line_spans(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for m in re.finditer("\n", text):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(text)))
    return out


_JSON_START_RE = re.compile(r"[ \t]{0,12}[\[{]")
_HTML_START_RE = re.compile(r"[ \t]{0,12}<(?:[A-Za-z][\w-]{0,20})")
_BIB_ENTRY_RE = re.compile(r"\s{0,20}@[A-Za-z]{2,30}[ \t]{0,5}[{(]")


def _yaml_extent(text: str, lines: list[tuple[int, int]], i: int, stop: int, kind: str = "colon") -> int:
    """The line after the YAML-like run that starts at line `i`: key lines, list items, indented lines;
    over a blank line only when a key line or list item follows. `kind` 'ris' or 'refer': tagged lines."""
    line_re = _LINE_RES[kind]
    last = i
    j = i + 1
    gap = False
    n = 0
    while j < stop and n < 5000:
        a, b = lines[j]
        n += 1
        if not text[a:b].strip():
            gap = True
            j += 1
            continue
        if _FENCE_LINE_RE.match(text, a, b) or _HEADING_LINE_RE.match(text, a, b):
            break
        key = line_re.match(text, a, b)
        if gap and not (key or _CONT_ITEM_RE.match(text, a, b) or text[a:b].lstrip()[:2] in ("- ", "-\t")):
            break
        if not (key or text[a] in " \t" or text[a:b].lstrip()[:1] in "-#"):
            break
        if lines[j][1] - lines[i][0] > MAX_BLOCK_CHARS:
            break
        last, gap = j, False
        j += 1
    return last + 1


# Something structured may be here: a fence, a line that opens with markup, a bracket or a table pipe, a
# table's delimiter row, an indented code line, or a 'key:' / 'key =' line (checked further by the readers).
_TRIGGER_RE = re.compile(
    r"^[ \t>]{0,12}(?:[`~]{3}|<[A-Za-z]|[\[{|]|(?:[-*+•]|\d{1,3}[.)])?[ \t]{0,4}[*_]{0,3}[\"']?[A-Za-z#][\w ./()&'#-]{0,40}[*_\"']{0,3}[ \t]{0,2}[*_]{0,3}[:=])"
    r"|\|[ \t]{0,5}:?-{2,}|^(?: {4}|\t)[ \t]{0,40}\S"
    r"|^(?:TY[ \t]{1,2}-|%0[ \t])",  # RIS, refer/EndNote
    re.MULTILINE,
)


def read_structures(text: str) -> Structures:
    """The citations in the structured blocks of `text`, and the spans the free-text passes must skip."""
    out = Structures()
    if not text or not text.strip():
        return out
    budget = _Budget()
    lines = _line_spans(text)
    claimed: list[tuple[int, int]] = []  # regions read so far (sorted by start as they come)

    def taken(a: int, b: int) -> bool:
        return any(s < b and a < e for s, e in claimed[-64:]) or any(s < b and a < e for s, e in latex_regions)

    def take(cites: list[Citation], spans: list[tuple[int, int]], region: tuple[int, int] | None = None) -> None:
        if not cites:
            return
        out.citations.extend(cites)
        out.spans.extend(spans)
        claimed.append(region or (min(s for s, _ in spans), max(e for _, e in spans)))

    lc, ls = _latex_citations(text, budget)
    tc, ts = _template_citations(text, budget)  # (in a LaTeX entry none is expected; none is read twice)
    tc = [c for c in tc if not any(s <= c.start < e for s, e in ls)]
    ts = [(c.start, c.end) for c in tc]
    out.citations.extend(lc + tc)
    out.spans.extend(ls + ts)
    latex_regions = sorted(ls + ts)  # read wherever they are: the block readers leave them alone
    if latex_regions:
        merged = [latex_regions[0]]
        for s, e in latex_regions[1:]:
            if s <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], e))
            else:
                merged.append((s, e))
        latex_regions = merged

    tokens: list[Token] = []
    if len(lines) <= MAX_MARKDOWN_LINES and _TRIGGER_RE.search(text):
        src = text.replace("\r", " ")  # markdown-it counts a lone CR as a line break; the extractor does not
        tokens = _markdown(len(text) <= MAX_MARKDOWN_TABLE_CHARS).parse(src)
    n_lines = len(lines)
    for t in tokens:
        if t.map is None or t.nesting == -1 or budget.spent():
            continue
        l0, l1 = t.map[0], min(t.map[1], n_lines)
        if l0 >= n_lines:
            continue
        a = lines[l0][0]
        if claimed and a < claimed[-1][1]:
            continue
        if t.type == "fence":
            body0, body1 = l0 + 1, l1
            if body1 > body0 and _FENCE_LINE_RE.match(text, *lines[body1 - 1]) and not text[slice(*lines[body1 - 1])].strip().strip("`~"):
                body1 -= 1
            if body1 <= body0:
                continue
            ba, bb = lines[body0][0], lines[body1 - 1][1]
            if taken(ba, bb):
                if lc and any(s < bb and ba < e for s, e in latex_regions):
                    _link_cites(text, ba, bb, lc)  # '\cite{key}' in the same LaTeX snippet: extract.py skips code
                continue
            _block(text, lines, body0, body1, ba, bb, budget, take, fenced=True)
        elif t.type == "code_block":
            ba, bb = lines[l0][0], lines[l1 - 1][1]
            if not taken(ba, bb):
                _block(text, lines, l0, l1, ba, bb, budget, take, fenced=True)
        elif t.type == "html_block":
            ba, bb = lines[l0][0], lines[l1 - 1][1]
            if taken(ba, bb):
                continue
            r = _read_html(text, ba, bb, len(text))
            cites, spans = _html_citations(text, r.roots, budget)
            take(cites, spans, (ba, max(r.region_end, bb)))
        elif t.type == "table_open":
            ba, bb = lines[l0][0], lines[l1 - 1][1]
            if not taken(ba, bb):
                cites, spans = _md_table(text, lines, l0, l1, budget)
                take(cites, spans, (ba, bb))
        elif t.type in ("paragraph_open", "bullet_list_open", "ordered_list_open"):
            # the block's first line, or the first of a paragraph's next lines, that opens JSON or a
            # key-value group ('Here they are:' and then '[{...' with no blank line between)
            last = l0 + 1 if t.type != "paragraph_open" else min(l1, l0 + 50)
            for i in range(l0, last):
                la, lb = lines[i]
                if (claimed and la < claimed[-1][1]) or taken(la, lb):
                    break
                if _JSON_START_RE.match(text, la, lb):
                    _block(text, lines, i, n_lines, la, len(text), budget, take, fenced=False)
                    break
                tagged = _tagged_format(text, la, lb)
                if tagged or _bib_key_line(text, la, lb):
                    end = _yaml_extent(text, lines, i, n_lines, tagged or "colon")
                    _block(text, lines, i, end, la, lines[end - 1][1], budget, take, fenced=False)
                    break
    out.spans.sort()
    merged_spans: list[tuple[int, int]] = []
    for s, e in out.spans:
        if merged_spans and s <= merged_spans[-1][1]:
            merged_spans[-1] = (merged_spans[-1][0], max(merged_spans[-1][1], e))
        else:
            merged_spans.append((s, e))
    out.spans = merged_spans
    out.citations.sort(key=lambda c: c.start)
    return out


def _block(text: str, lines: list[tuple[int, int]], l0: int, l1: int, a: int, b: int, budget: _Budget, take: Any, *, fenced: bool) -> None:
    """Read a block (a fence's content, or an unfenced run of lines from `l0`) by what it holds."""
    head = text[a : min(b, a + 200)].lstrip()
    if not head or _BIB_ENTRY_RE.match(head):
        return  # BibTeX: extract.py reads it
    if b - a > MAX_BLOCK_CHARS and fenced:
        return
    start = a
    if fenced and head[0] not in "[{<":  # code that assigns a list of records: 'refs = [{...}]', 'const papers = ['
        m = _ASSIGN_RE.search(text, a, min(b, a + 4000))
        if m is not None:
            start, head = m.start(1), m.group(1)
    if head[0] in "[{":
        values = _json_values(text, start, min(b, start + MAX_BLOCK_CHARS))
        cites: list[Citation] = []
        for v in values:
            cites.extend(_tree_citations(text, v, budget, strings=True))
        if cites:
            take(cites, [(values[0].start, values[-1].end)] if not fenced else [(a, b)], (a, b if fenced else values[-1].end))
            return
        if not fenced:
            return
    if head[0] == "<":
        r = _read_html(text, a, b, b)
        cites, spans = _html_citations(text, r.roots, budget)
        take(cites, spans if not fenced else [(a, b)], (a, b))
        if cites or not fenced:
            return
    # YAML, or 'Key: value' groups
    first = next((i for i in range(l0, l1) if text[slice(*lines[i])].strip()), None)
    if first is None:
        return
    tagged = _tagged_format(text, *lines[first])
    if tagged:  # RIS or refer/EndNote records
        cites = _tree_citations(text, _kv_tree(text, lines[l0:l1], kind=tagged), budget, strings=False)
        if cites:
            span = (a, b) if fenced else (a, max(c.end for c in cites))
            take(cites, [span], span)
        return
    if not fenced and not _bib_key_line(text, *lines[first]):
        return
    if fenced and not any(_bib_key_line(text, *lines[i]) or _bib_key_line(text, *lines[i], eq=True) for i in range(l0, min(l1, l0 + 200))):
        return
    tree = _yaml_tree(text, a, b, budget)
    cites = _tree_citations(text, tree, budget, strings=fenced) if tree is not None else []
    if not cites:  # YAML rejected it, or misread it ('1. Title: X | Authors: Y' is one key and one string)
        kv = _kv_tree(text, lines[l0:l1])
        cites = _tree_citations(text, kv, budget, strings=False)
    if not cites and fenced:  # TOML and INI write 'title = "..."'
        kv = _kv_tree(text, lines[l0:l1], eq=True)
        cites = _tree_citations(text, kv, budget, strings=False)
    if cites:
        # a fence is read whole; an unfenced run only from its first entry to its last (what follows a
        # blank line may be a markdown list that the free-text passes read)
        span = (a, b) if fenced else (a, max(c.end for c in cites))
        take(cites, [span], span)
