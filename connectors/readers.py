"""The reader registry: one entry point that reads any supported dump into `Record`s.

Users point `citeproof index build` at whatever they downloaded, often renamed or gzipped, so the
format is sniffed from the content (gzip magic, XML root element, JSON keys, BibTeX `@`) and the
file name is only a tie-breaker. Reading streams file by file; bad records are skipped and counted,
and only an unusable file (wrong format, unreadable, truncated) raises `DumpFormatError`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from citeproof.connectors._json import first_json_item
from citeproof.connectors._records import note
from citeproof.connectors._source import PathLike, Source, lead, opened
from citeproof.connectors.arxiv import read_arxiv
from citeproof.connectors.bibtex import read_bibtex
from citeproof.connectors.crossref import CROSSREF_DESCEND, CROSSREF_STREAM, read_crossref
from citeproof.connectors.csl import read_csl
from citeproof.connectors.dblp import DBLP_DESCEND, DBLP_STREAM, read_dblp
from citeproof.connectors.s2 import S2_STREAM, read_s2
from citeproof.errors import DumpFormatError
from citeproof.models import ReadStats, Record

__all__ = ["FORMATS", "detect_format", "expand_paths", "read_records", "sniff_format"]

FORMATS = ("csl-json", "crossref", "arxiv", "dblp", "bibtex", "s2")

_READERS: dict[str, Callable[[PathLike | Source, ReadStats | None], Iterator[Record]]] = {
    "csl-json": read_csl,
    "crossref": read_crossref,
    "arxiv": read_arxiv,
    "dblp": read_dblp,
    "bibtex": read_bibtex,
    "s2": read_s2,
}

_XML_ROOT = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_BIB_ENTRY = re.compile(rb"(?m)^[ \t]*@[ \t]*[A-Za-z]+[ \t\r\n]*[{(]")
# Keys only the Crossref REST API writes (its CSL output shares most of the others).
_CROSSREF_KEYS = frozenset(
    {"indexed", "deposited", "reference-count", "is-referenced-by-count", "member", "prefix"}
)
_SNIFF_DESCEND = (*CROSSREF_DESCEND, *DBLP_DESCEND)
_SNIFF_STREAM = (*CROSSREF_STREAM, *DBLP_STREAM, *S2_STREAM)


def _classify_json(obj: Any) -> str | None:
    if not isinstance(obj, dict):
        return None
    title = obj.get("title")
    if "message-type" in obj or ("DOI" in obj and isinstance(title, list)):
        return "crossref"
    if "authors_parsed" in obj or ("versions" in obj and "submitter" in obj):
        return "arxiv"
    if "paperId" in obj or "externalIds" in obj:
        return "s2"
    if isinstance(obj.get("info"), dict) or "@score" in obj:
        return "dblp"
    if "issued" in obj or "container-title" in obj or ("id" in obj and isinstance(title, (str, list))):
        return "csl-json"
    if _CROSSREF_KEYS & obj.keys():
        return "crossref"
    return None


def _suffix_hint(name: str) -> str | None:
    n = name.lower().removesuffix(".gz")
    if n.endswith(".bib"):
        return "bibtex"
    if n.endswith((".csl.json", ".csl.jsonl")):
        return "csl-json"
    return None


def sniff_format(head: bytes, name: str) -> str:
    """The dump format a file that starts with `head` is in (its name is a hint)."""
    s = lead(head)
    if not s:
        raise DumpFormatError(f"{name}: the file is empty; there is no format to detect")
    hint = _suffix_hint(name)
    if s.startswith(b"<"):
        m = _XML_ROOT.search(s)
        root = m.group(1).decode("ascii", "replace").rsplit(":", 1)[-1] if m else "?"
        if root == "dblp":
            return "dblp"
        if root in ("OAI-PMH", "feed"):
            return "arxiv"
        raise DumpFormatError(
            f"{name}: XML with root <{root}> is not dblp.xml, arXiv OAI-PMH or an Atom feed"
        )
    if s[:1] in (b"{", b"["):
        obj = first_json_item(head.decode("utf-8", "replace").lstrip("\ufeff"), _SNIFF_DESCEND, _SNIFF_STREAM)
        kind = _classify_json(obj) or hint
        if kind:
            return kind
        keys = sorted(obj)[:12] if isinstance(obj, dict) else type(obj).__name__
        raise DumpFormatError(
            f"{name}: JSON records of unknown shape (keys {keys}); pass the format explicitly, one of {FORMATS}"
        )
    if s.startswith((b"@", b"%")) or _BIB_ENTRY.search(s) or hint == "bibtex":
        return "bibtex"
    raise DumpFormatError(
        f"{name}: cannot detect the format (starts with {s[:16]!r}); expected one of {FORMATS}"
    )


def detect_format(path: PathLike | Source) -> str:
    """Which of `FORMATS` a dump file holds, from its (decompressed) first bytes; raises
    `DumpFormatError` with the reason when it is none of them."""
    with opened(path) as src:
        return sniff_format(src.head(), src.name)


def expand_paths(path_or_paths: PathLike | Iterable[PathLike]) -> Iterator[PathLike]:
    """Paths in order; a directory stands for its visible files (e.g. the Crossref public data file)."""
    paths = [path_or_paths] if isinstance(path_or_paths, (str, os.PathLike)) else path_or_paths
    for p in paths:
        if p != "-" and Path(p).is_dir():
            yield from sorted(
                (f for f in Path(p).rglob("*") if f.is_file() and not f.name.startswith(".")), key=str
            )
        else:
            yield p


def _read(paths: PathLike | Iterable[PathLike], fmt: str | None, stats: ReadStats) -> Iterator[Record]:
    for path in expand_paths(paths):
        with Source(path) as src:
            if not lead(src.head()):
                note(stats, src.name, "empty file")
                continue
            yield from _READERS[fmt or sniff_format(src.head(), src.name)](src, stats)


def read_records(
    path_or_paths: PathLike | Iterable[PathLike], fmt: str | None = None, stats: ReadStats | None = None
) -> Iterator[Record]:
    """Stream the Records of one or more dump files (or directories of them; `-` is stdin).

    `fmt` is one of `FORMATS` or None to detect each file's format. Records that cannot be used (no
    title, broken JSON line, broken BibTeX entry) are skipped and counted in `stats` with file:line.
    """
    if fmt is not None and fmt not in FORMATS:
        raise DumpFormatError(f"unknown dump format {fmt!r}; expected one of {FORMATS}")
    return _read(path_or_paths, fmt, stats if stats is not None else ReadStats())
