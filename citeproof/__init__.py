"""citeproof: catch hallucinated citations in LLM output.

    from citeproof import verify
    report = verify("Vaswani et al. (2017). Attention is all you need. NeurIPS.")
    for c in report.citations:
        print(c.status, c.raw)

This package is the public face and the base layer every other part stands on: the models
(`Record`, `Citation`, `CitationResult`, `Report`, ...), the one exception tree, and the shared
vocabulary (text normalisation, identifiers, names, environment). The working parts are subpackages:
`citeproof.connectors` (dump readers, live clients) -> `citeproof.index` (store, embed, search) ->
`citeproof.verifier` (extract, retrieve, compare, decide) -> the integrations `citeproof.cli`,
`citeproof.service`, `citeproof.mcp`, `citeproof.langchain`.

The models and errors are imported eagerly (they are light); `verify`, `Verifier`, `build_index` and
`open_index` on first use, so that `import citeproof.models` does not load FAISS or PyTorch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from citeproof.env import citeproof_version
from citeproof.errors import (
    CiteproofError,
    DumpFormatError,
    FabricatedCitationError,
    IndexCorruptError,
    IndexModelMismatchError,
    IndexNotFoundError,
    IndexStoreError,
    InputError,
    LookupFailedError,
    ModelLoadError,
    RateLimitedError,
)
from citeproof.models import (
    Author,
    Citation,
    CitationResult,
    FieldCheck,
    ReadStats,
    Record,
    Report,
    Status,
    Suggestion,
    Summary,
)

if TYPE_CHECKING:
    from citeproof.index import Index, build_index, open_index
    from citeproof.verifier import Verifier, verify

__version__ = citeproof_version()

__all__ = [
    "Author",
    "Citation",
    "CitationResult",
    "CiteproofError",
    "DumpFormatError",
    "FabricatedCitationError",
    "FieldCheck",
    "Index",
    "IndexCorruptError",
    "IndexModelMismatchError",
    "IndexNotFoundError",
    "IndexStoreError",
    "InputError",
    "LookupFailedError",
    "ModelLoadError",
    "RateLimitedError",
    "ReadStats",
    "Record",
    "Report",
    "Status",
    "Suggestion",
    "Summary",
    "Verifier",
    "__version__",
    "build_index",
    "open_index",
    "verify",
]

# public name -> module that defines it; imported on first use (PEP 562)
_LAZY = {
    "verify": "citeproof.verifier",
    "Verifier": "citeproof.verifier",
    "build_index": "citeproof.index",
    "open_index": "citeproof.index",
    "Index": "citeproof.index",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
