"""Leave-one-form-out extraction: the whole extractor on form families it was not fitted to.

    python -m bench.extract_lofo [--per-family 300] [--seed 29] [--tagger-folds DIR]

The field tagger's own leave-one-form-out (`bench.train_tagger`) scores token labels of single units.
Users see something else: whether the extractor finds each citation in an answer, and with the right
title. This bench renders held-out dev records (`bench.tagger_data`, the records the shipped tagger
never saw) in each form family (24 author-date, 25 numeric and 39 note CSL styles through citeproc-py,
markdown list items, header-less table rows, prose sentences), sets them into answers the way LLMs
do (a list under a heading naming works, a list with no such heading, table rows, a paragraph), and
runs `extract_citations` on each answer, then keeps what `Verifier` would keep (a tentative
citation is kept only when the index holds its title: all records here are in the dev index, so a
tentative citation counts when its title equals the gold title).

Per family it prints:
* found: share of gold citations that an extracted citation overlaps on at least half of the gold
  title's span (the title is what a fabricated reference gets wrong, so it is what must be found);
* title: share of gold citations whose extracted title equals the gold title (folded);
* spurious: extracted citations overlapping no gold citation, per gold citation.

With `--tagger-folds DIR` (models written by `python -m bench.train_tagger --save-folds DIR`), the
extractor uses, for each family, the tagger trained WITHOUT that family: the learned part is left
out; the rule-based parts cannot be untrained and were written with the dev forms in view, which is
why the CSL families (88 styles, most never looked at while writing the rules) are the fairer test.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.tagger_data import FAMILIES, Unit, generate
from citeproof.text import clean_text, fold
from citeproof.verifier.extract import extract_citations
from citeproof.verifier.tagged import set_tagger

__all__ = ["Answer", "compose", "main", "score_family"]

_HEADINGS = ("## References", "Here are some relevant papers:", "**Further reading**", "Key works on this topic:")
_NEUTRAL = ("Some background follows.", "This area has moved quickly in recent years.", "")


@dataclass
class Answer:
    """An answer text and the gold (unit span, title span, title) of each citation in it."""

    text: str
    gold: list[tuple[tuple[int, int], tuple[int, int], str]]
    layout: str


def _title_span(u: Unit) -> tuple[int, int] | None:
    spans = [(a, b) for a, b, lab in u.spans if lab == "TITLE"]
    return spans[0] if spans else None


def compose(units: Sequence[Unit], family: str, rng: random.Random, group: int = 4) -> list[Answer]:
    """Answers of `group` units each, in the layouts LLMs use for that family, alternating between a
    lead that names works and one that does not."""
    answers: list[Answer] = []
    usable = [u for u in units if _title_span(u) is not None]
    for i in range(0, len(usable), group):
        chunk = usable[i : i + group]
        named = (i // group) % 2 == 0
        lead = rng.choice(_HEADINGS) if named else rng.choice(_NEUTRAL)
        if family == "prose":
            sep, layout = " ", "paragraph"
        elif family == "table-row":
            sep, layout = "\n", "rows"
        elif family == "md-list":
            sep, layout = "\n", "list"
        else:
            sep, layout = rng.choice(("\n", "\n\n")), "list"
        text = lead + ("\n\n" if lead else "")
        gold = []
        for j, u in enumerate(chunk):
            if j:
                text += sep
            at = len(text)
            text += u.text
            ta, tb = _title_span(u)  # type: ignore[misc]
            gold.append(((at, at + len(u.text)), (at + ta, at + tb), u.text[ta:tb]))
        text += "\n\nLet me know if you want more detail on any of these." if named else ""
        answers.append(Answer(text, gold, f"{layout}{'+lead' if named else ''}"))
    return answers


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def score_family(answers: Sequence[Answer]) -> dict[str, float]:
    """found / title / spurious for a family's answers (see the module docstring)."""
    n = found = exact = spurious = 0
    for ans in answers:
        cites = extract_citations(ans.text)
        kept = []
        for c in cites:
            if c.tentative:
                # kept by the verifier only if the index holds the title: all gold works are indexed
                if not any(c.title and fold(clean_text(c.title)) == fold(clean_text(t)) for _, _, t in ans.gold):
                    continue
            kept.append(c)
        for _unit, title_span, title in ans.gold:
            n += 1
            need = (title_span[1] - title_span[0]) / 2
            hits = [c for c in kept if _overlap((c.start, c.end), title_span) >= need]
            if hits:
                found += 1
                if any(c.title and fold(clean_text(c.title)) == fold(clean_text(title)) for c in hits):
                    exact += 1
        for c in kept:
            if not any(_overlap((c.start, c.end), us) > 0 for us, _, _ in ans.gold):
                spurious += 1
    return {"n": n, "found": found / max(n, 1), "title": exact / max(n, 1), "spurious": spurious / max(n, 1)}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--per-family", type=int, default=300, help="held-out units per family")
    ap.add_argument("--seed", type=int, default=29)
    ap.add_argument("--tagger-folds", type=Path, default=None, help="folder of per-family left-out tagger models")
    ap.add_argument("--show", type=int, default=0, help="print this many missed citations per family")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    # the test split renders only records the shipped tagger never saw; ask for enough units
    units, _ = generate(n_per_family=args.per_family * 10, seed=13, test_share=0.1)
    held = [u for u in units if u.split == "test"]
    print(f"{len(held)} held-out units rendered in {time.perf_counter() - t0:.0f} s")
    rng = random.Random(args.seed)
    rows: dict[str, dict[str, float]] = {}
    for fam in FAMILIES:
        fam_units = [u for u in held if u.family == fam][: args.per_family]
        answers = compose(fam_units, fam, rng)
        if args.tagger_folds is not None:
            set_tagger(args.tagger_folds / f"without-{fam}.crfsuite")
        t1 = time.perf_counter()
        rows[fam] = score_family(answers)
        rows[fam]["ms"] = 1000 * (time.perf_counter() - t1) / max(len(answers), 1)
        if args.show:
            _show_missed(answers, args.show)
    if args.tagger_folds is not None:
        set_tagger(None)
    print("\n| family | citations | found | title exact | spurious / citation | ms / answer |")
    print("|---|---|---|---|---|---|")
    for fam, r in rows.items():
        print(f"| {fam} | {r['n']:.0f} | {r['found']:.3f} | {r['title']:.3f} | {r['spurious']:.3f} | {r['ms']:.1f} |")
    worst = min(rows, key=lambda f: rows[f]["found"])
    print(f"\nfound: worst {worst} {rows[worst]['found']:.3f}, mean {statistics.mean(r['found'] for r in rows.values()):.3f}")
    worst_t = min(rows, key=lambda f: rows[f]["title"])
    print(f"title exact: worst {worst_t} {rows[worst_t]['title']:.3f}, mean {statistics.mean(r['title'] for r in rows.values()):.3f}")
    return 0


def _show_missed(answers: Sequence[Answer], limit: int) -> None:
    shown = 0
    for ans in answers:
        cites = extract_citations(ans.text)
        for us, ts, title in ans.gold:
            need = (ts[1] - ts[0]) / 2
            hits = [c for c in cites if _overlap((c.start, c.end), ts) >= need]
            ok = any(c.title and fold(clean_text(c.title)) == fold(clean_text(title)) for c in hits)
            if not ok and shown < limit:
                shown += 1
                print(f"  MISS [{ans.layout}] {ans.text[us[0]:us[1]]!r}")
                for c in hits:
                    print(f"     got{' (tentative)' if c.tentative else ''}: title={c.title!r} authors={[a.family for a in c.authors]} year={c.year} venue={c.venue!r}")


if __name__ == "__main__":
    raise SystemExit(main())
