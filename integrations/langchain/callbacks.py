"""Callback handlers that verify every citation in each final LLM / chat-model output.

A callback observes a run without changing it, so it suits monitoring: attach it to any model or
chain (`config={"callbacks": [handler]}`, or `with citation_callback() as cb:` for everything in a
block) and read `handler.reports` afterwards. To change what the chain returns, use
`CitationVerifier` instead.

Every model call ends in `on_llm_end` with its final output, streamed calls too (the chunks
merged), so each answer is verified whole. When the model streams, the handler also verifies while
the tokens arrive (`on_llm_new_token`, with `Verifier.stream`'s engine): the work is mostly done by
the last token, and `on_flag="raise"` stops the stream at the first flagged citation.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from uuid import UUID

from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.outputs import ChatGenerationChunk, GenerationChunk, LLMResult
from langchain_core.tracers.context import register_configure_hook

from citeproof.errors import FabricatedCitationError
from citeproof.langchain._common import OnFlag, StreamedAnswer, act_on_flags, make_verifier
from citeproof.models import Report
from citeproof.verifier.core import IndexLike, Verifier

__all__ = ["AsyncCitationCallbackHandler", "CitationCallbackHandler", "citation_callback"]


class _ReportKeeper:
    """State and logic shared by the sync and async handler: verify, keep the reports, act on flags."""

    raise_error: bool

    def __init__(self, index: IndexLike | Verifier = None, *, on_flag: OnFlag = "annotate") -> None:
        """`index`: an index directory, an open `Index`, a `Verifier` to share, or None (demo index).

        `on_flag`: "annotate" keeps the Report only; "warn" also logs a warning on the
        `citeproof.langchain` logger; "raise" raises `FabricatedCitationError` out of the model call.
        """
        self.verifier = make_verifier(index, on_flag)
        self.on_flag = on_flag
        # langchain-core logs and swallows handler exceptions unless the handler asks otherwise:
        # only "raise" should interrupt the run, so the other modes never break a user's chain.
        self.raise_error = on_flag == "raise"
        self._lock = threading.Lock()
        self.reports: list[Report] = []
        """Every Report, in the order the model calls ended (one per generated answer)."""
        self.reports_by_run: dict[UUID, list[Report]] = {}
        """The same Reports keyed by the model call's `run_id`, to tell concurrent calls apart."""
        self._streams: dict[UUID, StreamedAnswer] = {}

    def __repr__(self) -> str:
        flagged = sum(bool(r.flagged) for r in self.reports)
        return f"{type(self).__name__}(reports={len(self.reports)}, flagged={flagged}, on_flag={self.on_flag!r})"

    def _keep(self, run_id: UUID, reports: list[Report]) -> None:
        with self._lock:
            self.reports.extend(reports)
            self.reports_by_run.setdefault(run_id, []).extend(reports)

    def _feed(self, token: object, chunk: GenerationChunk | ChatGenerationChunk | None, run_id: UUID) -> None:
        """Verify the citations a streamed token completes (a raise here ends the stream)."""
        text = chunk.text if chunk is not None else token
        if not isinstance(text, str) or not text:
            return
        with self._lock:
            answer = self._streams.get(run_id)
            if answer is None:
                answer = self._streams[run_id] = StreamedAnswer(self.verifier, self.on_flag)
        try:
            answer.feed(text)
        except FabricatedCitationError as e:
            with self._lock:
                self._streams.pop(run_id, None)
            self._keep(run_id, [e.report])  # the report on the answer as far as it got
            raise

    def _end(self, response: LLMResult, run_id: UUID) -> None:
        """Verify each generated answer; a streamed one is finished from what its tokens started."""
        with self._lock:
            streamed = self._streams.pop(run_id, None)
        # one LLMResult holds one list of generations per prompt, and n answers per prompt
        texts = [g.text for gens in response.generations for g in gens if g.text and g.text.strip()]
        reports = [
            # the tokens are only trusted when they add up to exactly the final answer
            streamed.close() if streamed is not None and len(texts) == 1 and streamed.text == text
            else self.verifier.verify(text)
            for text in texts
        ]
        self._keep(run_id, reports)
        for report in reports:
            act_on_flags(report, self.on_flag)

    def _drop(self, run_id: UUID) -> None:
        with self._lock:
            self._streams.pop(run_id, None)


class CitationCallbackHandler(_ReportKeeper, BaseCallbackHandler):
    """Verifies the citations in every final LLM / chat-model output; thread-safe, so one handler
    can serve concurrent calls (see `reports_by_run`)."""

    def on_llm_new_token(
        self,
        token: str | list[str | dict[str, Any]],
        *,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        """Verify the citations this token completes, while the model is still streaming."""
        self._feed(token, chunk, run_id)

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any) -> None:
        """Verify each generated answer once the model call has finished."""
        self._end(response, run_id)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any) -> None:
        """Forget a stream the model abandoned."""
        self._drop(run_id)


class AsyncCitationCallbackHandler(_ReportKeeper, AsyncCallbackHandler):
    """The async twin of `CitationCallbackHandler`, for `ainvoke` / `astream`.

    Verification is CPU work (embedding, index lookups), so it runs in a worker thread and the event
    loop keeps serving other requests meanwhile. Use the sync handler for sync calls: langchain-core
    runs an async handler's coroutine from sync code in a way that swallows its exceptions, so
    `on_flag="raise"` could not raise there.
    """

    async def on_llm_new_token(
        self,
        token: str | list[str | dict[str, Any]],
        *,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        """Verify the citations this token completes, in a worker thread."""
        await asyncio.to_thread(self._feed, token, chunk, run_id)

    async def on_llm_end(
        self, response: LLMResult, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any
    ) -> None:
        """Verify each generated answer in a worker thread once the model call has finished."""
        await asyncio.to_thread(self._end, response, run_id)

    async def on_llm_error(
        self, error: BaseException, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any
    ) -> None:
        """Forget a stream the model abandoned."""
        self._drop(run_id)


# One context variable registered once at import (as langchain-core does for its tracers): every run
# started while it holds a handler gets that handler, inherited by child runs.
_active: ContextVar[CitationCallbackHandler | None] = ContextVar("citeproof_citation_callback", default=None)
register_configure_hook(_active, inheritable=True)


@contextmanager
def citation_callback(index: IndexLike | Verifier = None, *, on_flag: OnFlag = "annotate") -> Iterator[CitationCallbackHandler]:
    """Verify every model call made inside the `with` block, like `get_usage_metadata_callback`.

    Example:
        ```python
        with citation_callback(index="idx/") as cb:
            chain.invoke({"question": "..."})
        for report in cb.reports:
            print(report.summary)
        ```
    """
    handler = CitationCallbackHandler(index, on_flag=on_flag)
    token = _active.set(handler)
    try:
        yield handler
    finally:
        # reset even when the block raises, so later calls outside it are not verified into `handler`
        _active.reset(token)
