"""The verifier: extract citations from text, retrieve candidates, score each field, decide a verdict."""

from citeproof.models import (
    Citation,
    CitationResult,
    FieldCheck,
    Report,
    Status,
    Suggestion,
    Summary,
)
from citeproof.verifier.core import Verifier, verify

__all__ = ["Citation", "CitationResult", "FieldCheck", "Report", "Status", "Suggestion", "Summary", "Verifier", "verify"]
