"""Extraction benchmark: how many cited works does `extract_citations` find, how much does it invent,
and how often are title, year and first author parsed right.

Data (see shared/data/README.md): HALLMARK's 280 dev answers with gold citation spans, the 1,119 dev
entries as JSONL (gold fields) and as one BibTeX file, and gpt-3.5 title lists (real LLM formatting).
A gold span counts as found when one predicted citation covers at least half of it; a prediction is
spurious when it overlaps no gold span. `--answers bench/data/answers_styles.jsonl.gz` scores the styles set
(bench/make_styles.py: MLA, Chicago, Harvard, Vancouver, IEEE, ACM, Nature, APA, prose, tables, BibTeX,
in-text mentions) and prints the figures per style too, with how many in-text mentions ('[3]', 'Smith et
al. (2020)') were linked to their reference-list entry instead of returned as citations.
Usage: `python bench/extraction.py [--data DIR] [--answers PATH] [--show N]`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from citeproof.models import Citation
from citeproof.text import fold, title_key
from citeproof.verifier.extract import extract_citations
from citeproof.verifier.names import parse_authors

__all__ = ["FieldScores", "covers", "main", "show_examples"]

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _jsonl(path: Path) -> Iterable[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def covers(c: Citation, start: int, end: int) -> bool:
    """The benchmark's rule: a prediction finds a gold span when it covers at least half of it."""
    return 2 * (min(c.end, end) - max(c.start, start)) >= end - start


def _first_family(authors_field: str | None) -> str:
    authors, _ = parse_authors(authors_field)
    return fold(authors[0].family) if authors else ""


class FieldScores:
    """Exact-match counts of title (by `title_key`), year and first-author family name. A gold
    citation made by an in-text mention alone ('Smith et al. (2020)' with no reference-list entry)
    states no title, so only its year and first author are scored."""

    def __init__(self) -> None:
        self.n = self.n_title = self.title = self.year = self.author = 0
        self.misses: list[str] = []

    def add(self, c: Citation, gold: dict[str, str], has_title: bool = True) -> None:
        self.n += 1
        ok_t = title_key(c.title) == title_key(gold.get("title")) if has_title else True
        ok_y = str(c.year) == str(gold.get("year", "")).strip()
        fam = fold(c.authors[0].family) if c.authors else ""
        ok_a = fam == _first_family(gold.get("author"))
        self.n_title += has_title
        self.title += ok_t and has_title
        self.year += ok_y
        self.author += ok_a
        if not (ok_t and ok_y and ok_a):
            self.misses.append(
                f"{c.raw[:160]!r}\n    got title={c.title!r} year={c.year} first={fam!r}; gold title="
                f"{gold.get('title')!r} year={gold.get('year')} first={_first_family(gold.get('author'))!r}"
            )

    def figures(self) -> str:
        n = max(self.n, 1)
        return f"title exact {self.title / max(self.n_title, 1):.4f}  year {self.year / n:.4f}  first author {self.author / n:.4f}"

    def report(self, label: str) -> None:
        print(f"{label}: {self.figures()}  (n={self.n})")


class _Tally:
    """Recall, spurious predictions, fields and mention links over a set of answers."""

    def __init__(self) -> None:
        self.answers = self.n_gold = self.found = self.n_pred = self.spurious = 0
        self.n_mentions = self.linked = self.mention_cites = 0
        self.fields = FieldScores()
        self.missed: list[str] = []
        self.false: list[str] = []
        self.unlinked: list[str] = []

    def line(self) -> str:
        s = (
            f"recall {self.found / max(self.n_gold, 1):.4f}  spurious {self.spurious / max(self.n_pred, 1):.4f} "
            f"({self.spurious})  {self.fields.figures()}"
        )
        if self.n_mentions:
            s += f"  mentions linked {self.linked / self.n_mentions:.4f} ({self.n_mentions - self.linked} not)"
        return s


def _score_answer(r: dict[str, Any], preds: list[Citation], gold: dict[str, dict[str, str]], tallies: list[_Tally]) -> None:
    spans = [(g["start"], g["end"], g["key"], not g.get("mention")) for g in r["citations"]]
    hits: dict[str, Citation] = {}
    for t in tallies:
        t.answers += 1
        t.n_gold += len(spans)
        t.n_pred += len(preds)
    for s, e, key, has_title in spans:
        hit = next((c for c in preds if covers(c, s, e)), None)
        if hit is None:
            for t in tallies:
                t.missed.append(f"{r['id']}: {r['text'][s:e][:160]!r}")
            continue
        hits[key] = hit
        for t in tallies:
            t.found += 1
            t.fields.add(hit, gold[key], has_title)
    for c in preds:
        if not any(c.start < e and s < c.end for s, e, _, _ in spans):
            for t in tallies:
                t.spurious += 1
                t.false.append(f"{r['id']}: {c.raw[:160]!r}")
    # A linked mention ('[3]', 'Smith et al. (2020)') is recorded on the entry it points to; returned as
    # a citation of its own it is spurious (above).
    for m in r.get("mentions", []):
        entry = hits.get(m["key"])
        ok = entry is not None and any(a < m["end"] and m["start"] < b for a, b in getattr(entry, "mentions", []))
        for t in tallies:
            t.n_mentions += 1
            t.linked += ok
            if not ok:
                t.unlinked.append(f"{r['id']}: {r['text'][m['start'] : m['end']]!r} -> {m['key']}")


