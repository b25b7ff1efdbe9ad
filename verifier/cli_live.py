"""`citeproof index add` and `citeproof index update`: grow an index without rebuilding it.

Kept apart from cli.py, which attaches them with `register(index_group)`. Both write a new copy of
the index and rename it into place, so an interrupted command leaves the index as it was.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import click

from citeproof.connectors.errors import CiteproofError
from citeproof.connectors.readers import FORMATS
from citeproof.index.manifest import Manifest, load_manifest

__all__ = ["register"]


def _run(index_dir: str, update: Callable[[], Manifest]) -> None:
    """Run an index update and report it: errors are one line and exit code 2, never a traceback."""
    # imported here, not at the top: cli.py imports this module to call `register`
    from citeproof.verifier.cli import _fail, _unexpected

    try:
        before = load_manifest(Path(index_dir))
        after = update()
    except CiteproofError as e:
        _fail(str(e))
        return
    except KeyboardInterrupt:
        _fail("interrupted; the index is unchanged")
        return
    except Exception as e:
        _unexpected(e)
        return
    click.echo(
        f"added {after.count - before.count:,} records to {index_dir} "
        f"({after.duplicates - before.duplicates:,} duplicates, {after.skipped - before.skipped:,} skipped); "
        f"{after.count:,} records in all",
        err=True,
    )


@click.command("add")
@click.argument("index_dir", type=click.Path(file_okay=False))
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default=None, help="Dump format (detected per file when omitted)."
)
def add_cmd(index_dir: str, files: tuple[str, ...], fmt: str | None) -> None:
    """Append the records of dump FILES to the index in INDEX_DIR; records it already holds are skipped."""
    from citeproof.connectors.models import ReadStats
    from citeproof.connectors.readers import read_records
    from citeproof.index.update import add_records
    from citeproof.verifier.cli import _fail

    for p in files:
        if p != "-" and not Path(p).exists():
            _fail(f"{p}: no such file")
    stats = ReadStats()
    _run(
        index_dir,
        lambda: add_records(
            index_dir,
            read_records(list(files), fmt=fmt, stats=stats),
            stats,
            sources=[os.path.basename(p) for p in files],
        ),
    )


@click.command("update")
@click.argument("index_dir", type=click.Path(file_okay=False))
@click.option("--from", "source", type=click.Choice(["crossref"]), required=True, help="Service to fetch new works from.")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    required=True,
    help="Add works the service indexed on or after this date (YYYY-MM-DD).",
)
@click.option(
    "--mailto",
    envvar="CITEPROOF_MAILTO",
    default=None,
    help="Your e-mail address, sent to Crossref for its polite pool (default: $CITEPROOF_MAILTO).",
)
@click.option("--filter", "extra_filter", default=None, help="More Crossref filters, e.g. type:journal-article.")
@click.option("--max-records", type=click.IntRange(min=1), default=None, help="Stop after this many works.")
def update_cmd(
    index_dir: str, source: str, since: datetime, mailto: str | None, extra_filter: str | None, max_records: int | None
) -> None:
    """Append works newly indexed by Crossref to the index in INDEX_DIR (all or nothing)."""
    from citeproof.index.update import update_from_crossref

    _run(
        index_dir,
        lambda: update_from_crossref(index_dir, since.date(), mailto, filter=extra_filter, max_records=max_records),
    )


def register(index_group: click.Group) -> None:
    """Attach `add` and `update` to the `citeproof index` command group."""
    index_group.add_command(add_cmd)
    index_group.add_command(update_cmd)
