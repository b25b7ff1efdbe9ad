"""`CitationMiddleware`: check the citations in an agent's final answers (`langchain.agents.create_agent`).

A callback can only watch; an agent middleware can act on what it finds, inside the agent loop. After
each model turn that is a final answer (no tool calls), the answer's text is verified once with
`Verifier.verify`, the Report is kept (`.reports`, and the agent state's `citations`), and if a
citation is flagged the middleware annotates the answer, sends the findings back to the model for
another try, or raises, as `on_flag` says. It is an `after_model` hook rather than a wrapper around
the model call so that a retry happens in the open: the feedback is a message in the conversation,
and the model may call tools (e.g. `find_references`) before it answers again.

Needs `langchain` 1.x (`pip install 'citeproof[langchain]'`).
"""

from __future__ import annotations

import asyncio
import operator
import threading
from typing import Annotated, Any, Literal

try:
    from langgraph.channels.untracked_value import UntrackedValue
    from langgraph.runtime import Runtime

    from langchain.agents.middleware.types import (
        AgentMiddleware,
        AgentState,
        ContextT,
        OmitFromInput,
        PrivateStateAttr,
        ResponseT,
        hook_config,
    )
except ImportError as e:  # pragma: no cover - exercised by a test that hides the package
    raise ImportError(
        "CitationMiddleware needs langchain 1.x (create_agent); install it with: pip install 'citeproof[langchain]'"
    ) from e
from langchain_core.messages import AIMessage, HumanMessage
from typing_extensions import NotRequired  # typing has it from 3.11 only

from citeproof.langchain._common import act_on_flags, as_text
from citeproof.langchain.findings import annotation, feedback
from citeproof.langchain.retriever import open_verifier
from citeproof.models import Report
from citeproof.verifier.core import IndexLike, Verifier

__all__ = ["AgentOnFlag", "CitationMiddleware", "CitationState"]

AgentOnFlag = Literal["annotate", "retry", "raise"]
"""What `CitationMiddleware` does with a final answer that has a flagged (`mismatch`/`fabricated`) citation."""

_ON_FLAG: tuple[str, ...] = ("annotate", "retry", "raise")


class CitationState(AgentState[ResponseT]):
    """The agent state `CitationMiddleware` adds to.

    `citations`: the Report on every final answer in this thread, oldest first, in its JSON form
    (`Report.model_validate(state["citations"][-1])` gives the object back). Plain JSON rather than
    `Report` objects because the state is checkpointed and sent over the wire: langgraph's checkpoint
    serializer warns on, and in strict mode refuses, classes it does not know. An output, not an input.

    `citation_retries`: how often this run has asked the model to answer again; untracked, so it
    starts at 0 on every run even with a checkpointer.
    """

    citations: NotRequired[Annotated[list[dict[str, Any]], OmitFromInput, operator.add]]
    citation_retries: NotRequired[Annotated[int, UntrackedValue, PrivateStateAttr]]


def _with_section(message: AIMessage, section: str) -> AIMessage:
    """The same message (same id, so the state's reducer replaces it) with `section` appended."""
    content = message.content
    if isinstance(content, str):
        new: str | list[str | dict[str, Any]] = content + section
    else:  # content blocks (e.g. Anthropic): add a text block rather than flattening the others
        new = [*content, {"type": "text", "text": section}]
    return message.model_copy(update={"content": new})


class CitationMiddleware(AgentMiddleware[CitationState[ResponseT], ContextT, ResponseT]):
    """Verifies every citation in an agent's final answers, and acts on flagged ones.

    Example:
        ```python
        from langchain.agents import create_agent
        from citeproof.langchain import CitationMiddleware, citation_tools
        from citeproof.verifier import Verifier

        verifier = Verifier("idx/")  # one loaded index for the tools and the check
        checker = CitationMiddleware(verifier, on_flag="retry")
        agent = create_agent(model, tools=citation_tools(verifier), middleware=[checker])
        result = agent.invoke({"messages": [{"role": "user", "content": "Three papers on RAG?"}]})
        checker.reports[-1].summary  # or Report.model_validate(result["citations"][-1])
        ```
    """

    state_schema = CitationState  # type: ignore[assignment]

    def __init__(
        self,
        index: IndexLike | Verifier = None,
        *,
        on_flag: AgentOnFlag = "annotate",
        online: bool = False,
        max_retries: int = 1,
    ) -> None:
        """`index`: an index directory, an open `Index`, a `Verifier` to share, or None (demo index).

        `on_flag`: "annotate" appends a "Citations checked" section naming each flagged citation's
        verdict and the suggested correction (a clean answer is left exactly as it is); "retry"
        sends those findings back to the model and lets it answer again, at most `max_retries`
        times per run, then annotates; "raise" raises `FabricatedCitationError` with the Report.
        `online=True` looks up live (Crossref, arXiv, ...) what the index cannot settle; with a
        `Verifier`, configure that on the Verifier instead.
        """
        super().__init__()
        if on_flag not in _ON_FLAG:
            raise ValueError(f"on_flag must be one of {', '.join(_ON_FLAG)}, not {on_flag!r}")
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, not {max_retries}")
        # opened here, so a typo'd path or a missing index fails where the agent is built
        self.verifier = open_verifier(index, online)
        self.on_flag = on_flag
        self.max_retries = max_retries
        self._lock = threading.Lock()
        self.reports: list[Report] = []
        """The Report on every final answer this middleware saw, in order, across all runs and threads."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(on_flag={self.on_flag!r}, reports={len(self.reports)})"

    def _check(self, state: CitationState[ResponseT]) -> dict[str, Any] | None:
        """Verify the last message if it is a final answer, and say what to change in the state."""
        messages = state.get("messages") or []
        last = messages[-1] if messages else None
        if not isinstance(last, AIMessage) or last.tool_calls:
            return None  # a tool-calling turn: the answer is not written yet
        text = as_text(last)
        if not text.strip():
            return None
        report = self.verifier.verify(text)
        with self._lock:
            self.reports.append(report)
        update: dict[str, Any] = {"citations": [report.model_dump(mode="json")]}
        if not report.flagged:
            return update
        if self.on_flag == "raise":
            act_on_flags(report, "raise")
        retries = state.get("citation_retries", 0)
        if self.on_flag == "retry" and retries < self.max_retries:
            return {
                **update,
                "messages": [HumanMessage(feedback(report))],
                "citation_retries": retries + 1,
                "jump_to": "model",
            }
        return {**update, "messages": [_with_section(last, annotation(report))]}

    @hook_config(can_jump_to=["model"])
    def after_model(self, state: CitationState[ResponseT], runtime: Runtime[ContextT]) -> dict[str, Any] | None:
        """Verify a final answer's citations; annotate, retry or raise if any is flagged."""
        return self._check(state)

    @hook_config(can_jump_to=["model"])
    async def aafter_model(
        self, state: CitationState[ResponseT], runtime: Runtime[ContextT]
    ) -> dict[str, Any] | None:
        """`after_model` for async agents: verification is CPU work, so it runs in a worker thread."""
        return await asyncio.to_thread(self._check, state)
