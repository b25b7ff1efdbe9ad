"""The registry of dump formats: every format citeproof reads, by name, and format sniffing.

Users point `citeproof index build` at whatever they downloaded, often renamed or gzipped, so the
format is sniffed from the content (XML root element, JSON keys, BibTeX `@`) and the file name is only
a tie-breaker. Sniffing asks every registered format's claims (`DumpFormat`, defined by each format's
own module), so a format is recognised, split and parsed by one description, whichever engine reads
it: `read_records` file by file here, or the Ray engine line by line on a cluster.

    fmt = get_format("crossref")
    fmt.read("crossref-part-0001.json.gz")        # Records
    format_of(src, None)                           # the format `read_records` would read `src` in
    fmt.json_lines(src), fmt.read_line(...)        # splitting a JSON-lines dump by lines
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from citeproof.connectors.arxiv import ARXIV
from citeproof.connectors.bibtex import BIBTEX
from citeproof.connectors.crossref import CROSSREF
from citeproof.connectors.csl import CSL_JSON
from citeproof.connectors.dblp import DBLP
from citeproof.connectors.dumpformat import Claim, DumpFormat, JsonLayout
from citeproof.connectors.jsonstream import first_json_item
from citeproof.connectors.s2 import S2
from citeproof.connectors.source import PathLike, Source, lead, markup_of, opened
from citeproof.errors import DumpFormatError

__all__ = ["FORMATS", "REGISTRY", "DumpFormat", "detect_format", "format_of", "get_format", "sniff_format"]

REGISTRY: Mapping[str, DumpFormat] = MappingProxyType(
    {f.name: f for f in (CSL_JSON, CROSSREF, ARXIV, DBLP, BIBTEX, S2)}
)
FORMATS: tuple[str, ...] = tuple(REGISTRY)

_XML_ROOT = re.compile(rb"<([A-Za-z_][\w.:-]*)")


def get_format(name: str) -> DumpFormat:
    """The registered format called `name` (one of `FORMATS`); `DumpFormatError` for any other name."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise DumpFormatError(f"unknown dump format {name!r}; expected one of {FORMATS}") from None


def _claims(markup: str) -> list[tuple[Claim, DumpFormat]]:
    """Every registered claim on files of `markup`, in the order sniffing tries them."""
    found = [
        (c, f) for f in REGISTRY.values() for lay in f.layouts if lay.markup == markup for c in lay.claims
    ]
    return sorted(found, key=lambda cf: cf[0].rank)


def _claimant(markup: str, subject: Any) -> str | None:
    return next((f.name for c, f in _claims(markup) if c.test(subject)), None)


def _json_keys() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The wrapper (`descend`) and array (`stream`) keys of every JSON layout: sniffing walks into any
    format's wrapper to find the first record."""
    layouts = [lay for f in REGISTRY.values() for lay in f.layouts if isinstance(lay, JsonLayout)]
    descend = tuple(dict.fromkeys(k for lay in layouts for k in lay.descend))
    stream = tuple(dict.fromkeys(k for lay in layouts for k in lay.stream))
    return descend, stream


def _reads(name: str, markup: str) -> bool:
    return any(lay.markup == markup for lay in REGISTRY[name].layouts)


def _suffix_hint(name: str) -> str | None:
    n = name.lower().removesuffix(".gz")
    return next((f.name for f in REGISTRY.values() if f.suffixes and n.endswith(f.suffixes)), None)


def sniff_format(head: bytes, name: str) -> str:
    """The dump format a file that starts with `head` is in (its name is a hint)."""
    s = lead(head)
    if not s:
        raise DumpFormatError(f"{name}: the file is empty; there is no format to detect")
    hint = _suffix_hint(name)
    markup = markup_of(s)
    if markup == "xml":
        m = _XML_ROOT.search(s)
        root = m.group(1).decode("ascii", "replace").rsplit(":", 1)[-1] if m else "?"
        kind = _claimant("xml", root)
        if kind:
            return kind
        known = ", ".join(c.description for c, _ in _claims("xml"))
        raise DumpFormatError(f"{name}: XML with root <{root}> is not {known}")
    if markup == "json":
        obj = first_json_item(head.decode("utf-8", "replace").lstrip("\ufeff"), *_json_keys())
        kind = (_claimant("json", obj) if isinstance(obj, dict) else None) or hint
        if kind:
            return kind
        keys = sorted(obj)[:12] if isinstance(obj, dict) else type(obj).__name__
        raise DumpFormatError(
            f"{name}: JSON records of unknown shape (keys {keys}); pass the format explicitly, one of {FORMATS}"
        )
    kind = _claimant("text", s) or (hint if hint and _reads(hint, "text") else None)
    if kind:
        return kind
    raise DumpFormatError(
        f"{name}: cannot detect the format (starts with {s[:16]!r}); expected one of {FORMATS}"
    )


def detect_format(path: PathLike | Source) -> str:
    """Which of `FORMATS` a dump file holds, from its (decompressed) first bytes; raises
    `DumpFormatError` with the reason when it is none of them."""
    with opened(path) as src:
        return sniff_format(src.head(), src.name)


def format_of(src: Source, fmt: str | None) -> DumpFormat | None:
    """The format an opened dump is read in: `fmt`, or else the sniffed one; None for an empty file,
    which holds no records in any format (`read_records` notes it and goes on)."""
    if not lead(src.head()):
        return None
    return get_format(fmt or sniff_format(src.head(), src.name))
