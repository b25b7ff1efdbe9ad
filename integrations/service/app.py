"""The HTTP service: a thin FastAPI layer over one `Verifier` that every request shares.

The index is loaded once, when the app is made; each verification runs in a worker thread (the
Verifier is thread-safe for reads) under a small capacity limit, so a burst of requests queues
instead of starving the event loop, and `/healthz` stays responsive while it drains. Limits on
body size and citation count keep one request from taking the service down; every refusal is a
4xx with a `detail` that says what to change. A request not served within the time limit is
answered 503 (no worker was free) or 504 (its verification overran) instead of hanging its client.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, Literal, TypeVar

import anyio
from fastapi import APIRouter, FastAPI, HTTPException, Query, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel

from citeproof.models import Citation, Record, Report
from citeproof.service.bibtex import bibtex_entry
from citeproof.verifier.core import IndexLike, Verifier
from citeproof.verifier.extract import extract_citations

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_CITATIONS",
    "DEFAULT_THREADS",
    "DEFAULT_TIMEOUT_S",
    "Health",
    "VerifyRequest",
    "create_app",
]

DEFAULT_MAX_BYTES = 1_000_000
DEFAULT_MAX_CITATIONS = 200
DEFAULT_THREADS = 4
# Ten times the p99 of the 200-request burst in bench/load_service.py: reached only by a stuck or
# pathological verification, or by a queue far longer than a burst.
DEFAULT_TIMEOUT_S = 30.0
STATIC = Path(__file__).with_name("static")
# The page loads nothing from elsewhere (the service often runs where there is no network at all).
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_BIBTEX_KEY = r"^[^\s,{}()\"#%'=\\~]{1,100}$"

_T = TypeVar("_T")
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class VerifyRequest(BaseModel):
    """The text to check: an LLM answer, markdown, a reference list, DOIs, arXiv ids or BibTeX."""

    text: str


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    records: int
    model: str
    version: str


class Problem(BaseModel):
    detail: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": Problem, "description": "Body larger than the service's limit (--max-bytes)"},
    422: {"model": Problem, "description": "Unusable input, or more citations than the limit (--max-citations)"},
    503: {"model": Problem, "description": "No worker became free within the time limit; retry later"},
    504: {"model": Problem, "description": "The verification took longer than the time limit"},
}


@dataclass(frozen=True)
class _Settings:
    verifier: Verifier
    max_bytes: int
    max_citations: int
    limiter: anyio.CapacityLimiter
    timeout_s: float


class _BodyLimit:
    """ASGI middleware: 413 for a body over `max_bytes`, whether it declares its length or streams.

    A declared length is refused before any of the body is read; a chunked body is counted as it
    arrives and refused once it passes the limit, so neither kind is ever held in memory whole.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.detail = f"request body is larger than {max_bytes:,} bytes; split the text"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await JSONResponse({"detail": self.detail}, 413)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # FastAPI re-raises HTTPException from body reading, so this becomes a 413 response
                    raise HTTPException(413, self.detail)
            return message

        await self.app(scope, counted, send)


def _settings(request: Request) -> _Settings:
    settings: _Settings = request.app.state.citeproof
    return settings


def _verify_text(settings: _Settings, text: str, *, bibtex: bool = False) -> Report:
    """Check the limits on what `text` cites, then verify it (runs in a worker thread)."""
    # Extraction is cheap next to lookups: count first so an oversized list is refused before any work.
    citations: list[Citation] = extract_citations(text)
    if len(citations) > settings.max_citations:
        raise HTTPException(
            422,
            f"the text holds {len(citations)} citations; this service checks at most {settings.max_citations} "
            "per request (split the text, or start it with a higher --max-citations)",
        )
    if bibtex and not any(c.raw.lstrip().startswith("@") for c in citations):
        raise HTTPException(422, "no BibTeX entries (@type{key, ...}) found in the body; POST free text to /verify")
    return settings.verifier.verify(text, citations)


