"""Rendering a `Report` for people (text, markdown) and programs (json, jsonl)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from citeproof.models import CitationResult, Report, Status

__all__ = ["FORMATS", "NOT_IN_INDEX", "label", "render", "render_text"]

FORMATS = ("text", "json", "jsonl", "markdown")

_STYLE = {
    Status.verified: ("✔", "green"),
    Status.mismatch: ("≠", "yellow"),
    Status.fabricated: ("✘", "bold red"),
    Status.unverifiable: ("?", "blue"),
}
# An `unverifiable` citation whose work is not in the index where the index covers nothing
# (`CitationResult.out_of_coverage`): shown apart from `fabricated` (and from the other `unverifiable`),
# since its absence is no evidence against the work. The web page uses the same words.
NOT_IN_INDEX = "not in this index"
_NOT_IN_INDEX_STYLE = ("∅", "bright_black")


def label(c: CitationResult) -> str:
    """The verdict as people read it: the status, or "not in this index" for an out-of-coverage one."""
    return NOT_IN_INDEX if c.out_of_coverage else c.status.value


def _settled(c: CitationResult) -> str:
    """Where a live source settled the verdict, in words; empty when the local index did."""
    return f"settled online by {c.settled_by}" if c.settled_by != "index" else ""


def _one_line(s: str, n: int = 160) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def _summary_line(report: Report) -> str:
    s = report.summary
    return (
        f"{s.total} citation{'s' if s.total != 1 else ''}: {s.verified} verified, {s.mismatch} mismatch, "
        f"{s.fabricated} fabricated, {s.unverifiable} unverifiable"
        + (f" ({s.not_in_index} {NOT_IN_INDEX})" if s.not_in_index else "")
    )


def render_text(report: Report, console: Console) -> None:
    width = max([12, *(len(label(c)) for c in report.citations)])  # verdicts in one column
    for i, c in enumerate(report.citations, 1):
        mark, style = _NOT_IN_INDEX_STYLE if c.out_of_coverage else _STYLE[c.status]
        settled = f" [dim]({_settled(c)})[/]" if _settled(c) else ""
        console.print(f"[{style}]{mark} {label(c):<{width}}[/] [dim]{i:>3}.[/] {escape(_one_line(c.raw))}{settled}")
        for r in c.reasons:
            console.print(f"      [dim]·[/] {escape(r)}")
        for f in c.fields:
            if not f.agrees:
                console.print(f"      [yellow]{f.field}[/]: cited {escape(repr(f.cited))} → real {escape(repr(f.found))}")
        if c.record is not None and c.status in (Status.verified, Status.mismatch):
            console.print(f"      [dim]record:[/] {escape(_one_line(c.record.reference(), 200))}")
        if (c.status is Status.fabricated or c.out_of_coverage) and c.suggestions:
            console.print("      [dim]closest real works:[/]")
            for s in c.suggestions[:3]:
                console.print(f"        - {escape(_one_line(s.record.reference(), 180))} [dim]({s.score:.2f})[/]")
    console.print(f"\n[bold]{escape(_summary_line(report))}[/]")


def _md_cell(s: str | None) -> str:
    return (s or "").replace("|", "\\|").replace("\n", " ")


def _md_row(i: int, c: CitationResult) -> str:
    evidence = "; ".join([*c.reasons, *([_settled(c)] if _settled(c) else [])])
    if c.record is not None:
        evidence += f" — {c.record.reference()}"
    elif c.suggestions:
        evidence += " — closest: " + c.suggestions[0].record.reference()
    return f"| {i} | **{label(c)}** | {_md_cell(_one_line(c.raw, 120))} | {_md_cell(evidence)} |"


def render(report: Report, fmt: str, console: Console | None = None) -> str | None:
    """Return the rendering as a string, or print it (text format) to `console`."""
    if fmt == "json":
        return report.model_dump_json(indent=2)
    if fmt == "jsonl":
        return "\n".join(c.model_dump_json() for c in report.citations)
    if fmt == "markdown":
        rows = [_md_row(i, c) for i, c in enumerate(report.citations, 1)]
        return "\n".join(["| # | verdict | citation | evidence |", "|---|---|---|---|", *rows, "", f"**{_summary_line(report)}**"])
    if fmt == "text":
        render_text(report, console or Console())
        return None
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
