"""One exception tree for all of citeproof (modelled on httpx's `_exceptions.py`).

Callers catch `CiteproofError` for anything the library raises on purpose; the CLI turns each into
a clear message and exit code 2 instead of a traceback.
"""

from __future__ import annotations

__all__ = [
    "CiteproofError",
    "DumpFormatError",
    "IndexCorruptError",
    "IndexModelMismatchError",
    "IndexNotFoundError",
    "IndexStoreError",
    "InputError",
    "LookupFailedError",
    "ModelLoadError",
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
