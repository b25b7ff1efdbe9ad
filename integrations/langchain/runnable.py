"""`CitationVerifier`: a runnable that ends a chain with the answer and its verification `Report`.

`chain | CitationVerifier(index="idx/")` turns whatever the chain produced (a string, a chat message,
or a stream of either) into a `VerifiedAnswer`. Unlike the callback handlers, it changes what the
chain returns, so it can also mark flagged citations in the text or append a summary of the check.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.runnables import RunnableConfig, RunnableSerializable
from pydantic import BaseModel, ConfigDict, Field

from citeproof.langchain._common import OnFlag, StreamedAnswer, act_on_flags, as_text, make_verifier
from citeproof.models import Report
from citeproof.verifier.core import IndexLike, Verifier
from citeproof.verifier.render import render

__all__ = ["CitationVerifier", "VerifiedAnswer", "references_footer", "strike_flagged"]


class VerifiedAnswer(BaseModel):
    """The answer to show (`text`) and the evidence behind it (`report`; `report.text` is the answer
    exactly as the model wrote it, which the citations' `start`/`end` offsets refer to)."""

    text: str
    report: Report

    def __str__(self) -> str:
        return self.text


def strike_flagged(report: Report) -> str:
    """The report's text with each flagged citation struck through in Markdown and its verdict named.

    Each line of a multi-line citation is struck on its own, because Markdown's `~~` does not span
    lines; whitespace around a span stays outside the markers so they still render.
    """
    text, out, pos = report.text, [], 0
    for c in sorted(report.flagged, key=lambda c: c.start):
        if c.start < pos:  # spans are disjoint; this only guards against a malformed report
            continue
        out.append(text[pos : c.start])
        lines = text[c.start : c.end].split("\n")
        struck = []
        for line in lines:
            core = line.strip()
            if core:
                lead = line[: len(line) - len(line.lstrip())]
                trail = line[len(line.rstrip()) :]
                line = f"{lead}~~{core}~~{trail}"
            struck.append(line)
        seg = "\n".join(struck)
        tail = len(seg) - len(seg.rstrip())
        out.append(f"{seg[: len(seg) - tail]} **[{c.status.value}]**{seg[len(seg) - tail :]}")
        pos = c.end
    out.append(text[pos:])
    return "".join(out)


def references_footer(report: Report) -> str:
    """A Markdown "References checked" section: the same table `citeproof verify --format markdown` prints."""
    return f"\n\n---\n\n**References checked** (citeproof)\n\n{render(report, 'markdown')}\n"


class CitationVerifier(RunnableSerializable[str | BaseMessage, VerifiedAnswer]):
    """Verifies every citation in the answer a chain produced; returns a `VerifiedAnswer`.

    `strike=True` strikes flagged citations through in the returned text; `footer=True` appends a
    "References checked" table. `on_flag` works as for `CitationCallbackHandler`.

    In a streaming chain (`chain.stream`, `astream`) citations are verified while the answer streams
    in, and one `VerifiedAnswer` on the whole answer comes out at the end; "raise" stops the stream
    at the first flagged citation. Verification runs in worker threads under the async methods, and
    one instance may serve concurrent calls (the Verifier is thread-safe for reads).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    verifier: Verifier = Field(exclude=True)
    strike: bool = False
    footer: bool = False
    on_flag: OnFlag = "annotate"

    def __init__(self, index: IndexLike | Verifier = None, **kwargs: Any) -> None:
        """`index`: an index directory, an open `Index`, a `Verifier` to share, or None (demo index)."""
        super().__init__(verifier=make_verifier(index, kwargs.get("on_flag", "annotate")), **kwargs)

    def _answer(self, report: Report) -> VerifiedAnswer:
        act_on_flags(report, self.on_flag)
        text = strike_flagged(report) if self.strike else report.text
        if self.footer:
            text += references_footer(report)
        return VerifiedAnswer(text=text, report=report)

    def _verify(self, value: str | BaseMessage) -> VerifiedAnswer:
        return self._answer(self.verifier.verify(as_text(value)))

    def _verify_stream(self, chunks: Iterator[str | BaseMessage]) -> Iterator[VerifiedAnswer]:
        answer = StreamedAnswer(self.verifier, self.on_flag)
        for chunk in chunks:
            answer.feed(as_text(chunk))
        yield self._answer(answer.close())

    async def _averify_stream(self, chunks: AsyncIterator[str | BaseMessage]) -> AsyncIterator[VerifiedAnswer]:
        answer = StreamedAnswer(self.verifier, self.on_flag)
        async for chunk in chunks:
            await asyncio.to_thread(answer.feed, as_text(chunk))
        yield self._answer(await asyncio.to_thread(answer.close))

    def invoke(self, input: str | BaseMessage, config: RunnableConfig | None = None, **kwargs: Any) -> VerifiedAnswer:
        """Verify one answer (traced as a run of its own, like any runnable)."""
        return self._call_with_config(self._verify, input, config)

    def transform(
        self, input: Iterator[str | BaseMessage], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[VerifiedAnswer]:
        """Verify an answer while its chunks stream in; yield one `VerifiedAnswer` at the end."""
        yield from self._transform_stream_with_config(input, self._verify_stream, config)

    async def atransform(
        self, input: AsyncIterator[str | BaseMessage], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[VerifiedAnswer]:
        """Async `transform`: verification runs in worker threads, off the event loop."""
        async for out in self._atransform_stream_with_config(input, self._averify_stream, config):
            yield out
