"""`citeproof index build|info|add|update`: make, inspect and grow an index.

`add` and `update` grow an index without rebuilding it: both write a new copy of the index and
rename it into place, so an interrupted command leaves the index as it was.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from citeproof.cli.errors import fail, reported
from citeproof.connectors.readers import FORMATS
from citeproof.index.manifest import Manifest, load_manifest

__all__ = ["register"]


def _run(index_dir: str, update: Callable[[], Manifest]) -> None:
    """Run an index update and report it: errors are one line and exit code 2, never a traceback."""
    with reported(interrupted="interrupted; the index is unchanged"):
        before = load_manifest(Path(index_dir))
        after = update()
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
    from citeproof.connectors.readers import read_records
    from citeproof.index.update import add_records
    from citeproof.models import ReadStats

    for p in files:
        if p != "-" and not Path(p).exists():
            fail(f"{p}: no such file")
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


@click.command("build")
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
    help="Embedding model: static-minilm (default; shipped, distilled from MiniLM: ~100x faster to embed), "
    "all-MiniLM-L6-v2 (or minilm; bundled, the same accuracy on the dev benchmark), or any "
    "sentence-transformers name or path. An index is always queried with the model it was built with.",
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
@click.option(
    "--complete", "complete", multiple=True, metavar="SCOPE",
    help="Declare that the dumps hold every work of SCOPE, so that a citation missing from the index in that "
    "scope is evidence against it (repeatable): dblp, arxiv, crossref, s2 (a whole database), "
    "arxiv:CATEGORY (arxiv:cs.LG), crossref-member:ID (crossref-member:98), doi-prefix:10.NNNN "
    "(doi-prefix:10.1145), venue:NAME (venue:NeurIPS). Kept in the manifest, also by `index add`.",
)
def build_cmd(
    paths: tuple[str, ...], out_dir: str, fmt: str | None, model: str | None, batch_size: int, index_type: str,
    shard_size: int, engine: str, ray_address: str | None, workers: int | None, complete: tuple[str, ...],
) -> None:
    """Build an index in --out from dump files (CSL-JSON, Crossref, arXiv, DBLP, BibTeX).

    Rerunning an interrupted build with the same arguments resumes it. The index records what it
    covers (records per source, venue and year, DOI prefix, arXiv month, author names): see
    `citeproof index info --summary`."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from citeproof.index import build_index
    from citeproof.index.coverage import parse_scope

    for p in paths:
        if not Path(p).is_file():
            fail(f"{p}: no such file")
    with reported():
        for scope in complete:
            parse_scope(scope)  # before the (long) build: a typo is reported at once
    with reported(
        interrupted="interrupted; no index was written (run the same command again to resume from the last finished shard)"
    ):
        with Progress(
            TextColumn("[bold]indexing[/]"), BarColumn(bar_width=None), TextColumn("{task.completed:,} records"),
            TimeElapsedColumn(), console=Console(stderr=True), transient=True,
        ) as progress:
            task = progress.add_task("build", total=None)
            manifest = build_index(
                list(paths), out_dir, fmt=fmt, model=model, batch_size=batch_size, index_type=index_type,
                progress=lambda n: progress.update(task, completed=n), shard_size=shard_size, engine=engine,
                engine_options={"address": ray_address, "workers": workers} if engine == "ray" else None,
                complete=list(complete),
            )
    click.echo(
        f"built {out_dir}: {manifest.count:,} records, {manifest.skipped:,} skipped, "
        f"{manifest.duplicates:,} duplicates, {manifest.build_seconds:.1f}s"
        + (f" (resumed from {manifest.resumed:,} records of an interrupted build)" if manifest.resumed else ""),
        err=True,
    )
    for example in manifest.skipped_examples[:5]:
        click.echo(f"  skipped {example}", err=True)


