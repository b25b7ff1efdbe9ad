"""Shared HTTP machinery of the live connectors: one session per client, polite rate limiting,
retries with backoff and jitter, a time budget per call and an on-disk response cache.

Why all of it: the services citeproof asks (Crossref, arXiv, OpenAlex, DataCite) are free and shared.
They ask clients to say who they are (a User-Agent with a `mailto:` puts Crossref and OpenAlex
requests in the "polite pool"), to space requests (arXiv: one every 3 s; Crossref announces its rate
in `X-Rate-Limit-Limit`/`X-Rate-Limit-Interval`) and to back off on 429/503, honouring `Retry-After`.
A verifier in turn must answer in bounded time and must never mistake "the network failed" for "the
work does not exist": every failure here ends as `LookupFailedError`; only a 404 means "not found".

Time is read through an injectable `Clock`, so tests drive the limiter, backoff, budgets and cache
expiry on a `ManualClock` without sleeping.

The per-service clients are built on `LiveClient` (and `DoiClient` for the DOI registries); what a
caller may choose about any of them (mailto, timeouts, retries, cache, clock) is `HttpOptions`.
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import re
import sqlite3
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Protocol, TypeVar
from urllib.parse import quote

import requests
import urllib3
from urllib3.util import Timeout

from citeproof.connectors.records import BadRecordError
from citeproof.env import cache_dir, citeproof_version
from citeproof.errors import InputError, LookupFailedError, RateLimitedError
from citeproof.identifiers import norm_doi
from citeproof.models import Record

__all__ = [
    "DEFAULT_TIMEOUT",
    "CachedResponse",
    "Clock",
    "DoiClient",
    "HttpClient",
    "HttpOptions",
    "LiveClient",
    "ManualClock",
    "RateLimiter",
    "Reply",
    "ResponseCache",
    "RetryPolicy",
    "SystemClock",
    "announced_interval",
    "cache_dir",
    "retry_after_seconds",
    "user_agent",
]

log = logging.getLogger(__name__)

_C = TypeVar("_C", bound="LiveClient")

DEFAULT_TIMEOUT = (5.0, 15.0)  # (connect, read) seconds; a request never outlasts the call's remaining budget
MAX_BODY_BYTES = 64 << 20  # a Crossref page of 1,000 works is ~10 MB; more is a broken or hostile server
_BODY_CHUNK = 1 << 16


# ---------------------------------------------------------------------------------------------------
# Time


class Clock(Protocol):
    """Where the HTTP machinery reads the time and waits; injected so tests never really sleep."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back: rate limits, budgets and backoff use it."""
        ...

    def sleep(self, seconds: float) -> None: ...

    def time(self) -> float:
        """Wall-clock seconds since the epoch: cache entries must age across process restarts."""
        ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def time(self) -> float:
        return time.time()


class ManualClock:
    """A clock that moves only when slept on or advanced, recording every sleep: waiting code
    becomes deterministic and instant to test (the role httpx's MockTransport plays for I/O)."""

    def __init__(self, start: float = 1000.0, epoch: float = 1_700_000_000.0) -> None:
        self.now = start
        self.epoch = epoch
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.epoch + self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


# ---------------------------------------------------------------------------------------------------
# Politeness: rate limit and retries


class RateLimiter:
    """Spaces request starts at least `interval_s` apart, also across threads sharing one client.

    A slot is reserved under the lock and waited for outside it, so queued threads line up behind
    each other instead of all firing when a sleep ends. `defer` pushes the next slot back: that is
    how a 429's `Retry-After` holds every later request of the client, not just the one retried.
    """

    def __init__(self, interval_s: float, clock: Clock) -> None:
        self.interval_s = interval_s
        self._clock = clock
        self._next = -math.inf
        self._lock = threading.Lock()

    def acquire(self, deadline: float = math.inf) -> bool:
        """Wait for the next slot and take it; False, without waiting, if it comes after `deadline`."""
        with self._lock:
            now = self._clock.monotonic()
            start = max(now, self._next)
            if start > deadline:
                return False
            self._next = start + self.interval_s
        if start > now:
            self._clock.sleep(start - now)
        return True

    def ready_in(self) -> float:
        """Seconds until the next slot (0 when a request may start now)."""
        with self._lock:
            return max(0.0, self._next - self._clock.monotonic())

    def defer(self, until: float) -> None:
        with self._lock:
            self._next = max(self._next, until)

    def adapt(self, headers: Mapping[str, str]) -> None:
        """Follow the rate a service announces in its response headers (Crossref does)."""
        interval = announced_interval(headers)
        if interval is not None:
            with self._lock:
                self.interval_s = interval


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$", re.IGNORECASE)
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def announced_interval(headers: Mapping[str, str]) -> float | None:
    """Seconds between requests from `X-Rate-Limit-Limit: 50` and `X-Rate-Limit-Interval: 1s`."""
    limit, window = headers.get("x-rate-limit-limit"), headers.get("x-rate-limit-interval")
    if not limit or not window:
        return None
    m = _DURATION.match(window)
    try:
        n = int(limit.strip())
    except ValueError:
        return None
    if not m or n <= 0:
        return None
    return float(m.group(1)) * _UNIT_S[(m.group(2) or "s").lower()] / n


