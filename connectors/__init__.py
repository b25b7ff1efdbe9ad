"""Connectors: everything that reads the outside world (dump files, APIs) and yields `Record`s.

Nothing here scores a match; that is the verifier's job. This package's face is the dump readers:
`read_records` (any supported dump, format sniffed), the format registry (`citeproof.connectors.formats`)
and the BibTeX and Crossref parsers the verifier and the live clients share. The live API clients are
`citeproof.connectors.live`, imported only by whoever asks the network, so that reading dumps (and
importing `citeproof.index`) never loads an HTTP stack. The models and errors are the base layer's:
`citeproof.models`, `citeproof.errors`.
"""

from citeproof.connectors.bibtex import BibEntry, parse_bibtex, record_from_bibtex
from citeproof.connectors.crossref import record_from_crossref
from citeproof.connectors.dumpformat import DumpFormat
from citeproof.connectors.formats import REGISTRY, get_format
from citeproof.connectors.readers import FORMATS, detect_format, read_records
from citeproof.connectors.records import BadRecordError

__all__ = [
    "FORMATS",
    "REGISTRY",
    "BadRecordError",
    "BibEntry",
    "DumpFormat",
    "detect_format",
    "get_format",
    "parse_bibtex",
    "read_records",
    "record_from_bibtex",
    "record_from_crossref",
]