@click.command("info")
@click.argument("index_dir", type=click.Path(file_okay=False))
@click.option("--verify", "verify_checksums", is_flag=True, help="Also check every file's SHA-256.")
@click.option("--summary", is_flag=True, help="A readable summary of what the index covers instead of JSON.")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="Largest venues, DOI prefixes, ... listed.")
def info_cmd(index_dir: str, verify_checksums: bool, summary: bool, top: int) -> None:
    """Show what an index holds: the manifest (records, model, sources, build time, scopes declared
    complete) as JSON, with its coverage under "coverage" (records per source, year, venue, DOI
    prefix, arXiv month, author names; null for an index built before coverage was kept)."""
    import json
    import sqlite3

    from citeproof.errors import IndexCorruptError
    from citeproof.index.coverage import Coverage

    with reported():
        coverage = Coverage.open(Path(index_dir), verify_checksums=verify_checksums)
        try:
            manifest = load_manifest(Path(index_dir))
            covered = coverage.summary(top=top)
        except sqlite3.DatabaseError as e:
            raise IndexCorruptError(f"{index_dir}: unreadable record store: {e}") from e
        finally:
            coverage.close()
    if summary:
        click.echo(_describe(index_dir, manifest, covered))
    else:
        click.echo(json.dumps({**manifest.model_dump(), "coverage": covered}, indent=2))


def _span(years: list[int] | None) -> str:
    if not years:
        return "no year"
    return str(years[0]) if years[0] == years[1] else f"{years[0]}-{years[1]}"


def _describe(index_dir: str, manifest: Manifest, cov: dict[str, Any] | None) -> str:
    """`index info --summary`: the manifest's essentials and what the index covers, for a person."""
    lines = [
        f"{index_dir}: {manifest.count:,} records ({manifest.skipped:,} skipped, {manifest.duplicates:,} duplicates), "
        f"model {manifest.model}, {manifest.index_type} vectors, built {manifest.built_at}",
        f"dumps: {', '.join(manifest.sources) or '-'}",
        f"declared complete: {', '.join(manifest.complete) or 'nothing (absence from the index is not evidence)'}",
    ]
    if cov is None:
        lines.append("coverage: unknown (built before coverage was kept; `citeproof index add` counts it)")
        return "\n".join(lines)
    years = cov["years"]
    lines.append("sources: " + ", ".join(f"{s or '(none)'} {n:,}" for s, n in cov["sources"].items()))
    lines.append(f"years: {_span(years['range'])}" + (f" ({years['undated']:,} undated)" if years["undated"] else ""))
    venues = cov["venues"]
    lines.append(f"venues: {venues['distinct']:,}" + (", largest:" if venues["top"] else ""))
    names = [v["name"] if len(v["name"]) <= 60 else v["name"][:59] + "…" for v in venues["top"]]
    width = max(map(len, names), default=0)
    lines += [
        f"  {name:<{width}}  {v['records']:>9,}  {_span(v['years'])}" for name, v in zip(names, venues["top"], strict=True)
    ]
    prefixes = cov["doi_prefixes"]
    lines.append(f"DOI prefixes: {prefixes['distinct']:,}" + (", largest:" if prefixes["top"] else ""))
    lines += [f"  {p['prefix']:<14}  {p['records']:>9,}  {_span(p['years'])}" for p in prefixes["top"]]
    arxiv = cov["arxiv"]
    if arxiv["records"]:
        cats = ", ".join(f"{c} {n:,}" for c, n in arxiv["categories"].items())
        lines.append(
            f"arXiv: {arxiv['records']:,} records, ids of {arxiv['months'][0]} to {arxiv['months'][1]} "
            f"({arxiv['distinct_months']:,} months)" + (f"; old-style id categories: {cats}" if cats else "")
        )
    else:
        lines.append("arXiv: no records with an arXiv id")
    authors = cov["authors"]
    lines.append(
        f"authors: {authors['family_names']:,} family names ({authors['names_with_initial']:,} with a given-name initial)"
    )
    return "\n".join(lines)


def register(index_group: click.Group) -> None:
    """Attach `build`, `info`, `add` and `update` to the `citeproof index` command group."""
    index_group.add_command(build_cmd)
    index_group.add_command(info_cmd)
    index_group.add_command(add_cmd)
    index_group.add_command(update_cmd)
