"""The `citeproof` command: a thin layer over the library (as sqlite-utils is over its API).

Exit codes: 0 nothing flagged, 1 at least one citation is `mismatch` or `fabricated`, 2 usage or
input errors (a clear message, never a traceback).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from rich.console import Console

from citeproof.connectors.errors import CiteproofError, InputError

__all__ = ["main"]

MAX_INPUT_BYTES = 20_000_000
_err = Console(stderr=True)


def _unexpected(e: BaseException) -> None:
    """Anything not raised on purpose: one line for the user, the traceback only on request."""
    if os.environ.get("CITEPROOF_DEBUG"):
        raise e
    _fail(f"unexpected {type(e).__name__}: {e} (set CITEPROOF_DEBUG=1 for the traceback and please report it)")


def _fail(msg: str) -> None:
    click.echo(f"error: {msg}", err=True)
    sys.exit(2)


def read_input(source: str, max_bytes: int = MAX_INPUT_BYTES) -> str:
    """Read a text file or stdin; refuse binary junk and oversized input with a clear error."""
    try:
        if source == "-":
            data = sys.stdin.buffer.read(max_bytes + 1)
        else:
            p = Path(source)
            if not p.is_file():
                raise InputError(f"{source}: no such file")
            with p.open("rb") as fh:
                data = fh.read(max_bytes + 1)
    except OSError as e:
        raise InputError(f"{source}: cannot read: {e.strerror or e}") from e
    if len(data) > max_bytes:
        raise InputError(f"{source}: input is larger than {max_bytes:,} bytes; split it or raise --max-bytes")
    if data[:2] == b"\x1f\x8b":
        raise InputError(f"{source}: this is a gzip file; verify takes text (did you mean `citeproof index build`?)")
    sample = data[:8192]
    if b"\x00" in sample or (sample and sum(b < 9 or 13 < b < 32 for b in sample) / len(sample) > 0.05):
        raise InputError(f"{source}: input looks binary, not text")
    return data.decode("utf-8", errors="replace")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="citeproof")
def main() -> None:
    """Catch hallucinated citations: extract every citation in a text and check it against real records."""


@main.command("verify")
@click.argument("source", default="-")
@click.option("--index", "index_dir", type=click.Path(file_okay=False), help="Index directory (default: bundled demo index).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl", "markdown"]), default="text", show_default=True)
@click.option("--model", default=None, help="Embedding model the index was built with (checked against its manifest).")
@click.option("--max-bytes", type=int, default=MAX_INPUT_BYTES, show_default=True, help="Refuse larger inputs.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when citations are flagged (errors still exit 2).")
@click.option(
    "--strict",
    is_flag=True,
    help="For CI gates: a dropped subtitle or a preprint cited for a published work is a mismatch, and "
    "unverifiable citations fail the run too.",
)
@click.option("--online", is_flag=True, help="Look up citations the index cannot settle on Crossref, DataCite, OpenAlex, arXiv.")
@click.option("--mailto", envvar="CITEPROOF_MAILTO", help="Your e-mail for Crossref's polite pool (default $CITEPROOF_MAILTO).")
def verify_cmd(
    source: str,
    index_dir: str | None,
    fmt: str,
    model: str | None,
    max_bytes: int,
    exit_zero: bool,
    strict: bool,
    online: bool,
    mailto: str | None,
) -> None:
    """Verify every citation in SOURCE (a file, or - for stdin): text, markdown or BibTeX."""
    from citeproof.verifier.core import Verifier
    from citeproof.verifier.render import render

    try:
        text = read_input(source, max_bytes)
        verifier = Verifier(index_dir, model=model, strict=strict, online=online, mailto=mailto)
        report = verifier.verify(text)
    except CiteproofError as e:
        _fail(str(e))
        return
    except Exception as e:
        _unexpected(e)
        return
    out = render(report, fmt, Console(soft_wrap=True))
    if out is not None:
        click.echo(out)
    failed = report.summary.flagged + (report.summary.unverifiable if strict else 0)
    sys.exit(1 if failed and not exit_zero else 0)


@main.group("index")
def index_group() -> None:
    """Build and inspect indexes of real bibliographic records."""


@index_group.command("build")
@click.argument("paths", nargs=-1, required=True)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Index directory to write.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csl-json", "crossref", "arxiv", "dblp", "bibtex", "s2"]),
    default=None,
    help="Dump format (detected per file when omitted).",
)
@click.option(
    "--model", default=None,
    help="Embedding model: all-MiniLM-L6-v2 (default, bundled), static-minilm (distilled from it: ~100x faster "
    "to build, same accuracy on the dev benchmark), or any sentence-transformers name or path.",
)
@click.option("--batch-size", type=int, default=4096, show_default=True)
@click.option(
    "--index-type",
    type=click.Choice(["auto", "flat", "hnsw", "ivfpq"]),
    default="auto",
    show_default=True,
    help="Vector index: flat (exact), hnsw, ivfpq (compressed); auto = flat below 1M records, ivfpq above.",
)
@click.option(
    "--shard-size", type=int, default=50_000, show_default=True,
    help="Records per checkpointed shard; an interrupted build resumes after its last finished shard.",
)
@click.option(
    "--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
    help="Where parsing and embedding run: this process, or a Ray cluster (pip install 'citeproof[ray]').",
)
@click.option("--ray-address", default=None, help="Ray cluster to join (default: RAY_ADDRESS, else a local Ray).")
@click.option("--workers", type=int, default=None, help="Ray: embedding actors (default: one per 2 CPUs of the cluster).")
def build_cmd(
    paths: tuple[str, ...], out_dir: str, fmt: str | None, model: str | None, batch_size: int, index_type: str,
    shard_size: int, engine: str, ray_address: str | None, workers: int | None,
) -> None:
    """Build an index in --out from dump files (CSL-JSON, Crossref, arXiv, DBLP, BibTeX).

    Rerunning an interrupted build with the same arguments resumes it."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from citeproof.index import build_index

    for p in paths:
        if not Path(p).is_file():
            _fail(f"{p}: no such file")
    try:
        with Progress(
            TextColumn("[bold]indexing[/]"), BarColumn(bar_width=None), TextColumn("{task.completed:,} records"),
            TimeElapsedColumn(), console=_err, transient=True,
        ) as progress:
            task = progress.add_task("build", total=None)
            manifest = build_index(
                list(paths), out_dir, fmt=fmt, model=model, batch_size=batch_size, index_type=index_type,
                progress=lambda n: progress.update(task, completed=n), shard_size=shard_size, engine=engine,
                engine_options={"address": ray_address, "workers": workers} if engine == "ray" else None,
            )
    except CiteproofError as e:
        _fail(str(e))
        return
    except KeyboardInterrupt:
        _fail("interrupted; no index was written (run the same command again to resume from the last finished shard)")
        return
    except Exception as e:
        _unexpected(e)
        return
    click.echo(
        f"built {out_dir}: {manifest.count:,} records, {manifest.skipped:,} skipped, "
        f"{manifest.duplicates:,} duplicates, {manifest.build_seconds:.1f}s"
        + (f" (resumed from {manifest.resumed:,} records of an interrupted build)" if manifest.resumed else ""),
        err=True,
    )
    for example in manifest.skipped_examples[:5]:
        click.echo(f"  skipped {example}", err=True)


@index_group.command("info")
@click.argument("index_dir", type=click.Path(file_okay=False))
@click.option("--verify", "verify_checksums", is_flag=True, help="Also check every file's SHA-256.")
def info_cmd(index_dir: str, verify_checksums: bool) -> None:
    """Show what an index holds (records, model, sources, build time)."""
    import json

    from citeproof.index.manifest import load_manifest

    try:
        manifest = load_manifest(Path(index_dir), verify_checksums=verify_checksums)
    except CiteproofError as e:
        _fail(str(e))
        return
    click.echo(json.dumps(manifest.model_dump(), indent=2))


# `serve`/`mcp` and `index add`/`index update` live in their own modules (optional extras, network).
from citeproof.verifier import cli_live, cli_serve  # noqa: E402

cli_serve.register(main)
cli_live.register(index_group)