def bench_answers(path: Path, gold: dict[str, dict[str, str]], show: int) -> None:
    rows = list(_jsonl(path))
    t0 = time.perf_counter()
    preds_all = [extract_citations(r["text"]) for r in rows]
    elapsed = time.perf_counter() - t0
    total = _Tally()
    by_style: dict[str, _Tally] = {}
    for r, preds in zip(rows, preds_all, strict=True):
        assert all(c.raw == r["text"][c.start : c.end] for c in preds), r["id"]
        tallies = [total]
        if "style" in r:
            tallies.append(by_style.setdefault(r["style"], _Tally()))
        _score_answer(r, preds, gold, tallies)
    print(f"{path.name}: {len(rows)} answers, {total.n_gold} gold citations, {total.n_pred} predicted, {elapsed:.2f}s")
    print(f"  recall {total.found / max(total.n_gold, 1):.4f}  spurious {total.spurious / max(total.n_pred, 1):.4f} ({total.spurious})")
    total.fields.report("  fields")
    if total.n_mentions:
        print(f"  mentions linked to their entry {total.linked / total.n_mentions:.4f} ({total.linked}/{total.n_mentions})")
    if by_style:
        width = max(map(len, by_style))
        for style, t in sorted(by_style.items()):
            print(f"  {style:<{width}} n={t.n_gold:<4d} {t.line()}")
    show_examples("missed", total.missed, show)
    show_examples("spurious", total.false, show)
    show_examples("field errors", total.fields.misses, show)
    show_examples("mentions not linked", total.unlinked, show)


def bench_bibtex(data: Path, gold: dict[str, dict[str, str]], show: int) -> None:
    text = (data / "hallmark" / "dev_public.bib").read_text(encoding="utf-8")
    t0 = time.perf_counter()
    preds = extract_citations(text)
    elapsed = time.perf_counter() - t0
    keyed = [c for c in preds if c.key]
    print(f"dev_public.bib: {len(preds)} citations, {len(keyed)} with keys (expect {len(gold)}), {elapsed:.2f}s")
    fields = FieldScores()
    for c in keyed:
        if c.key in gold:
            fields.add(c, gold[c.key])
    fields.report("  fields")
    show_examples("field errors", fields.misses, show)


def bench_real_llm(data: Path, show: int) -> None:
    """gpt-3.5 title lists: are the titles found (as citations) and parsed exactly?"""
    path = data / "real_llm" / "ms_title_lists_gpt35.jsonl.gz"
    if not path.exists():
        return
    n = found = exact = 0
    missed: list[str] = []
    for r in _jsonl(path):
        preds = extract_citations(r["text"])
        for ref in r["refs"]:
            n += 1
            hit = next((c for c in preds if covers(c, ref["start"], ref["end"])), None)
            if hit is None:
                missed.append(f"{r['id']}: {r['text'][ref['start'] : ref['end']]!r}")
                continue
            found += 1
            exact += title_key(hit.title) == title_key(ref["title"])
    print(f"real_llm titles: recall {found / max(n, 1):.4f}  title exact {exact / max(found, 1):.4f}  (n={n})")
    show_examples("real_llm missed", missed, show)


def show_examples(label: str, items: list[str], n: int) -> None:
    if n and items:
        print(f"--- {label} ({len(items)}):")
        for s in items[:n]:
            print("  " + s)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared/data directory")
    ap.add_argument("--show", type=int, default=0, help="print this many misses of each kind")
    ap.add_argument(
        "--answers", type=Path, default=None,
        help="answers with gold spans (default: DATA/hallmark/answers_dev.jsonl.gz; bench/data/answers_styles.jsonl.gz "
        "is the styles set made by bench/make_styles.py)",
    )
    args = ap.parse_args(argv)
    gold = {d["bibtex_key"]: d["fields"] for d in _jsonl(args.data / "hallmark" / "dev_public.jsonl")}
    bench_answers(args.answers or args.data / "hallmark" / "answers_dev.jsonl.gz", gold, args.show)
    bench_bibtex(args.data, gold, args.show)
    bench_real_llm(args.data, args.show)


if __name__ == "__main__":
    main()
