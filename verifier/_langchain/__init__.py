"""citeproof for LangChain: check the citations in what your chains and chat models answer.

- `CitationCallbackHandler` / `AsyncCitationCallbackHandler` / `citation_callback()`: observe every
  model call, keep a `Report` per answer, and optionally warn or raise on flagged citations.
- `CitationVerifier`: a runnable to end a chain with, returning the answer with its `Report`.

Only langchain-core is needed (no provider package), so this works with any chat model.
"""

from __future__ import annotations

try:
    import langchain_core  # noqa: F401
except ImportError as e:  # pragma: no cover - exercised by a test that hides the package
    raise ImportError(
        "citeproof.langchain needs langchain-core; install it with: pip install 'langchain-core==1.8.1'"
    ) from e

from citeproof.connectors.errors import FabricatedCitationError
from citeproof.langchain._common import OnFlag
from citeproof.langchain.callbacks import (
    AsyncCitationCallbackHandler,
    CitationCallbackHandler,
    citation_callback,
)
from citeproof.langchain.runnable import CitationVerifier, VerifiedAnswer

__all__ = [
    "AsyncCitationCallbackHandler",
    "CitationCallbackHandler",
    "CitationVerifier",
    "FabricatedCitationError",
    "OnFlag",
    "VerifiedAnswer",
    "citation_callback",
]
