"""arXiv API client: a paper by arXiv id, and title search.

arXiv asks API users for at most one request every three seconds on a single connection; the client
enforces that spacing itself (as arxiv.py's `Client` does), so callers need not think about it. Atom
entries become `Record`s through `record_from_arxiv_atom`, shared with the Atom dump reader.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from citeproof.connectors.arxiv import record_from_arxiv_atom
from citeproof.connectors.live.http import LiveClient, Reply
from citeproof.connectors.records import BadRecordError
from citeproof.errors import InputError, LookupFailedError
from citeproof.identifiers import norm_arxiv_id
from citeproof.models import Record
from citeproof.text import clean_text

__all__ = ["ARXIV_API", "Arxiv"]

ARXIV_API = "https://export.arxiv.org/api/query"
_ENTRY = "{http://www.w3.org/2005/Atom}entry"
_PHRASE_UNSAFE = re.compile(r'["()\\]+')


def _entries(reply: Reply) -> list[ET.Element]:
    if not isinstance(reply.data, ET.Element) or not reply.data.tag.endswith("feed"):
        raise LookupFailedError(f"arxiv: {reply.url}: not an Atom feed")
    return list(reply.data.iter(_ENTRY))


class Arxiv(LiveClient):
    """The arXiv API (https://export.arxiv.org/api/query), one request per 3 seconds."""

    name = "arxiv"
    body_format = "xml"
    accept = ("application/atom+xml", "application/xml", "text/xml")
    interval_s = 3.0
    lookups = frozenset({"arxiv"})

    def _query(self, params: dict[str, Any], budget_s: float | None) -> Reply:
        # The parameter set arxiv.py sends, so that responses recorded with it replay unchanged.
        full = {"search_query": "", "id_list": "", "sortBy": "relevance", "sortOrder": "descending", "start": 0}
        full.update(params)
        reply = self.http.get(ARXIV_API, full, budget_s=budget_s)
        if not reply.found:
            raise LookupFailedError(f"arxiv: {reply.url}: 404")
        return reply

    def get(self, arxiv_id: str, *, budget_s: float | None = None) -> Record | None:
        """The paper with this id ('1706.03762', 'arXiv:1706.03762v5', 'astro-ph/0601001'), or None."""
        aid = norm_arxiv_id(arxiv_id, keep_version=True)
        if not aid:
            raise InputError(f"not an arXiv id: {arxiv_id!r}")
        reply = self._query({"id_list": aid, "max_results": 100}, budget_s)
        want = norm_arxiv_id(aid)
        for entry in _entries(reply):
            try:
                rec = record_from_arxiv_atom(entry)
            except BadRecordError:
                continue  # an error entry: arXiv's way of saying the id does not exist
            if rec.arxiv_id == want:
                return rec
        return None

    def search(self, title: str, rows: int = 10, *, budget_s: float | None = None) -> list[Record]:
        """Papers whose title contains `title` as a phrase, best first."""
        phrase = " ".join(_PHRASE_UNSAFE.sub(" ", clean_text(title)).split())
        if not phrase:
            return []
        reply = self._query({"search_query": f'ti:"{phrase}"', "max_results": rows}, budget_s)
        out: list[Record] = []
        for entry in _entries(reply):
            try:
                out.append(record_from_arxiv_atom(entry))
            except BadRecordError:
                continue
        return out
