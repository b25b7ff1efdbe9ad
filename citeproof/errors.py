"""One exception tree for all of citeproof (modelled on httpx's `_exceptions.py`).

Callers catch `CiteproofError` for anything the library raises on purpose; the CLI turns each into
a clear message and exit code 2 instead of a traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from citeproof.models import Report

__all__ = [
    "CiteproofError",
    "DumpFormatError",
    "FabricatedCitationError",
    "IndexCorruptError",
    "IndexModelMismatchError",
    "IndexNotFoundError",
    "IndexStoreError",
    "InputError",
    "LookupFailedError",
    "ModelLoadError",
    "RateLimitedError",
]


class CiteproofError(Exception):
    """Base class of every error citeproof raises deliberately."""


class InputError(CiteproofError):
    """The user's input (text, file, option) cannot be used."""


class DumpFormatError(InputError):
    """A dump file is not in the format asked for, or its format cannot be detected."""


class IndexStoreError(CiteproofError):
    """Base of problems with an on-disk index."""


class IndexNotFoundError(IndexStoreError):
    """The directory holds no citeproof index."""


class IndexCorruptError(IndexStoreError):
    """The index files disagree with their manifest (truncated, edited, or half-written)."""


class IndexModelMismatchError(IndexStoreError):
    """The index was built with another embedding model than the one asked for."""


class ModelLoadError(CiteproofError):
    """The embedding model could not be loaded (missing, wrong checksum, no hub access)."""


class LookupFailedError(CiteproofError):
    """A lookup (local or remote) failed; the citation becomes `unverifiable`, never `fabricated`."""


class RateLimitedError(LookupFailedError):
    """A service answered 429 and asked for a pause (`Retry-After`) longer than the call's budget.

    Kept apart from other lookup failures so a caller can skip that service until `retry_after`
    seconds have passed instead of spending every later citation's budget on it.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FabricatedCitationError(CiteproofError):
    """LLM output cites works that do not exist, or misstates real ones; `.report` holds the evidence.

    Raised by integrations that are told to stop on a flagged answer (for example the LangChain
    callback with `on_flag="raise"`), so the caller can show or log exactly which citations failed.
    """

    def __init__(self, report: Report, message: str | None = None) -> None:
        if message is None:
            flagged = report.flagged
            shown = "; ".join(f"{c.status.value}: {' '.join(c.raw.split())[:120]!r}" for c in flagged[:3])
            more = f" (+{len(flagged) - 3} more)" if len(flagged) > 3 else ""
            message = f"{len(flagged)} flagged citation{'s' if len(flagged) != 1 else ''}: {shown}{more}"
        super().__init__(message)
        self.report = report

    def __reduce__(self) -> tuple[type[FabricatedCitationError], tuple[Report, str]]:
        # keeps the report when the error crosses a process boundary (multiprocessing, pickling)
        return (type(self), (self.report, str(self)))
