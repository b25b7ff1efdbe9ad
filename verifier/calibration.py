"""Calibrated confidence: how often a verdict with this kind of evidence is right.

A verdict's evidence is summarised into a bucket (status, which fields disagree, how close the
nearest real work is, whether the index covers where the work was cited); the confidence is the
smoothed share of correct verdicts in that bucket on labelled data (HALLMARK dev and the fit half of
the GPT-3.5 title lists, fitted by `bench/calibrate.py`, stored in `calibration.json`). So "0.97"
means: of past verdicts like this one, 97 in 100 were right. Per status, "right" is:

- `verified`: the citation is genuine;
- `mismatch`, `fabricated`: the citation is hallucinated;
- `unverifiable` not found outside the index's coverage (`out_of_coverage`): the cited work is real.
  Such a verdict claims nothing either way, so its confidence is the probability that the work exists
  (low: lean towards fabricated; high: it is probably just not indexed);
- any other `unverifiable` (too little to check, an identifier not held, a failed lookup): not
  calibrated; it keeps the verifier's own figure.

A bucket never seen falls back to its status's rate, except for `unverifiable`, which has none.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from citeproof.models import CitationResult, Status
from citeproof.verifier.bare_mentions import is_bare_mention

__all__ = ["bucket", "calibrated", "load_table"]

_SCORE_BINS = (0.5, 0.65, 0.8)


def _bin(x: float) -> str:
    for i, edge in enumerate(_SCORE_BINS):
        if x < edge:
            return str(i)
    return str(len(_SCORE_BINS))


def bucket(r: CitationResult) -> str:
    """The evidence class of a verdict (coarse on purpose: every bucket needs enough examples)."""
    if is_bare_mention(r):
        return "mention"  # author-year mention checked by topic: not the evidence the table was fitted on
    if r.status is Status.verified:
        stated = min(len(r.fields), 4)
        exact = any(f.field == "title" and f.similarity >= 1.0 for f in r.fields)
        return f"verified|fields={stated}|title_exact={exact}"
    if r.status is Status.mismatch:
        wrong = sorted({f.field for f in r.fields if not f.agrees}) or ["other"]
        return "mismatch|" + "+".join(wrong[:2])
    if r.status is Status.fabricated:
        top = r.suggestions[0].score if r.suggestions else 0.0
        return f"fabricated|top={_bin(top)}"
    return "unverifiable|out_of_coverage" if r.out_of_coverage else "unverifiable"


@lru_cache(maxsize=1)
def load_table() -> dict[str, float]:
    try:
        text = resources.files("citeproof.verifier").joinpath("calibration.json").read_text("utf-8")
    except FileNotFoundError:
        return {}
    return {k: float(v) for k, v in json.loads(text)["confidence"].items()}


def calibrated(r: CitationResult, table: dict[str, float] | None = None) -> float | None:
    """The calibrated confidence of a verdict, or None when nothing is known about its kind."""
    t = load_table() if table is None else table
    b = bucket(r)
    if b == "mention":
        return None
    if b in t:
        return t[b]
    if r.status is Status.unverifiable:
        return None  # its reasons differ too much for one status-wide rate
    return t.get(r.status.value)
