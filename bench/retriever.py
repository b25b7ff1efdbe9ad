"""How often `CitationRetriever` puts the right record first for a real title typed from memory.

    python bench/retriever.py [--index DIR] [--data ../shared/data/hallmark] [--limit N] [--seed S]

Every corpus_dev title (1,008) is perturbed the way a person or a model misremembers one: one
character typo (substituted, dropped, doubled or swapped with its neighbour) in a word of 4+
characters, and one other word dropped; the perturbation is fixed by the seed and the record id, so
runs are reproducible. Each perturbed title is the query; a hit is the record itself ranked first.
The index is the dev index (corpus_dev + corpus_distractors_dev, 31k real records) that
bench/eval.py builds into bench/.cache/dev-index.

`--prefix` queries with each title's first 60% of words instead, a second way titles are half
remembered. Two baselines run on the same queries in the same run: BM25 alone (`index.store.lexical`, what a
plain keyword search gives) and `Index.search`'s fused order (what the retriever re-ranks).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import string
import sys
import time
from collections.abc import Callable
from pathlib import Path

from citeproof.index import Index
from citeproof.index.core import Query
from citeproof.langchain.retriever import CitationRetriever

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "hallmark"
DEFAULT_INDEX = HERE / ".cache" / "dev-index"
BAR = 0.95


def typo(word: str, rng: random.Random) -> str:
    """One character wrong in `word`: substituted, dropped, doubled or swapped with the next one."""
    letters = [i for i, ch in enumerate(word) if ch.isalpha()]
    i = rng.choice(letters[:-1] if len(letters) > 1 else letters)
    kind = rng.choice(("substitute", "drop", "double", "swap"))
    if kind == "swap" and word[i].lower() == word[i + 1 : i + 2].lower():
        kind = "substitute"  # swapping two equal letters would change nothing
    if kind == "substitute":
        ch = rng.choice([c for c in string.ascii_lowercase if c != word[i].lower()])
        return word[:i] + ch + word[i + 1 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[: i + 1] + word[i] + word[i + 1 :]
    if i + 1 >= len(word):  # a one-letter word (never chosen: words have 4+ letters)
        return word + word[i]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def misremember(title: str, rng: random.Random) -> str:
    """The title with one typo in a word of 4+ letters and one other word dropped."""
    words = title.split()
    long_words = [i for i, w in enumerate(words) if sum(ch.isalpha() for ch in w) >= 4]
    t = rng.choice(long_words) if long_words else None
    if t is not None:
        words[t] = typo(words[t], rng)
    others = [i for i in range(len(words)) if i != t]
    if others and len(words) > 1:
        del words[rng.choice(others)]
    return " ".join(words)


def first_words(title: str, rng: random.Random) -> str:
    """Only the first 60% of the title's words (at least two): how titles are often half remembered."""
    words = title.split()
    return " ".join(words[: max(2, round(0.6 * len(words)))])


def load_queries(data: Path, seed: int, limit: int | None, prefix: bool = False) -> list[tuple[str, str, str]]:
    """(record id, real title, misremembered title) for each corpus_dev record."""
    with gzip.open(data / "corpus_dev.csl.jsonl.gz", "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    perturb = first_words if prefix else misremember
    out = [(r["id"], r["title"], perturb(r["title"], random.Random(f"{seed}:{r['id']}"))) for r in rows]
    return out[:limit] if limit else out


def top1(name: str, queries: list[tuple[str, str, str]], first: Callable[[str], str | None]) -> list[str | None]:
    """The first record id `first` gives for each query; prints the share that is the right one."""
    t0 = time.perf_counter()
    got = [first(q) for _, _, q in queries]
    dt = time.perf_counter() - t0
    hits = sum(g == rid for g, (rid, _, _) in zip(got, queries, strict=True))
    print(f"{name:<42} {hits / len(queries):7.1%}  ({hits}/{len(queries)}, {1000 * dt / len(queries):.0f} ms/query)")
    return got


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX, help="dev index (build it with bench/eval.py)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", type=int, default=5, help="misses of the retriever to print")
    parser.add_argument(
        "--prefix", action="store_true", help="query with only each title's first 60%% of words instead (a second check)"
    )
    args = parser.parse_args(argv)
    if not (args.index / "manifest.json").is_file():
        print(f"no index at {args.index}: run `python bench/eval.py` once to build the dev index", file=sys.stderr)
        return 2

    index = Index(args.index)
    retriever = CitationRetriever(index, k=1)
    queries = load_queries(args.data, args.seed, args.limit, prefix=args.prefix)
    how = "only their first 60% of words" if args.prefix else f"one typo and one word dropped (seed {args.seed})"
    print(f"{len(queries)} corpus_dev titles, each with {how}; index: {len(index):,} records\n")
    print(f"{'right record ranked first':<42} {'rate':>7}")

    def bm25(q: str) -> str | None:
        rows = index.store.lexical(q, k=1)
        rec = index.store.get_rows([rows[0][0]]).get(rows[0][0]) if rows else None
        return rec.id if rec else None

    def fused(q: str) -> str | None:
        [hits] = index.search([Query(title=q)], k=retriever.candidates)
        return hits[0].record.id if hits else None

    def ours(q: str) -> str | None:
        docs = retriever.invoke(q)
        return docs[0].metadata["id"] if docs else None

    fused("warm up the embedding model")
    top1("baseline: BM25 only (store.lexical)", queries, bm25)
    top1("baseline: Index.search fused order", queries, fused)
    got = top1("CitationRetriever", queries, ours)
    rate = sum(g == rid for g, (rid, _, _) in zip(got, queries, strict=True)) / len(queries)

    misses = [(real, q, g) for g, (rid, real, q) in zip(got, queries, strict=True) if g != rid]
    for real, q, g in misses[: args.show]:
        found = index.get(g) if g else None
        print(f"  miss: {q!r}\n        real: {real!r}\n        got:  {found.title if found else None!r}")
    print(f"\nbar: >= {BAR:.0%} -> {'PASS' if rate >= BAR else 'FAIL'}")
    return 0 if rate >= BAR else 1


if __name__ == "__main__":
    sys.exit(main())
