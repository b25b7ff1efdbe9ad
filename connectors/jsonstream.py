"""Streaming JSON: JSON lines, or one huge array/wrapped document read item by item in bounded memory.

Every JSON dump format reads through here; what differs between them (which wrapper keys lead to the
items) is said once per format, in its `JsonLayout` (`citeproof.connectors.dumpformat`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterator
from typing import Any

from citeproof.connectors.source import CHUNK, HEAD_BYTES, Source, lead
from citeproof.errors import DumpFormatError
from citeproof.models import ReadStats

__all__ = ["first_json_item", "is_json_lines", "item_lines", "iter_json", "json_line_items"]

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
        chunk = self._read(max(CHUNK, len(self.buf) - self.pos))
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


def is_json_lines(head: bytes) -> bool:
    """Whether a file that starts with `head` is JSON lines (one value a line), not one JSON document."""
    return _first_char(head) != "[" and _looks_like_json_lines(head)


def json_line_items(
    line: str, no: int, descend: Collection[str] = (), stream: Collection[str] = ()
) -> list[tuple[Any, Any]]:
    """The items of one line of a JSON-lines dump, walked as `iter_json` walks a whole file (the
    line's object, or the records under `descend`/`stream` in it). Raises ValueError with the reason
    a skipped line is counted under ('invalid JSON line (...)'). Also used on its own, through
    `JsonLayout.read_line`, by the Ray engine, whose workers parse lines one by one."""
    cur = _JsonCursor(None, line, no)
    try:
        items = list(_walk(cur, descend, stream))
        if cur.peek():
            raise ValueError("extra data after the JSON value")
    except (ValueError, RecursionError) as e:
        raise ValueError(f"invalid JSON line ({e})") from e
    return items


def item_lines(src: Source) -> Iterator[tuple[int, str]]:
    """(line number, line) of the lines of a JSON-lines file that hold items: all but blank ones."""
    for no, line in src.lines():
        if line.strip():
            yield no, line


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
    if is_json_lines(head):
        for no, line in item_lines(src):
            try:
                items = json_line_items(line, no, descend, stream)
            except ValueError as e:
                stats.skip(f"{src.name}:{no}", str(e))
                continue
            for _, item in items:
                yield f"{src.name}:{no}", item
        return
    if first not in "[{":
        raise DumpFormatError(f"{src.name}: not JSON (starts with {head.lstrip()[:20]!r})")
    cur = _JsonCursor(src.read)
    try:
        while cur.peek():
            for at, item in _walk(cur, descend, stream):
                yield f"{src.name}:{at}", item
    except (ValueError, RecursionError) as e:
        raise DumpFormatError(f"{src.name}: malformed or truncated JSON ({e})") from e
