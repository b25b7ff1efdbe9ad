"""Facts about the installation that every layer needs: citeproof's version and its cache directory.

They live in the lowest layer so that connectors (User-Agent, response cache), the index (manifest)
and the verifier (demo index) share one definition.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from platformdirs import user_cache_dir

__all__ = ["cache_dir", "citeproof_version"]


@lru_cache(maxsize=1)
def citeproof_version() -> str:
    try:
        from importlib.metadata import version

        return version("citeproof")
    except Exception:  # a source tree without install metadata
        return "0+unknown"


def cache_dir() -> Path:
    """citeproof's cache directory: `$CITEPROOF_CACHE_DIR`, else the platform's user cache directory.

    The demo index and the HTTP response cache live here."""
    return Path(os.environ.get("CITEPROOF_CACHE_DIR") or user_cache_dir("citeproof"))
