"""`citeproof serve` (HTTP API and web page) and `citeproof mcp` (MCP over stdio).

Kept apart so that `citeproof verify` never imports FastAPI or the MCP SDK: those are
optional extras, imported only when their command runs, and a missing one is a one-line error
naming the extra to install. Limits left unset take the service's own defaults.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import click

from citeproof.cli.errors import fail, reported

__all__ = ["register"]

_INDEX = click.option(
    "--index", "index_dir", type=click.Path(file_okay=False), help="Index directory (default: bundled demo index)."
)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command("serve")
@_INDEX
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind; the API has no authentication.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--max-bytes", type=click.IntRange(min=1), default=None, help="Refuse larger request bodies (413). [default: 1,000,000]")
@click.option("--max-citations", type=click.IntRange(min=1), default=None, help="Refuse texts citing more (422). [default: 200]")
@click.option("--threads", type=click.IntRange(min=1), default=None, help="Verifications run at once. [default: 4]")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0.001), default=None, help="Seconds a request may take, waiting for a worker included (503/504 past it). [default: 30]")
@click.option("--cors-origin", "cors_origins", multiple=True, help="Allow browser calls from this origin (repeatable; CORS is off by default).")
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Processes that share a large request (0: one per CPU core); one request at a time uses them.",
)
def serve_cmd(
    index_dir: str | None,
    host: str,
    port: int,
    max_bytes: int | None,
    max_citations: int | None,
    threads: int | None,
    timeout_s: float | None,
    cors_origins: tuple[str, ...],
    workers: int,
) -> None:
    """Serve the web page and JSON API over one loaded index.

    The page is at /, the API at POST /verify, POST /verify/bibtex, GET /records/ID and
    GET /healthz, its docs at /docs (served locally: no network needed).
    """
    try:
        from citeproof.service import create_app, serve
    except ImportError as e:  # the extra is not installed: the message names it
        fail(str(e))
    limits: dict[str, Any] = {
        "max_bytes": max_bytes, "max_citations": max_citations, "threads": threads, "timeout_s": timeout_s,
    }
    with reported():
        # the index is loaded here, before binding, so a bad --index fails at once with a clear message
        from citeproof.verifier import Verifier

        verifier = Verifier(index_dir, workers=workers)
        app = create_app(verifier, cors_origins=cors_origins, **{k: v for k, v in limits.items() if v is not None})
    if not _is_loopback(host):
        click.echo(f"warning: serving on {host}, reachable from other machines, with no authentication", err=True)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"citeproof: web page at http://{shown}:{port}/ , API docs at http://{shown}:{port}/docs", err=True)
    serve(app, host=host, port=port)


@click.command("mcp")
@_INDEX
def mcp_cmd(index_dir: str | None) -> None:
    """Serve citeproof's tools to an MCP client over stdio.

    The tools: verify_citations(text) returns the verification report; lookup(query) finds real
    records by title, DOI or arXiv id.
    """
    try:
        from citeproof.mcp import create_mcp_server
    except ImportError as e:  # the extra is not installed: the message names it
        fail(str(e))
    with reported():
        server = create_mcp_server(index_dir)
    server.run("stdio")


def register(main: click.Group) -> None:
    """Add `serve` and `mcp` to the `citeproof` command group."""
    main.add_command(serve_cmd)
    main.add_command(mcp_cmd)
