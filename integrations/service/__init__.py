"""citeproof as a local HTTP service: a JSON API and the web page in `static/` (`create_app`, `serve`,
`background`; needs the `serve` extra).

Names are imported on first use, so a missing extra is reported with the line that installs it.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["background", "create_app", "serve"]

# public name -> (submodule, extra that installs what it imports)
_LAZY = {
    "create_app": ("app", "serve"),
    "background": ("server", "serve"),
    "serve": ("server", "serve"),
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
