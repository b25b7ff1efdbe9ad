"""The `citeproof` command group and its `index` subgroup; commands attach themselves in __init__."""

from __future__ import annotations

import click

__all__ = ["index_group", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="citeproof")
def main() -> None:
    """Catch hallucinated citations: extract every citation in a text and check it against real records."""


@main.group("index")
def index_group() -> None:
    """Build and inspect indexes of real bibliographic records."""