def retry_after_seconds(value: str | None, clock: Clock) -> float | None:
    """`Retry-After` as seconds from now: either delta-seconds or an HTTP date (RFC 9110)."""
    if not value or not value.strip():
        return None
    v = value.strip()
    try:
        return max(0.0, float(v))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(v)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - clock.time())


@dataclass(frozen=True)
class RetryPolicy:
    """How one call retries a transient failure (timeout, connection error, 429, 5xx).

    At most `attempts` tries, waiting what `Retry-After` asks or else `base_s * 2**n` capped at
    `cap_s`, half of it random so that clients which failed together do not retry together; and never
    beyond `budget_s` seconds from the start of the call, waits and rate-limit slots included.
    """

    attempts: int = 4
    base_s: float = 1.0
    cap_s: float = 30.0
    budget_s: float = 30.0
    statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Wait after failed attempt number `attempt` (1-based): 'equal jitter' exponential backoff."""
        ceiling = min(self.cap_s, self.base_s * 2 ** (attempt - 1))
        return ceiling / 2 + rng.uniform(0.0, ceiling / 2)


# ---------------------------------------------------------------------------------------------------
# Cache




@dataclass(frozen=True)
class CachedResponse:
    status: int
    content_type: str
    body: bytes


class ResponseCache:
    """200 and 404 responses in one SQLite file, kept `ttl_s` and `negative_ttl_s` seconds.

    The same citation is often checked again (an answer re-verified, a suite re-run) and the services
    ask clients not to repeat identical requests. A 404 is kept shorter because a DOI registered today
    should be found tomorrow. Failures and malformed replies are never stored. A broken cache
    (read-only disk, damaged file) only costs the cache: it is logged and lookups go to the network.
    """

    FILE = "http-cache.sqlite"

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        ttl_s: float = 7 * 86400.0,
        negative_ttl_s: float = 86400.0,
        clock: Clock | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else cache_dir() / self.FILE
        self.ttl_s = ttl_s
        self.negative_ttl_s = negative_ttl_s
        self.clock: Clock = clock or SystemClock()
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(self.path), timeout=5.0, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS responses (url TEXT PRIMARY KEY, status INTEGER NOT NULL, "
                "content_type TEXT NOT NULL, body BLOB NOT NULL, stored_at REAL NOT NULL)"
            )
            self._conn = conn
        return self._conn

    def get(self, url: str) -> CachedResponse | None:
        """The stored response for `url` if it is younger than its TTL."""
        try:
            with self._lock:
                row = self._db().execute(
                    "SELECT status, content_type, body, stored_at FROM responses WHERE url = ?", (url,)
                ).fetchone()
        except (sqlite3.Error, OSError) as e:
            log.warning("citeproof HTTP cache %s unreadable: %s", self.path, e)
            return None
        if row is None:
            return None
        status, content_type, body, stored_at = row
        age = self.clock.time() - stored_at
        if not 0 <= age <= (self.ttl_s if status == 200 else self.negative_ttl_s):
            return None
        return CachedResponse(int(status), str(content_type), bytes(body))

    def put(self, url: str, response: CachedResponse) -> None:
        try:
            with self._lock:
                db = self._db()
                db.execute(
                    "INSERT OR REPLACE INTO responses(url, status, content_type, body, stored_at) VALUES (?,?,?,?,?)",
                    (url, response.status, response.content_type, response.body, self.clock.time()),
                )
                db.commit()
        except (sqlite3.Error, OSError) as e:
            log.warning("citeproof HTTP cache %s not writable: %s", self.path, e)

    def clear(self) -> None:
        with self._lock:
            db = self._db()
            db.execute("DELETE FROM responses")
            db.commit()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


# ---------------------------------------------------------------------------------------------------
# The client




def user_agent(mailto: str | None) -> str:
    """`citeproof/<version> (mailto:<address>)`: the form Crossref and OpenAlex ask for to reach a
    person when a client misbehaves, instead of blocking it."""
    return f"citeproof/{citeproof_version()}" + (f" (mailto:{mailto})" if mailto else "")


@dataclass(frozen=True)
class Reply:
    """A usable answer: status 200 with its parsed body, or 404 with `data` None."""

    status: int
    data: Any
    url: str
    from_cache: bool = False

    @property
    def found(self) -> bool:
        return self.status == 200


def _parse_json(body: bytes) -> Any:
    return json.loads(body)


def _parse_xml(body: bytes) -> Any:
    return ET.fromstring(body)


_PARSERS: dict[str, Callable[[bytes], Any]] = {"json": _parse_json, "xml": _parse_xml}
# Worth another try: the network or the service hiccuped. Anything else (bad URL, bad header) is a bug.
_TRANSIENT = (
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _full_url(url: str, params: Mapping[str, Any] | None) -> str:
    """The URL as sent, query encoded: also the cache key, so equal requests share an entry."""
    return str(requests.Request("GET", url, params=dict(params or {})).prepare().url)


@dataclass(frozen=True)
class HttpOptions:
    """What a caller chooses about a client, whichever service it talks to; defined once here and
    taken as keyword arguments by `HttpClient`, by every `LiveClient` (`Crossref(mailto, cache=False)`)
    and by `citeproof.verifier.online.default_sources`, which pass them on unchanged.

    `mailto`: an e-mail address for the User-Agent (the services' "polite pool"); `timeout`: (connect,
    read) seconds per request; `retry`: the `RetryPolicy` (default: `RetryPolicy()`); `cache`: a
    `ResponseCache`, True for the default on-disk one, False for none; `clock`, `session`, `rng`: the
    time source, `requests.Session` and backoff jitter source, injectable for tests.
    """

    mailto: str | None = None
    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    retry: RetryPolicy | None = None
    cache: ResponseCache | bool = True
    clock: Clock | None = None
    session: requests.Session | None = None
    rng: random.Random | None = None

    def __post_init__(self) -> None:
        if self.mailto is not None and "@" not in self.mailto:
            raise InputError(f"mailto must be an e-mail address, got {self.mailto!r}")


class HttpClient:
    """GETs of one service on one `requests.Session`, with its rate limit, retries, budget and cache.

    `get` returns a `Reply` for 200 (body parsed and content type checked) and 404; everything else
    (other statuses, timeouts, connection errors, wrong content type, malformed body, an exhausted
    budget) raises `LookupFailedError`, or `RateLimitedError` when a 429 asked for a longer pause.
    """

    def __init__(
        self,
        name: str,
        *,
        body_format: str,
        accept: tuple[str, ...],
        interval_s: float,
        adaptive_rate: bool = False,
        **options: Any,
    ) -> None:
        """`name` and the keywords before `options` describe the service; `options` are the caller's
        `HttpOptions` (mailto, timeout, retry, cache, clock, session, rng)."""
        opts = HttpOptions(**options)
        self.options = opts
        self.name = name
        self.parse = _PARSERS[body_format]
        self.accept = accept
        self.adaptive_rate = adaptive_rate
        self.timeout = opts.timeout
        self.retry = opts.retry or RetryPolicy()
        self.clock: Clock = opts.clock or SystemClock()
        self.rng = opts.rng or random.Random()
        self.limiter = RateLimiter(interval_s, self.clock)
        self._limited_until = -math.inf
        cache = opts.cache
        self.cache: ResponseCache | None = (
            ResponseCache(clock=self.clock) if cache is True else cache if isinstance(cache, ResponseCache) else None
        )
        self.session = opts.session or requests.Session()
        self.session.headers.update({"User-Agent": user_agent(opts.mailto), "Accept": ", ".join(accept)})

    def get(
        self, url: str, params: Mapping[str, Any] | None = None, *, budget_s: float | None = None, use_cache: bool = True
    ) -> Reply:
        """GET `url` with `params` within `budget_s` seconds (at most the policy's budget)."""
        full = _full_url(url, params)
        if use_cache and self.cache is not None:
            hit = self.cache.get(full)
            if hit is not None:
                try:
                    return self._reply(hit, full, from_cache=True)
                except LookupFailedError:
                    pass  # an entry this version cannot read: fetch again and overwrite it
        budget = self.retry.budget_s if budget_s is None else max(0.0, min(budget_s, self.retry.budget_s))
        start = self.clock.monotonic()
        deadline = start + budget
        failures: list[str] = []
        retry_after: float | None = None
        limited = False  # the last failure was a 429 (or the limiter is holding after one)
        for attempt in range(1, self.retry.attempts + 1):
            if not self.limiter.acquire(deadline):
                wait = self.limiter.ready_in()
                failures.append(f"next request allowed in {wait:.1f}s, after the budget")
                if self._limited_until > self.clock.monotonic():
                    limited, retry_after = True, wait
                break
            remaining = deadline - self.clock.monotonic()
            if remaining <= 0:
                break
            # `total` caps connect + wait for the response by what is left of the budget (urllib3
            # shortens the read timeout by the time connecting took), so a hung service cannot
            # overrun it; `_read_body` keeps a body trickling in byte by byte from doing so.
            timeout = Timeout(
                total=remaining, connect=min(self.timeout[0], remaining), read=min(self.timeout[1], remaining)
            )
            try:
                # requests passes a urllib3 Timeout through to urllib3 (HTTPAdapter.send accepts one);
                # types-requests only lists float / (connect, read) tuples
                resp = self.session.get(full, timeout=timeout, stream=True)  # type: ignore[arg-type]
                body = self._read_body(resp, full, deadline)
            except _TRANSIENT as e:
                failures.append(type(e).__name__)
                retry_after, limited = None, False
            except requests.RequestException as e:
                raise LookupFailedError(f"{self.name}: request to {full} failed: {type(e).__name__}: {e}") from e
            else:
                if self.adaptive_rate:
                    self.limiter.adapt(resp.headers)
                if resp.status_code not in self.retry.statuses:
                    return self._received(resp, body, full, use_cache)
                failures.append(f"HTTP {resp.status_code}")
                retry_after = retry_after_seconds(resp.headers.get("Retry-After"), self.clock)
                limited = resp.status_code == 429
            if retry_after is not None:
                # the service said when: hold every request of this client until then, even if this
                # call gives up now because the pause is longer than its budget
                resume = self.clock.monotonic() + retry_after
                self.limiter.defer(resume)
                if limited:
                    self._limited_until = max(self._limited_until, resume)
            if attempt == self.retry.attempts:
                break
            wait = retry_after if retry_after is not None else self.retry.backoff(attempt, self.rng)
            if self.clock.monotonic() + wait > deadline:
                failures.append(f"a retry in {wait:.1f}s would pass the budget")
                break
            self.limiter.defer(self.clock.monotonic() + wait)
        elapsed = self.clock.monotonic() - start
        msg = f"{self.name}: {full}: gave up after {elapsed:.1f}s of a {budget:.1f}s budget ({'; '.join(failures) or 'no time left'})"
        if limited:
            raise RateLimitedError(msg, retry_after=retry_after)
        raise LookupFailedError(msg)

    def _read_body(self, resp: requests.Response, url: str, deadline: float) -> bytes:
        """The body, read chunk by chunk against the call's deadline and `MAX_BODY_BYTES`.

        urllib3's read timeout bounds each wait for data, not the whole body: a body trickling in
        byte by byte (a broken proxy, a tarpit) held a citation for as long as it trickled. Past the
        deadline the attempt fails as a read timeout, having overrun it by at most one read wait.
        """
        chunks: list[bytes] = []
        size = 0
        # read1 returns what one socket read brings; iter_content waits for whole 64 KB chunks, which
        # a trickle takes hours to fill (urllib3 1.x has no read1: there the bound is per chunk).
        read1 = getattr(resp.raw, "read1", None)
        pieces = iter(lambda: read1(_BODY_CHUNK, decode_content=True), b"") if read1 else resp.iter_content(_BODY_CHUNK)
        try:
            for chunk in pieces:
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise LookupFailedError(f"{self.name}: {url} sent more than {MAX_BODY_BYTES:,} bytes")
                if self.clock.monotonic() > deadline:
                    raise requests.exceptions.ReadTimeout(f"body still arriving at the deadline ({size:,} bytes)")
        except urllib3.exceptions.HTTPError as e:  # what iter_content would have wrapped: a reset, a timeout
            raise requests.exceptions.ConnectionError(f"{type(e).__name__}: {e}") from e
        finally:
            resp.close()
        return b"".join(chunks)

    def _received(self, resp: requests.Response, body: bytes, url: str, use_cache: bool) -> Reply:
        status = resp.status_code
        if status not in (200, 404):
            snippet = body[:300].decode("utf-8", "replace").strip().replace("\n", " ")
            raise LookupFailedError(f"{self.name}: HTTP {status} for {url}: {snippet}")
        entry = CachedResponse(status, _media_type(resp.headers.get("Content-Type")), body)
        reply = self._reply(entry, url, from_cache=False)
        if use_cache and self.cache is not None:
            self.cache.put(url, entry)
        return reply

    def _reply(self, entry: CachedResponse, url: str, *, from_cache: bool) -> Reply:
        """Check and parse a response body (fresh or cached); a 404's body is never read."""
        if entry.status == 404:
            return Reply(404, None, url, from_cache)
        if entry.content_type not in self.accept:
            raise LookupFailedError(
                f"{self.name}: {url} answered {entry.content_type or 'no content type'}, expected {' or '.join(self.accept)}"
            )
        try:
            data = self.parse(entry.body)
        except (ValueError, ET.ParseError, RecursionError) as e:
            raise LookupFailedError(f"{self.name}: malformed response from {url}: {e}") from e
        return Reply(200, data, url, from_cache)

    def close(self) -> None:
        self.session.close()
        if self.cache is not None:
            self.cache.close()


class LiveClient:
    """Base of the per-service clients: one configured `HttpClient`, made from class attributes.

    `lookups` says what the online resolver may ask the service for: "doi" (its `get` takes a
    DOI), "arxiv" (its `get` takes an arXiv id), "title" (its `search` takes a title).
    """

    name: ClassVar[str]
    body_format: ClassVar[str] = "json"
    accept: ClassVar[tuple[str, ...]] = ("application/json",)
    interval_s: ClassVar[float]
    adaptive_rate: ClassVar[bool] = False
    lookups: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, mailto: str | None = None, **options: Any) -> None:
        """`mailto` and the other `HttpOptions` (timeout, retry, cache, clock, session, rng)."""
        self.http = HttpClient(
            self.name,
            body_format=self.body_format,
            accept=self.accept,
            interval_s=self.interval_s,
            adaptive_rate=self.adaptive_rate,
            mailto=mailto,
            **options,
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class DoiClient(LiveClient):
    """A client whose `get` takes a DOI (Crossref, DataCite, OpenAlex): the request, the 404 and the
    unusable-record cases are the same for every DOI registry, so they are written once, here.

    A subclass names its DOI URL (`doi_url`, with `{doi}` where the quoted DOI goes) and how the
    service's answer becomes a `Record` (`record_from_reply`).
    """

    doi_url: ClassVar[str]

    def record_from_reply(self, reply: Reply) -> Record:
        """The work in a 200 answer to `doi_url`; `BadRecordError` or `TypeError` when the answer holds
        no usable work."""
        raise NotImplementedError

    def get(self, doi: str, *, budget_s: float | None = None) -> Record | None:
        """The work with this DOI, or None if the service does not know it (404)."""
        d = norm_doi(doi)
        if not d:
            raise InputError(f"not a DOI: {doi!r}")
        reply = self.http.get(self.doi_url.format(doi=quote(d, safe="/")), budget_s=budget_s)
        if not reply.found:
            return None
        try:
            return self.record_from_reply(reply)
        except (BadRecordError, TypeError) as e:
            # the DOI exists, so "not found" would be wrong: the citation stays unverifiable
            raise LookupFailedError(f"{self.name}: {d} exists but its record is unusable: {e}") from e
