"""Rendering a `Report` for people (text, markdown) and programs (json, jsonl)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from citeproof.models import CitationResult, Report, Status

__all__ = ["FORMATS", "render", "render_text"]

FORMATS = ("text", "json", "jsonl", "markdown")

_STYLE = {
    Status.verified: ("✔", "green"),
    Status.mismatch: ("≠", "yellow"),
    Status.fabricated: ("✘", "bold red"),
    Status.unverifiable: ("?", "blue"),
}


def _one_line(s: str, n: int = 160) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def _summary_line(report: Report) -> str:
    s = report.summary
    return (
        f"{s.total} citation{'s' if s.total != 1 else ''}: {s.verified} verified, {s.mismatch} mismatch, "
        f"{s.fabricated} fabricated, {s.unverifiable} unverifiable"
    )


def render_text(report: Report, console: Console) -> None:
    for i, c in enumerate(report.citations, 1):
        mark, style = _STYLE[c.status]
        console.print(f"[{style}]{mark} {c.status.value:<12}[/] [dim]{i:>3}.[/] {escape(_one_line(c.raw))}")
        for r in c.reasons:
            console.print(f"      [dim]·[/] {escape(r)}")
        for f in c.fields:
            if not f.agrees:
                console.print(f"      [yellow]{f.field}[/]: cited {escape(repr(f.cited))} → real {escape(repr(f.found))}")
        if c.record is not None and c.status in (Status.verified, Status.mismatch):
            console.print(f"      [dim]record:[/] {escape(_one_line(c.record.reference(), 200))}")
        if c.status is Status.fabricated and c.suggestions:
            console.print("      [dim]closest real works:[/]")
            for s in c.suggestions[:3]:
                console.print(f"        - {escape(_one_line(s.record.reference(), 180))} [dim]({s.score:.2f})[/]")
    console.print(f"\n[bold]{escape(_summary_line(report))}[/]")


def _md_cell(s: str | None) -> str:
    return (s or "").replace("|", "\\|").replace("\n", " ")


def _md_row(i: int, c: CitationResult) -> str:
    evidence = "; ".join(c.reasons)
    if c.record is not None:
        evidence += f" — {c.record.reference()}"
    elif c.suggestions:
        evidence += " — closest: " + c.suggestions[0].record.reference()
    return f"| {i} | **{c.status.value}** | {_md_cell(_one_line(c.raw, 120))} | {_md_cell(evidence)} |"


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
