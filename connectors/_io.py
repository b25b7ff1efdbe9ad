"""Plumbing shared by every dump reader: opening, decompressing, streaming JSON and XML, and the few
record-building helpers that more than one format needs.

Dumps are large (dblp.xml is 5 GB, the Crossref public data file 200 GB in 30k parts), often gzipped,
sometimes truncated by an interrupted download, and occasionally contain bytes that are not UTF-8.
Every reader therefore goes through `Source`, which gunzips by magic bytes (not by suffix), turns a
truncated or corrupt stream into a `DumpFormatError` that names the file and offset, replaces bad
bytes instead of failing, and never holds more than a bounded buffer in memory.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import json
import os
import re
import sys
import unicodedata
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator
from html.entities import name2codepoint
from typing import IO, Any

from citeproof.connectors.errors import DumpFormatError
from citeproof.connectors.models import Author, ReadStats, Record
from citeproof.connectors.text import clean_text, latex_to_unicode, norm_arxiv_id, norm_doi

__all__ = [
    "HEAD_BYTES",
    "WRONG_FORMAT_AFTER",
    "BadRecordError",
    "PathLike",
    "Source",
    "arxiv_id_from",
    "convert",
    "first_json_item",
    "first_text",
    "iter_json",
    "iter_lines",
    "iter_xml",
    "lead",
    "make_record",
    "markup_kind",
    "note",
    "opened",
    "split_name",
    "year_of",
]

PathLike = str | os.PathLike[str]

HEAD_BYTES = 1 << 20  # how much of a file format sniffing may look at
_CHUNK = 1 << 16
WRONG_FORMAT_AFTER = 100  # records that all fail before a file counts as being in another format
_GZIP_MAGIC = b"\x1f\x8b"
# Undecodable bytes come back from the "surrogateescape" handler as lone surrogates U+DC80..U+DCFF;
# counting those (and not U+FFFD) keeps genuine U+FFFD characters in the data out of the count.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def lead(head: bytes) -> bytes:
    """The sniffed head without a byte-order mark and leading whitespace."""
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")


def markup_kind(src: Source) -> str:
    """'xml', 'json' or 'text' by the first significant byte ('' for an empty file): readers that
    accept both an XML and a JSON flavour (arXiv, dblp) dispatch on it."""
    first = lead(src.head(4096))[:1]
    return "" if not first else "xml" if first == b"<" else "json" if first in b"{[" else "text"


class BadRecordError(DumpFormatError):
    """One record cannot become a `Record` (no title, no id, wrong types).

    Readers skip and count it in `ReadStats`; a live API client treats it as "no usable result".
    """


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
        self._stream: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="rb") if self.gzipped else raw
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
            buffered = io.BufferedReader(_Guarded(self), buffer_size=_CHUNK)
            self._text = io.TextIOWrapper(buffered, encoding=encoding, errors="surrogateescape")
        return self._text

    def _fix(self, s: str) -> str:
        if _ESCAPED_BYTE.search(s):
            s, n = _ESCAPED_BYTE.subn("\ufffd", s)
            self.replaced += n
        return s

    def read(self, n: int = _CHUNK, encoding: str = "utf-8") -> str:
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


def note(stats: ReadStats, where: str, what: str) -> None:
    """Record something worth telling the user that is not a skipped record."""
    if len(stats.errors) < stats.max_errors_kept:
        stats.errors.append(f"{where}: {what}")


def convert(
    src: Source,
    items: Iterable[tuple[str, Any]],
    parse: Callable[[Any], Record | None],
    stats: ReadStats,
    fmt: str,
) -> Iterator[Record]:
    """Turn raw items into Records, skipping and counting the unusable ones.

    Dump records arrive in every shape a producer ever wrote, so any type confusion inside one record
    (a title that is a number, a date that is a string) skips that record, never the file. `parse`
    returns None for items that are deliberately ignored (dblp homepages, deleted OAI records).
    When the first `WRONG_FORMAT_AFTER` records of a file all fail, the file is in another format
    than `fmt`: that raises `DumpFormatError` instead of skipping through gigabytes.
    """
    good = bad = 0
    first_error = ""
    for where, item in items:
        try:
            rec = parse(item)
        except BadRecordError as e:
            why = str(e)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError) as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else ""
            why = f"unusable record ({type(e).__name__}: {first})"
        else:
            if rec is not None:
                good += 1
                stats.read += 1
                yield rec
            continue
        stats.skip(where, why)
        bad += 1
        first_error = first_error or why
        if good == 0 and bad >= WRONG_FORMAT_AFTER:
            raise DumpFormatError(
                f"{src.name}: none of the first {bad} records could be read as {fmt} ({first_error}); "
                "is this the right format?"
            )
    if src.replaced:
        note(stats, src.name, f"{src.replaced} undecodable bytes replaced by U+FFFD")


# ---------------------------------------------------------------------------------------------------
# Streaming JSON

_DECODER = json.JSONDecoder()
_WS = re.compile(r"[ \t\n\r]*")


class _JsonCursor:
    """Incremental JSON tokenizer over a text stream: decodes one value at a time with `raw_decode`,
    reading more only when a value is incomplete, so a 50 MB `{"items": [...]}` never sits in memory
    as one Python object."""

    def __init__(self, read: Callable[[int], str] | None, text: str = "", line: int = 1) -> None:
        self._read = read
        self.buf = text
        self.pos = 0
        self.eof = read is None
        self._line = line  # line number at self._lpos
        self._lpos = 0

    def _more(self) -> bool:
        if self.eof or self._read is None:
            return False
        chunk = self._read(max(_CHUNK, len(self.buf) - self.pos))
        if not chunk:
            self.eof = True
            return False
        self._line = self.line()
        self.buf = self.buf[self.pos :] + chunk
        self.pos = self._lpos = 0
        return True

    def line(self) -> int:
        self._line += self.buf.count("\n", self._lpos, self.pos)
        self._lpos = self.pos
        return self._line

    def peek(self) -> str:
        while True:
            m = _WS.match(self.buf, self.pos)
            assert m is not None
            self.pos = m.end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return ""

    def take(self, ch: str) -> None:
        got = self.peek()
        if got != ch:
            raise ValueError(f"expected {ch!r} but found {got or 'end of data'!r} at line {self.line()}")
        self.pos += 1

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                v, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as e:
                # Only an error at the end of the buffer can be a value cut by the chunk boundary;
                # anything else is a real syntax error, and reading on would load the whole file.
                incomplete = e.pos >= len(self.buf) - 8 or e.msg.startswith("Unterminated string")
                if incomplete and self._more():
                    continue
                line = self.line() + self.buf.count("\n", self.pos, e.pos)
                raise ValueError(f"{e.msg} at line {line}") from None
            if end == len(self.buf) and self._more():
                continue  # a number may continue in the next chunk
            self.pos = end
            return v


def _array(cur: _JsonCursor) -> Iterator[tuple[int, Any]]:
    cur.take("[")
    if cur.peek() == "]":
        cur.take("]")
        return
    while True:
        line = cur.line()
        yield line, cur.value()
        if cur.peek() == ",":
            cur.take(",")
            continue
        cur.take("]")
        return


def _walk(cur: _JsonCursor, descend: Collection[str], stream: Collection[str]) -> Iterator[tuple[int, Any]]:
    """Yield the records of one JSON value: the elements of a top-level array, the elements of an
    array under a `stream` key (`items`, `hit`, `data`), found by descending through `descend` keys
    (`message`, `result`, `hits`), or else the object itself."""
    line = cur.line()
    first = cur.peek()
    if first == "[":
        yield from _array(cur)
        return
    if first != "{":
        yield line, cur.value()
        return
    cur.take("{")
    kept: dict[str, Any] = {}
    found = False
    if cur.peek() == "}":
        cur.take("}")
    else:
        while True:
            key = cur.value()
            if not isinstance(key, str):
                raise ValueError(f"object key is not a string at line {cur.line()}")
            cur.take(":")
            nxt = cur.peek()
            if key in stream and nxt == "[":
                for item in _array(cur):
                    found = True
                    yield item
            elif key in descend and nxt == "{":
                for item in _walk(cur, descend, stream):
                    found = True
                    yield item
            else:
                kept[key] = cur.value()
            if cur.peek() == ",":
                cur.take(",")
                continue
            cur.take("}")
            break
    if not found:
        yield line, kept


def _first_char(head: bytes) -> str:
    s = lead(head)
    return chr(s[0]) if s else ""


def _looks_like_json_lines(head: bytes) -> bool:
    """True when the first line (or, if it is broken, another line starting with `{`) is a complete
    JSON value on its own: then lines are parsed one by one and a broken line costs one record."""
    lines = head.split(b"\n")
    if len(head) >= HEAD_BYTES:
        lines = lines[:-1]  # the last one may be cut
    if not lines:
        return False  # the first line alone is longer than HEAD_BYTES: one big document
    candidates = [ln for ln in lines[:6] if ln.strip()]
    for k, ln in enumerate(candidates[:5]):
        if k > 0 and not ln.startswith(b"{"):
            continue
        try:
            json.loads(ln)
        except ValueError:
            continue
        return True
    return False


def first_json_item(text: str, descend: Collection[str] = (), stream: Collection[str] = ()) -> Any:
    """The first record object in a (possibly cut-off) piece of JSON, or None: for format sniffing."""
    try:
        return next(iter(_walk(_JsonCursor(None, text), descend, stream)), (0, None))[1]
    except (ValueError, RecursionError):
        return None


def iter_json(
    src: Source, stats: ReadStats, descend: Collection[str] = (), stream: Collection[str] = ()
) -> Iterator[tuple[str, Any]]:
    """("file:line", record object) for a JSON array, a (wrapped) JSON document, or JSON lines.

    JSON lines are parsed line by line, so a broken line is skipped and counted. A JSON document or
    array is streamed; a syntax error there means the file is damaged (typically truncated) and raises
    `DumpFormatError`, because nothing after it can be trusted.
    """
    head = src.head()
    first = _first_char(head)
    if first == "":
        return
    if first != "[" and _looks_like_json_lines(head):
        for no, line in src.lines():
            if not line.strip():
                continue
            cur = _JsonCursor(None, line, no)
            try:
                items = list(_walk(cur, descend, stream))
                if cur.peek():
                    raise ValueError("extra data after the JSON value")
            except (ValueError, RecursionError) as e:
                stats.skip(f"{src.name}:{no}", f"invalid JSON line ({e})")
                continue
            for _, item in items:
                yield f"{src.name}:{no}", item
        return
    if first not in "[{":
        raise DumpFormatError(f"{src.name}: not JSON (starts with {head.lstrip()[:20]!r})")
    cur = _JsonCursor(src.read)
    try:
        while cur.peek():
            for line, item in _walk(cur, descend, stream):
                yield f"{src.name}:{line}", item
    except (ValueError, RecursionError) as e:
        raise DumpFormatError(f"{src.name}: malformed or truncated JSON ({e})") from e


# ---------------------------------------------------------------------------------------------------
# Streaming XML

_XML_DECL_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]{0,31});")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})


def _entity(m: re.Match[str]) -> str:
    name = m.group(1)
    if name in _XML_ENTITIES:
        return m.group(0)
    cp = name2codepoint.get(name)
    if cp is not None:
        return chr(cp)
    return "&amp;" + name + ";"  # unknown: keep it as literal text instead of failing the whole dump


def _resolve_entities(text: str) -> str:
    """Replace HTML named entities (`&uuml;`) by their characters: dblp.xml declares them in
    dblp.dtd, which expat never loads, so without this pre-pass the first `&ouml;` aborts the parse."""
    return _ENTITY.sub(_entity, text) if "&" in text else text


def _split_entity_tail(text: str) -> tuple[str, str]:
    """Hold back a trailing, possibly incomplete `&name` so that an entity split by a chunk boundary
    is resolved whole in the next chunk."""
    amp = text.rfind("&", max(0, len(text) - 34))
    if amp != -1 and ";" not in text[amp:]:
        return text[:amp], text[amp:]
    return text, ""


def iter_xml(src: Source, tags: Collection[str]) -> Iterator[ET.Element]:
    """Stream the complete elements whose tag (`{ns}name` or plain name) is in `tags`.

    Each yielded element (and any other child of the root) is cleared and detached from its parent
    once the consumer moves on, so memory stays constant over the millions of children of dblp's root. Named HTML entities are resolved on
    the fly (see `_resolve_entities`). Malformed or truncated XML raises `DumpFormatError`.
    """
    m = _XML_DECL_ENCODING.match(lead(src.head(1024)))
    encoding = m.group(1).decode("ascii") if m else "utf-8"
    parser = ET.XMLPullParser(events=("start", "end"))
    stack: list[ET.Element] = []
    carry = ""

    def drain() -> Iterator[ET.Element]:
        for event, el in parser.read_events():
            if event == "start":
                stack.append(el)  # type: ignore[arg-type]
                continue
            stack.pop()
            wanted = el.tag in tags  # type: ignore[union-attr]
            if wanted:
                yield el  # type: ignore[misc]
            # Drop yielded elements and every other child of the root (e.g. dblp's <data> records)
            # so that the root never accumulates millions of children.
            if wanted or len(stack) == 1:
                el.clear()  # type: ignore[union-attr]
                if stack:
                    stack[-1].remove(el)  # type: ignore[arg-type]

    try:
        while True:
            chunk = src.read(_CHUNK, encoding)
            if not chunk:
                break
            text, carry = _split_entity_tail(carry + chunk)
            parser.feed(_resolve_entities(text))
            yield from drain()
        parser.feed(_resolve_entities(carry))
        parser.close()
        yield from drain()
    except ET.ParseError as e:
        raise DumpFormatError(f"{src.name}: malformed or truncated XML ({e})") from e


# ---------------------------------------------------------------------------------------------------
# Record helpers shared by several formats

_YEAR = re.compile(r"(?<!\d)(1[4-9]\d\d|20\d\d|2100)(?!\d)")


def year_of(value: Any) -> int | None:
    """A plausible publication year from an int, a date string, or a CSL/Crossref date object
    (`{"date-parts": [[2021, 5]]}`, `{"raw": "May 2021"}`)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value if 1400 <= value <= 2100 else None
    if isinstance(value, float):
        return year_of(int(value))
    if isinstance(value, str):
        m = _YEAR.search(value)
        return int(m.group(1)) if m else None
    if isinstance(value, dict):
        parts = value.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            y = parts[0][0]
            return year_of(int(y) if isinstance(y, str) and y.strip().isdigit() else y)
        for k in ("raw", "literal", "date-time", "season"):
            if k in value:
                y = year_of(value[k])
                if y:
                    return y
    return None


