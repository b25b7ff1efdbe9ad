"""Crossref REST API client: a work by DOI, bibliographic search, and cursor deep paging.

Crossref is the registry of most scholarly DOIs, so it answers "does this DOI exist and what is it"
authoritatively. Items are turned into `Record`s by `record_from_crossref`, the same function that
reads Crossref dumps, so an index built from a dump and one updated from the API agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from citeproof.connectors.crossref import record_from_crossref
from citeproof.connectors.live.http import DoiClient, Reply
from citeproof.connectors.records import BadRecordError
from citeproof.errors import LookupFailedError
from citeproof.models import ReadStats, Record

__all__ = ["CROSSREF_API", "Crossref"]

CROSSREF_API = "https://api.crossref.org"


def _message(reply: Reply) -> dict[str, Any]:
    msg = reply.data.get("message") if isinstance(reply.data, dict) else None
    if not isinstance(msg, dict):
        raise LookupFailedError(f"crossref: {reply.url}: response has no `message` object")
    return msg


def _items(reply: Reply) -> list[Any]:
    items = _message(reply).get("items")
    if not isinstance(items, list):
        raise LookupFailedError(f"crossref: {reply.url}: response has no `items` list")
    return items


def _records(items: list[Any], where: str, stats: ReadStats | None = None) -> Iterator[Record]:
    """Usable records of a result page; an item without title or DOI is skipped (and counted)."""
    for n, item in enumerate(items, 1):
        try:
            yield record_from_crossref(item)
        except (BadRecordError, TypeError) as e:
            if stats is not None:
                stats.skip(f"{where} item {n}", str(e))
        else:
            if stats is not None:
                stats.read += 1


class Crossref(DoiClient):
    """The Crossref REST API (https://api.crossref.org).

    Give `mailto` (your e-mail address): Crossref routes identified clients to its "polite pool",
    which is faster and more reliable. The rate starts at 5 requests/s and then follows what
    Crossref announces in its `X-Rate-Limit-*` headers.
    """

    name = "crossref"
    doi_url = f"{CROSSREF_API}/works/{{doi}}"
    interval_s = 0.2
    adaptive_rate = True
    lookups = frozenset({"doi", "title"})

    def record_from_reply(self, reply: Reply) -> Record:
        """`/works/{doi}` answers `{"message": work}`: the same work item a Crossref dump holds."""
        return record_from_crossref(_message(reply))

    def search(self, text: str, rows: int = 5, *, budget_s: float | None = None) -> list[Record]:
        """Best `rows` matches of a free-text reference or title (Crossref's `query.bibliographic`)."""
        reply = self.http.get(
            f"{CROSSREF_API}/works", {"query.bibliographic": text, "rows": rows}, budget_s=budget_s
        )
        if not reply.found:
            raise LookupFailedError(f"crossref: {reply.url}: search answered 404")
        return list(_records(_items(reply), reply.url))

    def iter_works(
        self,
        filter: str | None = None,
        cursor: str = "*",
        *,
        rows: int = 500,
        member: int | str | None = None,
        stats: ReadStats | None = None,
        budget_s: float | None = None,
    ) -> Iterator[Record]:
        """Every work matching `filter` (e.g. `from-index-date:2025-01-01`), page by page.

        Deep paging with `cursor` is the way Crossref supports walking large result sets; pages are
        never cached (a cursor expires after minutes, and an update wants current data). `member`
        restricts to one Crossref member (`/members/{id}/works`). `budget_s` bounds each page
        request, not the whole walk. Items without a title are skipped and counted in `stats`.
        """
        path = f"/members/{quote(str(member), safe='')}/works" if member is not None else "/works"
        params: dict[str, Any] = {"rows": rows, "cursor": cursor}
        if filter:
            params["filter"] = filter
        while True:
            reply = self.http.get(CROSSREF_API + path, params, budget_s=budget_s, use_cache=False)
            if not reply.found:
                raise LookupFailedError(f"crossref: {reply.url}: 404")
            items = _items(reply)
            yield from _records(items, reply.url, stats)
            next_cursor = _message(reply).get("next-cursor")
            if not items or not isinstance(next_cursor, str) or not next_cursor:
                return
            params["cursor"] = next_cursor
