"""Live API connectors: Crossref, arXiv, OpenAlex and DataCite clients that return `Record`s.

They share `citeproof.connectors.live.http` (session, User-Agent with mailto, rate limits, retries
with backoff, a time budget per call, an on-disk response cache, and the options every client takes).
A 404 is the only "not found"; every failure to get an answer raises `LookupFailedError`, so a network
problem never makes a real citation look invented.

A package of its own, imported only by code that asks the network (the online verifier, index
updates), so that reading dumps never loads `requests`.
"""

from citeproof.connectors.live.arxiv import Arxiv
from citeproof.connectors.live.crossref import Crossref
from citeproof.connectors.live.datacite import DataCite, record_from_datacite
from citeproof.connectors.live.http import (
    Clock,
    DoiClient,
    HttpClient,
    HttpOptions,
    LiveClient,
    ManualClock,
    ResponseCache,
    RetryPolicy,
    SystemClock,
    announced_interval,
    cache_dir,
    retry_after_seconds,
)
from citeproof.connectors.live.openalex import OpenAlex, record_from_openalex

__all__ = [
    "Arxiv",
    "Clock",
    "Crossref",
    "DataCite",
    "DoiClient",
    "HttpClient",
    "HttpOptions",
    "LiveClient",
    "ManualClock",
    "OpenAlex",
    "ResponseCache",
    "RetryPolicy",
    "SystemClock",
    "announced_interval",
    "cache_dir",
    "record_from_datacite",
    "record_from_openalex",
    "retry_after_seconds",
]
