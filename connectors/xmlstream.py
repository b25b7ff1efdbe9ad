"""Streaming XML with iterparse, resolving HTML/ISO named entities (dblp.xml's) without a DTD."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Collection, Iterator
from html.entities import name2codepoint
from typing import cast

from citeproof.connectors.source import CHUNK, Source, lead
from citeproof.errors import DumpFormatError

__all__ = ["iter_xml"]

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
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    stack: list[ET.Element] = []
    carry = ""

    def drain() -> Iterator[ET.Element]:
        for item in parser.read_events():
            # Only "start" and "end" are asked for, and both come as (event, element); the stub's
            # union also covers the namespace/comment/pi events, which carry other payloads.
            event, el = cast("tuple[str, ET.Element]", item)
            if event == "start":
                stack.append(el)
                continue
            stack.pop()
            wanted = el.tag in tags
            if wanted:
                yield el
            # Drop yielded elements and every other child of the root (e.g. dblp's <data> records)
            # so that the root never accumulates millions of children.
            if wanted or len(stack) == 1:
                el.clear()
                if stack:
                    stack[-1].remove(el)

    try:
        while True:
            chunk = src.read(CHUNK, encoding)
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
