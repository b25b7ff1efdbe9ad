"""Verifying citations while an answer streams in, so a chat UI can mark each one as it completes.

Text arrives in arbitrary chunks. Whenever a line is completed, the citations in the completed text
are extracted again; every citation except the last is final (a later one has begun), and at the
end of the stream the rest are final too. Each final citation is verified once and yielded with
spans relative to the whole answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator, Sequence

from citeproof.models import Citation, CitationResult
from citeproof.verifier.extract import extract_citations

__all__ = ["CitationStream"]


class CitationStream:
    """Incremental state: feed chunks, collect the citations that became final."""

    def __init__(self, check: Callable[[Sequence[Citation]], list[CitationResult]]) -> None:
        self._check = check
        self._text = ""
        self._emitted: set[int] = set()  # start offsets of citations already verified
        self._scanned_upto = 0

    @property
    def text(self) -> str:
        return self._text

    def _final(self, upto: int, closing: bool) -> list[Citation]:
        cites = extract_citations(self._text[:upto])
        ready = cites if closing else cites[:-1]
        fresh = [c for c in ready if c.start not in self._emitted]
        self._emitted.update(c.start for c in fresh)
        return fresh

    def feed(self, chunk: str) -> list[CitationResult]:
        """Add a chunk; return results for the citations it completed (often none)."""
        if not chunk:
            return []
        self._text += chunk
        nl = self._text.rfind("\n")
        if nl < self._scanned_upto:
            return []
        self._scanned_upto = nl + 1
        fresh = self._final(nl + 1, closing=False)
        return self._check(fresh) if fresh else []

    def close(self) -> list[CitationResult]:
        """The stream ended: everything left is final."""
        fresh = self._final(len(self._text), closing=True)
        return self._check(fresh) if fresh else []


def stream(check: Callable[[Sequence[Citation]], list[CitationResult]], chunks: Iterable[str]) -> Iterator[CitationResult]:
    state = CitationStream(check)
    for chunk in chunks:
        yield from state.feed(chunk)
    yield from state.close()


async def astream(
    check: Callable[[Sequence[Citation]], list[CitationResult]], chunks: AsyncIterable[str]
) -> AsyncIterator[CitationResult]:
    """Async twin: verification runs in a worker thread so the event loop keeps serving tokens."""
    state = CitationStream(check)
    async for chunk in chunks:
        for r in await asyncio.to_thread(state.feed, chunk):
            yield r
    for r in await asyncio.to_thread(state.close):
        yield r