async def _in_thread(settings: _Settings, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """Run `fn` in a worker thread within `settings.timeout_s` (waiting for a worker included):
    503 if no worker frees up in time, 504 if the work itself overruns.

    A Python thread cannot be stopped, so overrunning work is abandoned but keeps its worker token
    until it ends: it still counts against `threads`, and a flood of slow requests is answered 503
    instead of piling up threads.
    """
    deadline = anyio.current_time() + settings.timeout_s
    token = object()
    with anyio.move_on_after(settings.timeout_s) as waiting:
        await settings.limiter.acquire_on_behalf_of(token)
    if waiting.cancelled_caught:
        raise HTTPException(503, f"the service is busy: no worker became free within {settings.timeout_s:g}s; retry later")

    def work() -> _T:
        try:
            return fn(*args, **kwargs)
        finally:
            anyio.from_thread.run_sync(settings.limiter.release_on_behalf_of, token)

    with anyio.move_on_after(deadline - anyio.current_time()):
        return await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
    raise HTTPException(
        504, f"the verification took longer than {settings.timeout_s:g}s; send a shorter text or fewer citations"
    )


router = APIRouter()


@router.get("/", include_in_schema=False)
async def page() -> FileResponse:
    """The web page: paste an answer, see each citation highlighted by verdict."""
    return FileResponse(STATIC / "index.html", headers=_PAGE_HEADERS)


@router.get("/healthz", response_model=Health, tags=["service"])
async def healthz(request: Request) -> Health:
    """Liveness and what is loaded: the index's record count and embedding model."""
    index = _settings(request).verifier.index
    return Health(records=len(index), model=index.manifest.model, version=version("citeproof"))


@router.post("/verify", response_model=Report, responses=_ERRORS, tags=["verify"])
async def verify(body: VerifyRequest, request: Request) -> Report:
    """Extract every citation in `text` and verify each one against the index."""
    settings = _settings(request)
    return await _in_thread(settings, _verify_text, settings, body.text)


@router.post(
    "/verify/bibtex",
    response_model=Report,
    responses={**_ERRORS, 415: {"model": Problem, "description": "Body neither text/plain nor JSON"}},
    tags=["verify"],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/plain": {"schema": {"type": "string"}, "example": "@inproceedings{key,\n  title = {...},\n}"},
                "application/json": {"schema": {"$ref": "#/components/schemas/VerifyRequest"}},
            },
        }
    },
)
async def verify_bibtex(request: Request) -> Report:
    """Verify every entry of a BibTeX file, sent as the raw body (`curl --data-binary @refs.bib`) or as `{"text": ...}`."""
    settings = _settings(request)
    kind = request.headers.get("content-type", "text/plain").split(";")[0].strip().lower()
    raw = await request.body()
    if kind == "application/json":
        try:
            text = VerifyRequest.model_validate_json(raw).text
        except ValueError as e:
            raise HTTPException(422, f'expected a JSON object {{"text": "..."}}: {e}') from e
    elif kind in ("text/plain", "application/x-bibtex", "text/x-bibtex"):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise HTTPException(422, "the body is not UTF-8 text") from e
    else:
        raise HTTPException(415, f"send BibTeX as text/plain or as JSON {{\"text\": ...}}, not {kind}")
    return await _in_thread(settings, _verify_text, settings, text, bibtex=True)


@router.get(
    "/records/{record_id:path}",
    response_model=Record,
    responses={404: {"model": Problem}, 200: {"content": {"application/x-bibtex": {}}}},
    tags=["records"],
)
async def record(
    record_id: str,
    request: Request,
    format: Literal["json", "bibtex"] = "json",
    key: str | None = Query(None, pattern=_BIBTEX_KEY, description="BibTeX key to use (format=bibtex)"),
) -> Any:
    """One real record by its id (as reported in a verdict's `record.id`), as JSON or as BibTeX."""
    settings = _settings(request)
    found = await _in_thread(settings, settings.verifier.index.get, record_id)
    if found is None:
        raise HTTPException(404, f"no record {record_id!r} in this index")
    if format == "bibtex":
        return PlainTextResponse(bibtex_entry(found, key), media_type="application/x-bibtex")
    return found


def _warm_up(verifier: Verifier) -> None:
    """Load the embedding model and index caches before the first request has to wait for them."""
    verifier.check([Citation(raw="warm-up", start=0, end=7, title="warm-up query for the embedding model")])


def create_app(
    index: IndexLike | Verifier = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_citations: int = DEFAULT_MAX_CITATIONS,
    threads: int = DEFAULT_THREADS,
    cors_origins: Sequence[str] = (),
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> FastAPI:
    """The citeproof web app over `index` (a directory, an open `Index`, a `Verifier`, or None: demo).

    CORS stays off unless `cors_origins` lists the origins that may call the API from a browser.
    `timeout_s` bounds each request's wait for a worker plus its verification (503/504 beyond it).
    """
    if max_bytes < 1 or max_citations < 1 or threads < 1 or not timeout_s > 0:
        raise ValueError("max_bytes, max_citations, threads and timeout_s must be positive")
    verifier = index if isinstance(index, Verifier) else Verifier(index)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(_warm_up, verifier)
        yield

    app = FastAPIOffline(
        title="citeproof",
        version=version("citeproof"),
        description="Verify the citations in LLM output against a local index of real bibliographic records.",
        lifespan=lifespan,
    )
    app.state.citeproof = _Settings(verifier, max_bytes, max_citations, anyio.CapacityLimiter(threads), timeout_s)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET", "POST"], allow_headers=["Content-Type"]
        )
    app.add_middleware(_BodyLimit, max_bytes=max_bytes)
    return app

