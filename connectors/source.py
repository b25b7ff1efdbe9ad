"""Opening dump files: gunzip by magic bytes, bounded buffers, undecodable bytes replaced and
counted, and a truncated or corrupt stream turned into a `DumpFormatError` naming the file and offset.

Dumps are large (dblp.xml is 5 GB, the Crossref public data file 200 GB in 30k parts), often gzipped,
and sometimes cut short by an interrupted download; every reader goes through `Source`, and so does
the Ray engine, whose workers open the files themselves.
"""

from __future__ import annotations

import codecs
import gzip
import io
import os
import re
import sys
import zlib
from collections.abc import Iterator
from typing import IO, Any

from citeproof.errors import DumpFormatError

__all__ = [
    "CHUNK",
    "HEAD_BYTES",
    "PathLike",
    "Source",
    "iter_lines",
    "lead",
    "markup_kind",
    "markup_of",
    "opened",
]

PathLike = str | os.PathLike[str]

HEAD_BYTES = 1 << 20  # how much of a file format sniffing may look at
CHUNK = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"
# Undecodable bytes come back from the "surrogateescape" handler as lone surrogates U+DC80..U+DCFF;
# counting those (and not U+FFFD) keeps genuine U+FFFD characters in the data out of the count.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def lead(head: bytes) -> bytes:
    """The sniffed head without a byte-order mark and leading whitespace."""
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")


def markup_of(head: bytes) -> str:
    """'xml', 'json' or 'text' by the first significant byte of `head` ('' when there is none): format
    sniffing looks for a format among those that read this markup."""
    first = lead(head)[:1]
    return "" if not first else "xml" if first == b"<" else "json" if first in b"{[" else "text"


def markup_kind(src: Source) -> str:
    """`markup_of` the file's first bytes: formats that come in an XML and a JSON flavour (arXiv,
    dblp) read a file by the layout for its markup."""
    return markup_of(src.head(4096))


# ---------------------------------------------------------------------------------------------------
# Opening


class _Guarded(io.RawIOBase):
    """Raw byte stream over a (decompressed) source that serves the sniffed head first and turns
    decompression and read errors into `DumpFormatError` naming the file and the offset reached."""

    def __init__(self, src: Source) -> None:
        super().__init__()
        self._src = src

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self._src._read_bytes(len(b))
        n = len(data)
        b[:n] = data
        return n


class Source:
    """An opened dump file (or `-` for stdin), transparently gunzipped.

    `head()` peeks at the first bytes without consuming them (format sniffing); then exactly one of
    `read()`, `lines()` consumes the text. Undecodable bytes are replaced by U+FFFD and counted in
    `replaced` rather than aborting a multi-gigabyte read at byte 3,000,000,000.
    """

    def __init__(self, path: PathLike) -> None:
        self.name = "<stdin>" if path == "-" else os.fspath(path)
        self.replaced = 0
        self._owns = path != "-"
        try:
            raw: IO[bytes] = sys.stdin.buffer if path == "-" else open(path, "rb")
        except OSError as e:
            raise DumpFormatError(f"{self.name}: cannot open ({e.strerror or e})") from e
        self._raw = raw
        try:
            magic = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
        except OSError as e:
            self.close()
            raise DumpFormatError(f"{self.name}: cannot read ({e})") from e
        self.gzipped = magic == _GZIP_MAGIC
        self._stream: IO[bytes] | gzip.GzipFile = (
            gzip.GzipFile(fileobj=raw, mode="rb") if self.gzipped else raw
        )
        self._read1 = getattr(self._stream, "read1", self._stream.read)
        self._prefix = b""
        self._prefix_pos = 0
        self._consumed = 0
        self._head_eof = False
        self._text: io.TextIOWrapper | None = None

    # -- bytes ------------------------------------------------------------------------------------
    def _read_bytes(self, n: int) -> bytes:
        if self._prefix:
            out = self._prefix[self._prefix_pos : self._prefix_pos + n]
            self._prefix_pos += len(out)
            if self._prefix_pos >= len(self._prefix):
                self._prefix = b""  # served: do not hold the sniffed megabyte for the whole read
            return out
        return self._read_raw(n)

    def _read_raw(self, n: int) -> bytes:
        try:
            data = self._read1(n)
        except (EOFError, zlib.error, OSError) as e:
            raise self._read_error(e) from e
        self._consumed += len(data)
        return data

    def _read_error(self, exc: BaseException) -> DumpFormatError:
        try:
            offset: int | str = self._raw.tell()
        except (OSError, ValueError):
            offset = "?"
        if self.gzipped:
            why = str(exc) or "unexpected end of data"
            return DumpFormatError(
                f"{self.name}: truncated or corrupt gzip file at compressed byte offset {offset} "
                f"({self._consumed} bytes decompressed): {why}"
            )
        return DumpFormatError(f"{self.name}: read error at byte offset {offset}: {exc}")

    def head(self, n: int = HEAD_BYTES) -> bytes:
        """The first `n` (decompressed) bytes, without consuming them. Call before reading text."""
        if self._text is not None:
            raise RuntimeError("head() must be called before the text is read")
        if len(self._prefix) < n and not self._head_eof:
            parts = [self._prefix]
            size = len(self._prefix)
            while size < n:
                chunk = self._read_raw(n - size)
                if not chunk:
                    self._head_eof = True
                    break
                parts.append(chunk)
                size += len(chunk)
            self._prefix = b"".join(parts)
        return self._prefix[:n]

    # -- text -------------------------------------------------------------------------------------
    def _textio(self, encoding: str) -> io.TextIOWrapper:
        if self._text is None:
            try:
                codecs.lookup(encoding)
            except LookupError:
                encoding = "utf-8"
            if codecs.lookup(encoding).name == "utf-8":
                encoding = "utf-8-sig"  # drop a byte-order mark
            buffered = io.BufferedReader(_Guarded(self), buffer_size=CHUNK)
            self._text = io.TextIOWrapper(buffered, encoding=encoding, errors="surrogateescape")
        return self._text

    def _fix(self, s: str) -> str:
        if _ESCAPED_BYTE.search(s):
            s, n = _ESCAPED_BYTE.subn("\ufffd", s)
            self.replaced += n
        return s

    def read(self, n: int = CHUNK, encoding: str = "utf-8") -> str:
        """Up to `n` characters of text ("" at the end)."""
        return self._fix(self._textio(encoding).read(n))

    def lines(self, encoding: str = "utf-8") -> Iterator[tuple[int, str]]:
        """(1-based line number, line without its line break)."""
        for no, line in enumerate(self._textio(encoding), 1):
            yield no, self._fix(line.rstrip("\r\n"))

    def close(self) -> None:
        if self._owns:
            self._raw.close()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Opened:
    """Context manager: open a path, or pass an already opened `Source` through (its owner closes it)."""

    def __init__(self, source: PathLike | Source) -> None:
        self._given = source if isinstance(source, Source) else None
        self._path = None if isinstance(source, Source) else source
        self._src: Source | None = None

    def __enter__(self) -> Source:
        if self._given is not None:
            return self._given
        assert self._path is not None
        self._src = Source(self._path)
        return self._src

    def __exit__(self, *exc: object) -> None:
        if self._src is not None:
            self._src.close()


def opened(source: PathLike | Source) -> _Opened:
    """`with opened(path_or_source) as src:` so that readers accept both a path and an open `Source`."""
    return _Opened(source)


def iter_lines(path: PathLike | Source) -> Iterator[tuple[int, str]]:
    """(line number, line) of a text file, gunzipped if needed."""
    with opened(path) as src:
        yield from src.lines()
