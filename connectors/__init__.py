"""Connectors: everything that reads the outside world (dump files, APIs) and yields `Record`s.

Nothing here scores a match; that is the verifier's job.
"""

from citeproof.connectors._records import BadRecordError
from citeproof.connectors.bibtex import BibEntry, parse_bibtex, record_from_bibtex
from citeproof.connectors.crossref import record_from_crossref
from citeproof.connectors.live import Arxiv, Crossref, DataCite, OpenAlex
from citeproof.connectors.readers import FORMATS, detect_format, read_records
from citeproof.errors import (
    CiteproofError,
    DumpFormatError,
    IndexCorruptError,
    IndexModelMismatchError,
    IndexNotFoundError,
    IndexStoreError,
    InputError,
    LookupFailedError,
    ModelLoadError,
    RateLimitedError,
)
from citeproof.models import (
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
    "FORMATS",
    "Arxiv",
    "Author",
    "BadRecordError",
    "BibEntry",
    "Citation",
    "CitationResult",
    "CiteproofError",
    "Crossref",
    "DataCite",
    "DumpFormatError",
    "FieldCheck",
    "IndexCorruptError",
    "IndexModelMismatchError",
    "IndexNotFoundError",
    "IndexStoreError",
    "InputError",
    "LookupFailedError",
    "ModelLoadError",
    "OpenAlex",
    "RateLimitedError",
    "ReadStats",
    "Record",
    "Report",
    "Status",
    "Suggestion",
    "Summary",
    "detect_format",
    "parse_bibtex",
    "read_records",
    "record_from_bibtex",
    "record_from_crossref",
]
