"""citeproof for LangChain: check the citations in what your chains and chat models answer.

- `CitationCallbackHandler` / `AsyncCitationCallbackHandler` / `citation_callback()`: observe every
  model call, keep a `Report` per answer, and optionally warn or raise on flagged citations.
- `CitationVerifier`: a runnable to end a chain with, returning the answer with its `Report`.
- `CitationRetriever` and `citation_tools()`: real works for a topic or a half-remembered title, and
  a check of a draft, for RAG chains and tool-calling models.
- `CitationMiddleware`: for `langchain.agents.create_agent`; checks each final answer and annotates,
  retries or raises on flagged citations. It alone needs `langchain` (`pip install
  'citeproof[langchain]'`), so it is imported on first use and the rest works without it.

Only langchain-core is needed for everything else (no provider package), so this works with any chat model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

try:
    import langchain_core  # noqa: F401
except ImportError as e:  # pragma: no cover - exercised by a test that hides the package
    raise ImportError(
        "citeproof.langchain needs langchain-core; install it with: pip install 'langchain-core==1.8.1'"
    ) from e

from citeproof.errors import FabricatedCitationError
from citeproof.langchain._common import OnFlag
from citeproof.langchain.callbacks import (
    AsyncCitationCallbackHandler,
    CitationCallbackHandler,
    citation_callback,
)
from citeproof.langchain.retriever import CitationRetriever
from citeproof.langchain.runnable import CitationVerifier, VerifiedAnswer
from citeproof.langchain.tools import citation_tools

if TYPE_CHECKING:
    from citeproof.langchain.middleware import AgentOnFlag, CitationMiddleware, CitationState

__all__ = [
    "AgentOnFlag",
    "AsyncCitationCallbackHandler",
    "CitationCallbackHandler",
    "CitationMiddleware",
    "CitationRetriever",
    "CitationState",
    "CitationVerifier",
    "FabricatedCitationError",
    "OnFlag",
    "VerifiedAnswer",
    "citation_callback",
    "citation_tools",
]

_NEEDS_LANGCHAIN = frozenset({"AgentOnFlag", "CitationMiddleware", "CitationState"})


def __getattr__(name: str) -> Any:
    """Import the agent middleware on first use: it needs `langchain`, which the rest does not.

    Without `langchain` installed, `from citeproof.langchain import CitationMiddleware` raises an
    ImportError that says what to install, while everything else here still imports.
    """
    if name in _NEEDS_LANGCHAIN:
        from citeproof.langchain import middleware

        return getattr(middleware, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
