"""`citeproof verify`: every citation in a file or stdin, checked and reported."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from citeproof.cli.errors import EXIT_FLAGGED, EXIT_OK, reported
from citeproof.errors import InputError

__all__ = ["MAX_INPUT_BYTES", "read_input", "register", "verify_cmd"]

MAX_INPUT_BYTES = 20_000_000


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


# Input size from which `--workers` are waited for: below it, verifying alone beats their start.
_WORTH_WAITING_FOR_WORKERS = 100_000


@click.command("verify")
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
    "unverifiable citations (\"not in this index\" included) fail the run too.",
)
@click.option(
    "--online",
    is_flag=True,
    help="Look up citations the index cannot settle (not found, or not in this index) on Crossref, DataCite, "
    "OpenAlex, arXiv; the report names the source that settled each.",
)
@click.option("--mailto", envvar="CITEPROOF_MAILTO", help="Your e-mail for Crossref's polite pool (default $CITEPROOF_MAILTO).")
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Processes to verify a large input with (0: one per CPU core). Each takes about a second to "
    "start: worth it for a bibliography of several hundred entries. Not with --online.",
)
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
    workers: int,
) -> None:
    """Verify every citation in SOURCE (a file, or - for stdin): text, markdown or BibTeX."""
    from citeproof.verifier.core import Verifier
    from citeproof.verifier.render import render

    with reported():
        text = read_input(source, max_bytes)
        # (one run: the bfloat16 screen's load, a second or two per process, would not pay for itself)
        with Verifier(
            index_dir, model=model, strict=strict, online=online, mailto=mailto, workers=workers, bf16_screen=False
        ) as verifier:
            if len(text) >= _WORTH_WAITING_FOR_WORKERS:
                verifier.workers_ready(timeout=60)  # (a small input goes ahead alone)
            report = verifier.verify(text)
    out = render(report, fmt, Console(soft_wrap=True))
    if out is not None:
        click.echo(out)
    # mismatch/fabricated are findings; unverifiable ("not in this index" included) only under --strict
    failed = report.summary.flagged + (report.summary.unverifiable if strict else 0)
    sys.exit(EXIT_FLAGGED if failed and not exit_zero else EXIT_OK)


def register(main: click.Group) -> None:
    """Add `verify` to the `citeproof` command group."""
    main.add_command(verify_cmd)
