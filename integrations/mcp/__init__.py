"""citeproof's tools for LLM clients over the Model Context Protocol (`create_mcp_server`; needs the
`mcp` extra): `verify_citations(text)` and `lookup(query)`.

Imported on first use, so a missing extra is reported with the line that installs it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_mcp_server", "lookup_records"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        from citeproof.mcp import server
    except ImportError as e:
        raise ImportError(
            f"{name} needs the mcp extra ({e.name or 'a dependency'} is missing): pip install 'citeproof[mcp]'"
        ) from e
    return getattr(server, name)