def first_text(value: Any) -> str | None:
    """A string, or the first non-empty string of a list (Crossref and CSL store titles both ways)."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, list):
        for v in value:
            if isinstance(v, str) and v.strip():
                return v
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(\S+)", re.IGNORECASE)


def arxiv_id_from(doi: str | None, *urls: str | None) -> str | None:
    """An arXiv id derived from an arXiv DOI (`10.48550/arXiv.1706.03762`) or an arxiv.org URL."""
    m = _ARXIV_DOI.search(doi) if isinstance(doi, str) else None
    if m:
        found = norm_arxiv_id(m.group(1))  # not lower-cased: 'math.GT/0309136' keeps its class
        if found:
            return found
    for url in urls:
        if isinstance(url, str) and "arxiv.org/" in url.lower():
            found = norm_arxiv_id(url.split("arxiv.org/", 1)[-1].split("/", 1)[-1])
            if found:
                return found
    return None


_NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_DEPTH_SPLIT = re.compile(r"[{}]|,|\s+")


def _split_depth0(s: str, *, on_comma: bool) -> list[str]:
    """Split at commas (or at whitespace) outside braces: `{Barack Obama} Foundation` stays one token."""
    out: list[str] = []
    depth = 0
    start = 0
    for m in _DEPTH_SPLIT.finditer(s):
        tok = m.group(0)
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth = max(0, depth - 1)
        elif depth == 0 and ((tok == ",") == on_comma):
            out.append(s[start : m.start()])
            start = m.end()
    out.append(s[start:])
    return [p.strip() for p in out if p.strip()]


def _starts_lower(token: str) -> bool:
    if token.startswith("{"):
        return False  # braced words are protected from case rules (BibTeX)
    for ch in latex_to_unicode(token):
        if ch.isalpha():
            return ch.islower()
    return False


def _braced_whole(s: str) -> bool:
    if not (s.startswith("{") and s.endswith("}")):
        return False
    depth = 0
    for i, ch in enumerate(s):
        depth += (ch == "{") - (ch == "}")
        if depth == 0 and i < len(s) - 1:
            return False
    return True


_NAME_MARKUP = re.compile(r"[{},\\<&~$]")
_SPACE_RUN = re.compile(r"\s+")


def _split_plain(s: str) -> Author:
    """Fast path of `split_name` for the common plain-text 'First von Last' name (dblp, S2, arXiv):
    millions of dump names need no LaTeX decoding or brace tracking."""
    toks = _SPACE_RUN.split(unicodedata.normalize("NFC", s))
    if len(toks) > 2 and toks[-1].lower() in _NAME_SUFFIXES:
        toks = toks[:-1]
    if len(toks) == 1:
        return Author(family=toks[0])
    i = next((k for k in range(1, len(toks) - 1) if toks[k][:1].islower()), len(toks) - 1)
    return Author(family=" ".join(toks[i:]), given=" ".join(toks[:i]))


def split_name(name: str) -> Author | None:
    """One personal name in any common form -> Author.

    'Last, First', 'von Last, Jr, First', 'First von Last' (the von part joins the family name:
    'Ludwig van Beethoven' -> 'van Beethoven'), and a fully braced BibTeX corporate name
    ('{Barack Obama Foundation}') kept whole as the family name. LaTeX and markup are decoded.
    """
    s = name.strip()
    if not s:
        return None
    if not _NAME_MARKUP.search(s):
        return _split_plain(s)
    if _braced_whole(s):
        family = clean_text(s)
        return Author(family=family) if family else None
    parts = _split_depth0(s, on_comma=True)
    if len(parts) >= 2 and parts[-1].lower() not in _NAME_SUFFIXES:
        family_s, given_s = parts[0], parts[-1]
    else:
        toks = _split_depth0(parts[0] if parts else s, on_comma=False)
        if len(toks) > 2 and toks[-1].lower() in _NAME_SUFFIXES:
            toks = toks[:-1]
        if len(toks) <= 1:
            family_s, given_s = (toks[0] if toks else s), ""
        else:
            i = next((k for k in range(1, len(toks) - 1) if _starts_lower(toks[k])), len(toks) - 1)
            family_s, given_s = " ".join(toks[i:]), " ".join(toks[:i])
    family, given = clean_text(family_s), clean_text(given_s)
    if not family:
        family, given = given, ""
    return Author(family=family, given=given) if family else None


def _opt(s: Any) -> str | None:
    return clean_text(s) or None if isinstance(s, str) else None


def make_record(
    *,
    id: str | None,
    title: Any,
    authors: Iterable[Author | None] = (),
    year: int | None = None,
    venue: Any = None,
    doi: Any = None,
    arxiv_id: str | None = None,
    pmid: Any = None,
    url: Any = None,
    type: Any = None,
    source: str,
) -> Record:
    """Clean and validate the fields every reader produces, in one place.

    A record without a usable title cannot be matched against anything, so it is rejected here
    (`BadRecordError`) rather than indexed as noise. Without an id the record gets a stable one
    from its DOI or a hash of title and year, so re-reading a dump yields the same ids.
    """
    clean_title = clean_text(title) if isinstance(title, str) else ""
    if not clean_title:
        raise BadRecordError("no title")
    doi_n = norm_doi(doi) if isinstance(doi, str) else None
    pmid_s = str(pmid).strip() if isinstance(pmid, (str, int)) and not isinstance(pmid, bool) else ""
    if not id:
        if doi_n:
            id = f"doi:{doi_n}"
        else:
            digest = hashlib.sha1(f"{clean_title}|{year}".encode()).hexdigest()[:16]
            id = f"{source}:{digest}"
    return Record(
        id=id,
        title=clean_title,
        authors=[a for a in authors if a is not None],
        year=year,
        venue=_opt(venue),
        doi=doi_n,
        arxiv_id=arxiv_id or None,
        pmid=pmid_s if pmid_s.isdigit() else None,
        url=url.strip() if isinstance(url, str) and url.strip() else None,
        type=_opt(type),
        source=source,
    )
