"""What a dump format is, as data: how it is recognised, how a file is split into items, and how an
item becomes a `Record`.

Each format module (`csl`, `crossref`, `arxiv`, `dblp`, `bibtex`, `s2`) describes its format once, as a
`DumpFormat`, and its reader is that description's `read`. `citeproof.connectors.formats` collects
them into the registry that format sniffing, `read_records` and the Ray engine all use, so that what a
format module says about its format is what every engine does: no engine keeps its own copy of which
wrapper keys hold Crossref items or which function parses an S2 paper.

A format reads one or more *layouts*, one per markup (XML, JSON or plain text); arXiv and dblp each
come as XML and as JSON, the others in one layout.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from citeproof.connectors.jsonstream import is_json_lines, item_lines, iter_json, json_line_items
from citeproof.connectors.records import convert, parse_item
from citeproof.connectors.source import PathLike, Source, markup_kind, opened
from citeproof.connectors.xmlstream import iter_xml
from citeproof.errors import DumpFormatError
from citeproof.models import ReadStats, Record

__all__ = ["Claim", "DumpFormat", "JsonLayout", "Layout", "TextLayout", "XmlLayout"]


@dataclass(frozen=True)
class Claim:
    """One way of recognising a format from the start of a file.

    `test` gets, by markup: the XML root element's local name, the first JSON record object (a dict),
    or the file's first bytes (text). Format sniffing tries the claims of every format that reads the
    file's markup in `rank` order, lowest first, so a specific test (Crossref's `message-type`) runs
    before a loose one (any object with an `id` and a `title` is CSL-JSON). `description` names what
    the claim recognises in the error for a file no claim fits ("dblp.xml").
    """

    rank: int
    test: Callable[[Any], bool]
    description: str = ""


@dataclass(frozen=True)
class JsonLayout:
    """Records as JSON: a JSON-lines file, an array, or records wrapped in an API response.

    `descend` names the wrapper objects to walk into (Crossref's `message`), `stream` the keys whose
    arrays hold the records (`items`); `parse` turns one record object into a `Record`. A JSON-lines
    file is read line by line, so it may also be split by lines and each line read on its own
    (`read_line`), which is how the Ray engine spreads parsing over a cluster.
    """

    parse: Callable[[Any], Record | None]
    descend: tuple[str, ...] = ()
    stream: tuple[str, ...] = ()
    claims: tuple[Claim, ...] = ()
    markup: ClassVar[str] = "json"

    def items(self, src: Source, stats: ReadStats) -> Iterator[tuple[str, Any]]:
        """("file:line", record object) of the whole file; broken JSON lines are skipped in `stats`."""
        return iter_json(src, stats, self.descend, self.stream)

    def read_line(
        self, name: str, no: int, line: str, stats: ReadStats
    ) -> Iterator[tuple[int, Record | None]]:
        """Line `no` of the JSON-lines file `name`, read exactly as `items` and the reader read it:
        (item number within the line, its Record, or None for an item skipped or ignored). Skips are
        counted in `stats` with the reader's messages; a broken line is one skip, as item 0."""
        where = f"{name}:{no}"
        try:
            items = json_line_items(line, no, self.descend, self.stream)
        except ValueError as e:
            stats.skip(where, str(e))
            yield 0, None
            return
        for k, (_, item) in enumerate(items):
            yield k, parse_item(where, item, self.parse, stats)[0]


@dataclass(frozen=True)
class XmlLayout:
    """Records as elements of an XML document, streamed in constant memory.

    `tags` are the record elements' tags (`{namespace}name` or plain), `label` names one in skip
    messages (after the file name), given the element and its 1-based number.
    """

    tags: frozenset[str]
    parse: Callable[[ET.Element], Record | None]
    label: Callable[[ET.Element, int], str]
    claims: tuple[Claim, ...] = ()
    markup: ClassVar[str] = "xml"

    def items(self, src: Source, stats: ReadStats) -> Iterator[tuple[str, ET.Element]]:
        """("file: label", element) for every record element."""
        return ((f"{src.name}: {self.label(el, n)}", el) for n, el in enumerate(iter_xml(src, self.tags), 1))


@dataclass(frozen=True)
class TextLayout:
    """Records in a text format of their own (BibTeX): `split` streams ("file:line", item) pairs and
    counts what it cannot split in `stats`; `parse` turns an item into a `Record`."""

    split: Callable[[Source, ReadStats], Iterable[tuple[str, Any]]]
    parse: Callable[[Any], Record | None]
    claims: tuple[Claim, ...] = ()
    markup: ClassVar[str] = "text"

    def items(self, src: Source, stats: ReadStats) -> Iterable[tuple[str, Any]]:
        """("file:line", item) for every item `split` finds."""
        return self.split(src, stats)


Layout = JsonLayout | XmlLayout | TextLayout


@dataclass(frozen=True)
class DumpFormat:
    """One dump format: its name (one of `FORMATS`), its layouts, and the file-name suffixes that hint
    at it when the content alone does not tell (`.bib`).

    A format with one layout reads every file with it (a CSL-JSON reader given XML says "not JSON");
    one with several picks the layout for the file's markup, and a file in a markup it has no layout
    for is not in this format: `DumpFormatError` with `mismatch` ("not dblp XML or dblp search API
    JSON").
    """

    name: str
    layouts: tuple[Layout, ...]
    suffixes: tuple[str, ...] = ()
    mismatch: str = ""

    def layout_for(self, src: Source) -> Layout | None:
        """The layout this format reads `src` with; None for an empty file, or one in a markup it has
        no layout for."""
        if len(self.layouts) == 1:
            return self.layouts[0]
        kind = markup_kind(src)
        return next((layout for layout in self.layouts if layout.markup == kind), None)

    def read(self, source: PathLike | Source, stats: ReadStats | None = None) -> Iterator[Record]:
        """The Records of one file, streamed; unusable records skipped and counted in `stats`."""
        stats = stats if stats is not None else ReadStats()
        with opened(source) as src:
            layout = self.layout_for(src)
            if layout is None:
                if markup_kind(src):
                    raise DumpFormatError(f"{src.name}: {self.mismatch}")
                return
            yield from convert(src, layout.items(src, stats), layout.parse, stats, self.name)

    # Splitting a JSON-lines file by lines (the Ray engine): `json_lines` says whether `read` would
    # read the file line by line; if so, the lines of `item_lines`, each read by `read_line`, wherever
    # and in whatever grouping, give what `read` gives (then `records.end_of_file` for its last note).

    def json_lines(self, src: Source) -> bool:
        """Whether `read` reads `src` as JSON lines, one line at a time: then the file may be split by
        lines and each line read on its own with `read_line`, anywhere, with the same result."""
        layout = self.layout_for(src)
        return isinstance(layout, JsonLayout) and is_json_lines(src.head())

    def item_lines(self, src: Source) -> Iterator[tuple[int, str]]:
        """(line number, line) of the lines of a JSON-lines file that `read` parses (blank lines hold
        no items)."""
        return item_lines(src)

    def read_line(
        self, name: str, no: int, line: str, stats: ReadStats
    ) -> Iterator[tuple[int, Record | None]]:
        """Line `no` of a file `json_lines` said yes to, read on its own (see `JsonLayout.read_line`)."""
        layout = next((lo for lo in self.layouts if isinstance(lo, JsonLayout)), None)
        if layout is None:
            raise ValueError(f"{self.name} has no JSON layout: its files are not read by lines")
        return layout.read_line(name, no, line, stats)
