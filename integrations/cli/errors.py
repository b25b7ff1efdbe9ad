"""Exit codes and error reporting for every `citeproof` command, in one place.

0: nothing flagged; 1: a citation is `mismatch` or `fabricated` (`verify` only); 2: usage, input or
any other error, reported as one line on stderr, never a traceback (set CITEPROOF_DEBUG=1 for it).
An `unverifiable` citation, one "not in this index" (out of its coverage) included, is no finding: it
exits 0 unless `verify --strict` makes it fail (1), as the README's table of outcomes says.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import click

from citeproof.errors import CiteproofError

__all__ = ["EXIT_ERROR", "EXIT_FLAGGED", "EXIT_OK", "fail", "reported"]

EXIT_OK = 0
EXIT_FLAGGED = 1
EXIT_ERROR = 2


def fail(msg: str) -> NoReturn:
    """Report a problem the user can fix and exit 2."""
    click.echo(f"error: {msg}", err=True)
    sys.exit(EXIT_ERROR)


@contextmanager
def reported(interrupted: str | None = None) -> Iterator[None]:
    """Run a command's body, turning every failure into one line and exit code 2.

    `CiteproofError`s are raised on purpose and carry a message for the user; `KeyboardInterrupt` gets
    `interrupted` (what state the command left behind) when given; anything else is a bug, reported
    as such, with the traceback only when CITEPROOF_DEBUG is set.
    """
    try:
        yield
    except CiteproofError as e:
        fail(str(e))
    except KeyboardInterrupt:
        if interrupted is None:
            raise
        fail(interrupted)
    except Exception as e:
        if os.environ.get("CITEPROOF_DEBUG"):
            raise
        fail(f"unexpected {type(e).__name__}: {e} (set CITEPROOF_DEBUG=1 for the traceback and please report it)")
