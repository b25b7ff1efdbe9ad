"""Citation fields of a free-form unit read by the learned field tagger.

The rule-based reader (`refparse`, `extract`) knows the layouts it was written for; a unit in any
other order ('2022 | Ditto: Building Digital Twins ... | CVPR', 'Wang S, Jin R and Valizadegan H 2010
A Potential-based Framework ...', 'K. V. d. Berghe and co-authors introduced _Title_ at ICLR 2025')
defeats it. The CRF tagger (`citeproof.verifier.tagger`) labels tokens from their own look and
context instead, so it reads such units; this module turns its labels into a reference's
fields (`ParsedReference`, as the rules give theirs: names parsed, venue and title cleaned, identifiers found) with
how sure it was.

Whether the unit cites at all is not decided here: `extract` weighs these fields with the rest of
its evidence (context, title shape), because a tagger trained on references labels some title in
any sentence it is shown.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

from citeproof.models import Author
from citeproof.text import clean_text
from citeproof.verifier.names import parse_name
from citeproof.verifier.refparse import ParsedReference, find_identifiers
from citeproof.verifier.tagger import FieldTagger, default_tagger
from citeproof.vocabulary import YEAR

__all__ = ["TaggedUnit", "read_tagged", "set_tagger"]

_TITLE_TRIM = " \t\n\"“”„«»‘’'*_`.,;:|"
_VENUE_TRIM = " \t\n\"“”„«»‘’'*_`.,;:|()[]"
_OPENERS = "\"“„«‘'*_"


@dataclass(frozen=True)
class TaggedUnit:
    """What the tagger read in `text[start:end]` (the unit): its fields, as the reference rules give
    theirs (`ref.title_marked`: the title stands in quotes or emphasis, which references and LLMs use
    to set titles apart), and how sure it was.

    `title_confidence` is the mean marginal of the title's tokens; `confidence` the geometric mean of
    every token's marginal (low when the tagger hesitated anywhere)."""

    start: int
    end: int
    ref: ParsedReference
    title_confidence: float
    confidence: float = 0.0

    @property
    def has_identifier(self) -> bool:
        return bool(self.ref.doi or self.ref.arxiv_id or self.ref.pmid or self.ref.isbn)


_override: FieldTagger | None = None
_override_lock = threading.Lock()


def set_tagger(model: FieldTagger | str | Path | None) -> None:
    """Use another field tagger model for extraction (a model of one's own, or a leave-one-form-out
    fold in `bench.extract_lofo`); None returns to the shipped model. Process-wide."""
    global _override
    with _override_lock:
        _override = model if isinstance(model, FieldTagger) or model is None else FieldTagger(model)


def _tagger() -> FieldTagger:
    return _override if _override is not None else default_tagger()


_YEAR_RE = re.compile(r"\b" + YEAR + r"\b")  # a plausible year: 'RFC 3530' is no year
_LINK_RE = re.compile(r"\[([^\]\n]{2,300})\]\([^)\s]{0,500}\)")
_FIELD_BREAK_RE = re.compile(r"\s[-–—]{1,2}\s")


def _clean_title(raw: str) -> str:
    """The title the tagger spanned, without what it took in beyond it: a markdown link's target
    ('[Title](https://...)'), a neighbouring table cell ('Title | combines search with ...'), a name
    after a dash ('Title - Shaoxiang Chen')."""
    s = _LINK_RE.sub(lambda m: m.group(1), raw)
    if "|" in s:
        s = max(s.split("|"), key=lambda p: len(p.strip()))
    parts = _FIELD_BREAK_RE.split(s)
    if len(parts) > 1:
        tail = " ".join(parts[1:]).strip(_TITLE_TRIM)
        if len(tail.split()) <= 3 and tail[:1].isupper() and not any(ch.isdigit() for ch in tail):
            s = parts[0]  # 'Title - Shuting': a name the tagger ran into; a real subtitle is longer
    return clean_text(s).strip(_TITLE_TRIM)


def read_tagged(text: str, start: int, end: int) -> TaggedUnit | None:
    """The tagger's reading of `text[start:end]`, or None when it finds no title there."""
    unit = text[start:end]
    f = _tagger().fields(unit)
    if f.title is None:
        return None
    title = _clean_title(f.title.text)
    if not title:
        return None
    before = unit[max(0, f.title.start - 2) : f.title.start].strip()
    authors: list[Author] = []
    for span in f.authors:
        a = parse_name(clean_text(span.text).strip(" ,;*_"))
        if a is not None and not (not a.given and a.family.isupper() and len(a.family) > 1):
            authors.append(a)  # (an acronym alone, 'RFC 3530', 'IEEE', is no person)
    venue = clean_text(f.venue.text).strip(_VENUE_TRIM) if f.venue is not None else None
    ids = find_identifiers(unit)
    ref = ParsedReference(
        title=title,
        authors=authors,
        et_al=f.et_al,
        year=f.year if f.year_span is not None and _YEAR_RE.search(f.year_span.text) else None,
        venue=venue or None,
        doi=next((i.doi for i in ids if i.doi), None),
        arxiv_id=next((i.arxiv_id for i in ids if i.arxiv_id), None),
        url=next((i.url for i in ids if i.url), None),
        pmid=next((i.pmid for i in ids if i.pmid), None),
        isbn=next((i.isbn for i in ids if i.isbn), None),
        title_marked=bool(before) and before[-1] in _OPENERS,
    )
    return TaggedUnit(start=start, end=end, ref=ref, title_confidence=f.title.confidence, confidence=f.confidence)
