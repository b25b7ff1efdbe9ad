"""Connectors: everything that reads the outside world (dump files, APIs) and yields `Record`s.

Nothing here scores a match; that is the verifier's job.
"""

from citeproof.connectors.errors import (
    CiteproofError,
    DumpFormatError,
    IndexCorruptError,
    IndexModelMismatchError,
    IndexNotFoundError,
    IndexStoreError,
    InputError,
    LookupFailedError,
    ModelLoadError,
)
from citeproof.connectors.models import (
    Author,
    Citation,
    CitationResult,
    FieldCheck,
    ReadStats,
    Record,
    Report,
    Status,
    Suggestion,
    Summary,
)

__all__ = [
    "Author",
    "Citation",
    "CitationResult",
    "CiteproofError",
    "DumpFormatError",
    "FieldCheck",
    "IndexCorruptError",
    "IndexModelMismatchError",
    "IndexNotFoundError",
    "IndexStoreError",
    "InputError",
    "LookupFailedError",
    "ModelLoadError",
    "ReadStats",
    "Record",
    "Report",
    "Status",
    "Suggestion",
    "Summary",
]
