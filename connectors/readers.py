"""One entry point that reads any supported dump into `Record`s: `read_records`.

Reading streams file by file, each in its own format (given, or sniffed from the content by the
registry in `citeproof.connectors.formats`); bad records are skipped and counted, and only an unusable
file (wrong format, unreadable, truncated) raises `DumpFormatError`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from citeproof.connectors.formats import FORMATS, detect_format, format_of, get_format, sniff_format
from citeproof.connectors.records import note
from citeproof.connectors.source import PathLike, Source
from citeproof.models import ReadStats, Record

__all__ = ["FORMATS", "detect_format", "expand_paths", "read_records", "sniff_format"]


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
            dump = format_of(src, fmt)
            if dump is None:
                note(stats, src.name, "empty file")
                continue
            yield from dump.read(src, stats)


def read_records(
    path_or_paths: PathLike | Iterable[PathLike], fmt: str | None = None, stats: ReadStats | None = None
) -> Iterator[Record]:
    """Stream the Records of one or more dump files (or directories of them; `-` is stdin).

    `fmt` is one of `FORMATS` or None to detect each file's format. Records that cannot be used (no
    title, broken JSON line, broken BibTeX entry) are skipped and counted in `stats` with file:line.
    """
    if fmt is not None:
        get_format(fmt)  # an unknown name fails now, not at the first file
    return _read(path_or_paths, fmt, stats if stats is not None else ReadStats())
