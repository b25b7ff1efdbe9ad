"""What the callback handlers and the runnable share: building the `Verifier`, acting on a flag,
and verifying an answer while it streams.

Both integrations are thin layers over `Verifier.verify` and `Verifier.stream`; what they must do
the same way lives here, so a chain and a callback never disagree about what "raise" means.
"""

from __future__ import annotations

import logging
import time
from typing import Literal

from langchain_core.messages import BaseMessage

from citeproof.errors import FabricatedCitationError
from citeproof.models import CitationResult, Report
from citeproof.verifier.core import IndexLike, Verifier
from citeproof.verifier.stream import CitationStream

__all__ = ["OnFlag", "StreamedAnswer", "act_on_flags", "as_text", "make_verifier"]

OnFlag = Literal["annotate", "warn", "raise"]
"""What to do when an answer has a flagged (`mismatch` or `fabricated`) citation:
`annotate` only records the Report, `warn` also logs a warning, `raise` raises `FabricatedCitationError`."""

_ON_FLAG: tuple[str, ...] = ("annotate", "warn", "raise")

logger = logging.getLogger("citeproof.langchain")


def make_verifier(index: IndexLike | Verifier, on_flag: str) -> Verifier:
    """The Verifier to use (loading the index once, up front) after checking `on_flag`.

    Both are checked at construction so a typo or a missing index fails where the handler or
    runnable is built, not on the first answer in production.
    """
    if on_flag not in _ON_FLAG:
        raise ValueError(f"on_flag must be one of {', '.join(_ON_FLAG)}, not {on_flag!r}")
    return index if isinstance(index, Verifier) else Verifier(index)


def act_on_flags(report: Report, on_flag: str) -> None:
    """Log or raise for a report with flagged citations, as `on_flag` says; nothing when all is well."""
    if not report.flagged or on_flag == "annotate":
        return
    err = FabricatedCitationError(report)
    if on_flag == "raise":
        raise err
    logger.warning("citeproof: %s", err)


def as_text(value: object) -> str:
    """The text of what an LLM step produced: a string, or a message (chunk) with text content."""
    if isinstance(value, str):
        return value
    if isinstance(value, BaseMessage):
        return str(value.text)
    raise TypeError(
        f"citeproof can verify a str or a chat message, not {type(value).__name__}; "
        "put a StrOutputParser or a message-producing step before it"
    )


class StreamedAnswer:
    """An answer verified while it streams in, with `Verifier.stream`'s engine (`CitationStream`).

    Each citation is checked as soon as the text after it shows it is complete, so by the end of
    the stream most of the work is done, and `on_flag="raise"` stops the stream at the first
    flagged citation instead of after the whole answer. Not thread-safe: one per model call.
    """

    def __init__(self, verifier: Verifier, on_flag: str) -> None:
        self._verifier = verifier
        self._on_flag = on_flag
        self._stream = CitationStream(verifier.check)
        self._results: list[CitationResult] = []
        self._seconds = 0.0

    @property
    def text(self) -> str:
        """The text received so far."""
        return self._stream.text

    def feed(self, chunk: str) -> None:
        """Add a chunk; verify the citations it completed; raise at once on a flag if so told."""
        t0 = time.perf_counter()
        fresh = self._stream.feed(chunk)
        self._seconds += time.perf_counter() - t0
        self._results += fresh
        if self._on_flag == "raise" and any(r.flagged for r in fresh):
            raise FabricatedCitationError(self.report())

    def close(self) -> Report:
        """The stream ended: verify what is left and return the Report on the whole answer."""
        t0 = time.perf_counter()
        self._results += self._stream.close()
        self._seconds += time.perf_counter() - t0
        return self.report()

    def report(self) -> Report:
        """The Report on the text so far, shaped as `Verifier.verify` shapes it."""
        return self._verifier.report(self.text, self._results, {"verify_s": self._seconds})
