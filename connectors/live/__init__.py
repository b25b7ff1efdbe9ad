"""Live API connectors: Crossref, arXiv, OpenAlex and DataCite clients that return `Record`s.

They share `_http` (session, User-Agent with mailto, rate limits, retries with backoff, a time budget
per call, an on-disk response cache). A 404 is the only "not found"; every failure to get an answer
raises `LookupFailedError`, so a network problem never makes a real citation look invented.
"""

from citeproof.connectors.live._http import (
    Clock,
    HttpClient,
    LiveClient,
    ManualClock,
    ResponseCache,
    RetryPolicy,
    SystemClock,
    cache_dir,
)
from citeproof.connectors.live.arxiv import Arxiv
from citeproof.connectors.live.crossref import Crossref
from citeproof.connectors.live.datacite import DataCite, record_from_datacite
from citeproof.connectors.live.openalex import OpenAlex, record_from_openalex

__all__ = [
    "Arxiv",
    "Clock",
    "Crossref",
    "DataCite",
    "HttpClient",
    "LiveClient",
    "ManualClock",
    "OpenAlex",
    "ResponseCache",
    "RetryPolicy",
    "SystemClock",
    "cache_dir",
    "record_from_datacite",
    "record_from_openalex",
]
