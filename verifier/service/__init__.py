"""citeproof as a local service: an HTTP API with a web page (`create_app`, needs the `serve` extra)
and an MCP server for LLM clients (`create_mcp_server`, needs the `mcp` extra).

Names are imported on first use, so the MCP server does not need FastAPI nor the web app `mcp`,
and a missing extra is reported with the line that installs it.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["background", "create_app", "create_mcp_server", "serve"]

# public name -> (submodule, extra that installs what it imports)
_LAZY = {
    "create_app": ("app", "serve"),
    "background": ("server", "serve"),
    "serve": ("server", "serve"),
    "create_mcp_server": ("mcp_server", "mcp"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, extra = _LAZY[name]
    try:
        mod = importlib.import_module(f"{__name__}.{module}")
    except ImportError as e:
        raise ImportError(
            f"{name} needs the {extra} extra ({e.name or 'a dependency'} is missing): pip install 'citeproof[{extra}]'"
        ) from e
    return getattr(mod, name)
