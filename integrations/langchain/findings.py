"""The findings on an answer's flagged citations, in words: for the reader, and for the model to fix.

`CitationMiddleware` shows the same findings twice: appended to an answer for the person reading it
(`annotation`), and sent back to the model as feedback so it can answer again (`feedback`). One
wording serves both, so the model is asked to fix exactly what the reader would have been shown.
"""

from __future__ import annotations

import textwrap

from citeproof.models import CitationResult, Report, Status

__all__ = ["annotation", "feedback", "finding"]


def _quote(raw: str, width: int = 110) -> str:
    return textwrap.shorten(" ".join(raw.split()), width, placeholder="…")


def finding(c: CitationResult) -> str:
    """One flagged citation: its verdict word, what is wrong, and the suggested correction."""
    head = f"**{c.status.value}**: “{_quote(c.raw)}”"
    if c.status is Status.mismatch:
        wrong = [f"{f.field} cited as {f.cited!r}, really {f.found!r}" for f in c.fields if not f.agrees]
        what = "; ".join(wrong) or "; ".join(c.reasons) or "a stated field does not match the real work"
        fix = f"Correct reference: {c.record.reference()}" if c.record is not None else ""
    else:
        what = "no real work in the index matches it"
        fix = (
            f"Closest real work (a suggestion, not necessarily the one meant): {c.suggestions[0].record.reference()}"
            if c.suggestions
            else "No similar real work found: remove it or cite a real source."
        )
    return f"- {head} — {what}.{' ' + fix if fix else ''}"


def annotation(report: Report) -> str:
    """A short "Citations checked" section to append to an answer with flagged citations."""
    s = report.summary
    counts = ", ".join(f"{n} {name}" for name, n in (("verified", s.verified), ("mismatch", s.mismatch),
                       ("fabricated", s.fabricated), ("unverifiable", s.unverifiable)) if n)
    lines = [finding(c) for c in report.flagged]
    return f"\n\n---\n**Citations checked** (citeproof: {s.total} cited, {counts})\n\n" + "\n".join(lines) + "\n"


def feedback(report: Report) -> str:
    """The message that asks the model to answer again without the flagged citations."""
    n = len(report.flagged)
    return (
        f"citeproof checked the citations in your last answer against an index of real bibliographic "
        f"records and flagged {n} of them:\n\n"
        + "\n".join(finding(c) for c in report.flagged)
        + "\n\nWrite your answer again in full. Replace each mismatched citation with the correct reference "
        "shown; remove each fabricated one, or replace it with a real work you can look up (use the "
        "find_references tool if you have it). Cite only works you are sure exist, and do not mention this check."
    )
