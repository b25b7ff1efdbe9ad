"""Synthetic bibliographic records that look like the real ones, for 100k / 1M / 10M-record benchmarks.

    python -m bench.synth --n 1M --seed 0 --out /tmp/synth-1m.csl.jsonl.gz [--include-real] [--stats]

Why: citeproof's index and verifier must be measured at the size of real dumps (Crossref, DBLP,
OpenAlex hold 10^6-10^8 works), but the only real records available offline here are HALLMARK's
31,008 (corpus_dev + corpus_distractors_dev) and 352 Crossref items. This module fits a small
generative model on those records and streams any number of records that have the same shape, so
that index size, build time, query latency and the density of near neighbours can be measured at
scale. With `--include-real` the 31,008 real records are written first, unchanged, so that the
benchmark citations (which are about real works) are findable among synthetic neighbours.

What is modelled, and from which data (all of it fitted deterministically; sampling is seeded):

* Metadata profile. Each synthetic record copies the profile of one real record drawn uniformly
  from the 31,360 real ones (HALLMARK corpus_dev + distractors + records/crossref_items.jsonl.gz):
  CSL `type`, `container-title`, year (and month where the real record has one), the number of
  authors, the title length in words, and which identifiers it carries. So venue, year, type and
  author-count frequencies are the real ones, and so are their correlations (arXiv preprints are
  mostly 2025-2026, 3,302-author reports are arXiv preprints). The 352 Crossref items add 211
  venues and the types that the ML-heavy HALLMARK set lacks (article-journal, chapter, book,
  dataset, report, ...), at their natural 1.1 % share.
* Titles. An order-2 Markov chain over title tokens (words, plus `:` `,` `;` `?` `!` split off as
  their own tokens), with start/end states, fitted on the 31,360 real titles. Tokens are
  lower-cased for fitting and rendered back in "Title Case" or "Sentence case" (chosen per title
  with the real share of each style) from each word's observed surface forms, so acronyms
  (BERT, 3D, GANs) keep their case. The length in words is the profile's real title length: the
  chain may end (where a real title ended after the same words) from 3 words before it, and must
  end at the first word after it that can end a real title; the two balance, so mean and median
  title length match the real ones (the spread is ~10 % wider). Variety comes from (a) backing
  off to the order-1 chain on 30 % of the steps (and after a substituted word) and (b) replacing
  8 % of the content words (8/length x 8 % in titles shorter than 8 words) by a word drawn from
  the whole real vocabulary (31.5k words, weights count^0.5, so rare words are used more than
  their frequency). Titles are then mostly distinct while their neighbours share long runs of
  words, as in real dumps; the duplicates that remain are mostly short titles (1-4 words), as in
  real dumps. Subtitles ("X: Y") come from the chain's `:` token, at the real rate. A title whose
  normalised form (lower-case, letters and digits only) equals a real title is regenerated, so a
  synthetic record never has the exact title of a real work (that would turn a correct benchmark
  citation into an ambiguous one, which is not what a scale benchmark should measure).
* Authors. Family and given names are drawn independently, frequency-weighted, from the 33.5k
  family and 36k given names of the 151k real author slots (so Wang and Zhang are as common as in
  the real data); a given name is absent for the real 0.1 % of slots.
* Identifiers. `id` is `synth-<n>` (n = 0, 1, ...). A record whose profile has a publisher DOI gets
  `DOI: 10.5555/synth.<n>`: 10.5555 is Crossref's test prefix, which is not used for real works, so
  these DOIs cannot collide with a real one. A record whose profile is an arXiv preprint gets an
  arXiv id in a dedicated synthetic range, `90MM.NNNNN` to `99MM.NNNNN` (syntactically valid
  new-style ids for 2090-2099, which arXiv cannot have issued): the k-th id is month k // 99999 of
  2090-01 .. 2099-12, number k % 99999 + 1, so 11,999,880 ids (enough for ~27M records). As in the
  real data it is carried as `DOI: 10.48550/arXiv.<id>` and `URL: https://arxiv.org/abs/<id>`.
  The id's month is not the record's issued month.

What is not modelled: abstracts, pages/volume/issue, publishers, non-arXiv URLs (the real dblp.org
URLs are dropped), real-world co-authorship (names are independent, so a family name and a given
name from different cultures meet, and no author has a body of work), topic coherence between
title and venue, and title-level semantics (titles are locally fluent, globally nonsense). Record
duplicates of one work (preprint + proceedings version) are not generated on purpose; the
duplicate titles that occur are chance collisions of short titles.

Measured (seed 0, Python 3.11, one core of a busy 2-core machine): fitting takes 1.5-2.5 s; 1M
records are written in 41 s (24k records/s; 119 MB gzipped; 245 MB peak RSS, which does not grow
with n). At 1M records 0.83 % of the titles repeat an earlier synthetic title (normalised); two
thirds of those repeats are titles of 1-4 words (46 % of the 1-word titles repeat, 0.02 % of those
of 9+ words). Among the first 31,360 synthetic records 0.06 % repeat, against 0.1 % among the
31,360 real ones. No synthetic title equals a real one (0.46 % of the drawn titles did and were
regenerated). `--stats` prints the full comparison: title length, subtitles, authors per record,
years, types, venues, DOI and arXiv shares are within a point of the real ones.

Library use: `generate(n, seed)` yields CSL-JSON dicts, `write(path, n, seed, include_real)` writes
gzipped CSL-JSON lines (what `citeproof.connectors.read_records(path, fmt="csl-json")` reads).
"""

from __future__ import annotations

import argparse
import functools
import gc
import gzip
import html
import json
import re
import statistics
import sys
import time
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate, chain
from pathlib import Path
from random import Random
from typing import Any, TextIO

import numpy as np

from citeproof.text import clean_text

__all__ = [
    "ARXIV_CAPACITY",
    "DEFAULT_CROSSREF",
    "DEFAULT_DATA",
    "DOI_PREFIX",
    "REAL_FILES",
    "Stats",
    "SynthModel",
    "fit",
    "generate",
    "load_model",
    "main",
    "real_records",
    "synthetic_arxiv_id",
    "write",
]

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "hallmark"
DEFAULT_CROSSREF = HERE.parent.parent / "shared" / "data" / "records" / "crossref_items.jsonl.gz"
REAL_FILES = ("corpus_dev.csl.jsonl.gz", "corpus_distractors_dev.csl.jsonl.gz")

DOI_PREFIX = "10.5555/synth."  # Crossref's test prefix: no real work has a 10.5555 DOI
_ARXIV_PER_MONTH = 99_999
ARXIV_CAPACITY = 120 * _ARXIV_PER_MONTH  # 2090-01 .. 2099-12

BACKOFF = 0.30  # share of steps that use the order-1 chain instead of the order-2 one
SUBSTITUTE = 0.08  # share of content words replaced by a word from the whole vocabulary ...
_SUBSTITUTE_WORDS = 8  # ... in a title of 8+ words; in a shorter one, 8 / length times as many
_OVERRUN = 8  # words past the target length after which a title is cut
_EARLY = 3  # words before the target length from which a title may end where a real one did
_RETRIES = 5  # regenerations of a title that equals a real one

_START, _END = 0, 1
_PUNCT = frozenset(":,;?!")
_STARTS = frozenset(":?!")  # a word after these is capitalised like the first word
_DANGLING = frozenset(":,;")  # not the last token of a title
_ALPHA = re.compile(r"[^\W\d_]")
# Words that Title Case leaves lower-case (and that are never substituted).
_SMALL = frozenset(
    "a an and as at but by for from in into nor of on onto or over per than the to up upon via vs vs. with".split()
)
_NORM = re.compile(r"[^0-9a-z]+")
_TAG = re.compile(r"<[^>]+>")
# Crossref work types -> CSL types, for the Crossref profiles.
_CROSSREF_TYPES = {
    "journal-article": "article-journal",
    "proceedings-article": "paper-conference",
    "book-chapter": "chapter",
    "posted-content": "article",
    "peer-review": "review",
    "dataset": "dataset",
    "monograph": "book",
    "book": "book",
    "edited-book": "book",
    "report": "report",
    "reference-entry": "entry",
    "component": "article",
}


def _norm_title(title: str) -> str:
    return _NORM.sub("", title.lower())


def synthetic_arxiv_id(k: int) -> str:
    """The k-th synthetic arXiv id: `9001.00001`, `9001.00002`, ..., `9912.99999`."""
    if not 0 <= k < ARXIV_CAPACITY:
        raise ValueError(f"synthetic arXiv id range exhausted ({ARXIV_CAPACITY:,} ids)")
    month, num = divmod(k, _ARXIV_PER_MONTH)
    return f"{90 + month // 12}{month % 12 + 1:02d}.{num + 1:05d}"


# ---------------------------------------------------------------------------------------------- data


def _crossref_as_csl(item: dict[str, Any]) -> dict[str, Any] | None:
    """A Crossref REST work item -> the CSL-JSON fields this module uses (None without a title)."""
    titles = item.get("title") or []
    title = " ".join(_TAG.sub("", html.unescape(titles[0] if isinstance(titles, list) else titles)).split())
    if not title:
        return None
    out: dict[str, Any] = {
        "id": item.get("DOI"),
        "type": _CROSSREF_TYPES.get(item.get("type", ""), "document"),
    }
    out["title"] = title
    out["author"] = [
        {"family": a.get("family") or a.get("name") or "", "given": a.get("given") or ""}
        for a in item.get("author") or []
    ]
    for key in ("issued", "published", "published-print", "published-online"):
        if isinstance(item.get(key), dict):
            out["issued"] = item[key]
            break
    venues = item.get("container-title") or []
    if venues:
        out["container-title"] = html.unescape(venues[0] if isinstance(venues, list) else venues)
    if item.get("DOI"):
        out["DOI"] = item["DOI"]
    return out


def real_records(
    data: Path = DEFAULT_DATA, crossref: Path | None = DEFAULT_CROSSREF
) -> Iterator[dict[str, Any]]:
    """The real CSL-JSON records the model is fitted on: HALLMARK's two dev corpora, then (when the
    file exists) the Crossref items converted to CSL fields."""
    for name in REAL_FILES:
        path = data / name
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found (the real records the generator is fitted on)")
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)
    if crossref is not None and crossref.is_file():
        with gzip.open(crossref, "rt", encoding="utf-8") as fh:
            for line in fh:
                rec = _crossref_as_csl(json.loads(line)) if line.strip() else None
                if rec is not None:
                    yield rec


def _date_parts(rec: dict[str, Any]) -> list[int]:
    try:
        parts = rec["issued"]["date-parts"][0]
        return [int(p) for p in parts[:2] if p not in (None, "")]
    except (KeyError, IndexError, TypeError, ValueError):
        return []


def _tokens(title: str) -> list[str]:
    """Whitespace words, with one trailing `:` `,` `;` `?` `!` split off as its own token."""
    out: list[str] = []
    for w in title.split():
        if len(w) > 1 and w[-1] in _PUNCT:
            out += (w[:-1], w[-1])
        else:
            out.append(w)
    return out


def _title_style(tokens: list[str]) -> int | None:
    """1 for Title Case, 0 for Sentence case, None when too short to tell."""
    cand = [
        t
        for i, t in enumerate(tokens)
        if i > 0 and tokens[i - 1] not in _STARTS and t[0].isalpha() and t.lower() not in _SMALL
    ]
    if len(cand) < 2:
        return None
    return int(sum(t[0].isupper() for t in cand) >= 0.7 * len(cand))


def _cap(s: str) -> str:
    """Capitalise a plain lower-case word; leave acronyms and mixed-case forms (iPhone) alone."""
    return s[:1].upper() + s[1:] if s == s.lower() else s


# --------------------------------------------------------------------------------------------- model

# A chain state: (the successor token ids of its real occurrences, one entry per occurrence, so that a
# uniform pick is a frequency-weighted one; how often the title ended there).
_Node = tuple[list[int], int]


class _Chain(dict[int, _Node]):
    """Markov chain states, built on first use from sorted transition counts keyed `state * v + next`
    (so fitting does not build the ~160k states of the order-2 chain; a run touches only some).
    `chain[state]` is the state's node, or None for a state never seen in the real titles."""

    def __init__(self, keys: np.ndarray, v: int) -> None:
        super().__init__()
        unique, counts = np.unique(keys, return_counts=True)  # sorted
        self.keys: list[int] = unique.tolist()
        self.counts: list[int] = counts.tolist()
        self.states: set[int] = set(np.unique(unique // v).tolist())
        self.v = v

    def __missing__(self, state: int) -> _Node | None:
        if state not in self.states:
            return None  # not stored, so that unseen states cost no memory
        keys, v = self.keys, self.v
        lo = bisect_left(keys, state * v)
        hi = bisect_left(keys, (state + 1) * v, lo)
        succ: list[int] = []
        end = 0
        for key, n in zip(keys[lo:hi], self.counts[lo:hi], strict=True):
            c = key - state * v
            if c == _END:
                end = n
            else:
                succ += [c] * n
        node = self[state] = (succ, end)
        return node


@dataclass
class _Profile:
    type: str | None
    venue: str | None
    date: list[int]
    n_authors: int
    title_words: int
    doi: bool  # a publisher DOI
    arxiv_doi: bool
    arxiv_url: str | None  # None, "" or "v1": an arxiv.org URL, with that version suffix


@dataclass
class SynthModel:
    """The fitted generator. Build it with `fit` (or the cached `load_model`); sample with `records`."""

    profiles: list[_Profile]
    vocab: list[str]  # lower-cased tokens; 0 and 1 are the start and end states
    order2: _Chain  # state a * len(vocab) + b
    order1: _Chain  # state b
    # Per style (0 Sentence case, 1 Title Case), each token's surface form as it is appended to a
    # title: words with a leading space, punctuation without; inside a title, and where it starts.
    forms: tuple[list[str], list[str]]
    initial_forms: tuple[list[str], list[str]]
    title_share: float  # share of real titles in Title Case
    kind: list[int]  # per token: 0 word, 1 content word (may be substituted), 2 `,;`, 3 `:?!`
    sub_ids: list[int]  # the words a content word can be replaced by, and their cumulative weights
    sub_cum: list[float]
    families: list[str]  # the family and the given name of every real author slot, in order
    givens: list[str]
    real_titles: set[str] = field(repr=False)  # normalised real titles, never generated

    # ------------------------------------------------------------------------------------ titles
    def _title(self, rnd: Any, target: int) -> str:
        """One title of about `target` words from the chain, in Title Case or Sentence case."""
        o1, o2, v, kind = self.order1, self.order2, len(self.vocab), self.kind
        sub_ids, sub_cum = self.sub_ids, self.sub_cum
        sub_total = sub_cum[-1]
        p_sub = SUBSTITUTE * max(1.0, _SUBSTITUTE_WORDS / max(1, target))
        style = 1 if rnd() < self.title_share else 0
        forms, initial = self.forms[style], self.initial_forms[style]
        parts: list[str] = []
        a = b = _START
        words = 0
        first = True  # the next word starts the title or a subtitle
        substituted = False
        while True:
            node = n1 = o1[b]
            if not substituted and rnd() >= BACKOFF:  # (a, substituted word) is rarely a real state
                n2 = o2[a * v + b]
                if n2 is not None:
                    node = n2
            succ, end = node
            if words >= target - _EARLY:
                if words >= target:  # end at the first word that can end a title
                    if end or n1[1] or words >= target + _OVERRUN:
                        break
                # 1-3 words early, at 1, 1, 1/2 x the real rate: balances the overrun above
                elif end and rnd() * (end + len(succ)) * (1 + (words < target - 2)) < end:
                    break
            if not succ:  # only END follows: try the order-1 state before giving up
                succ = n1[0]
                if not succ:
                    break
            c = succ[int(rnd() * len(succ))]
            k = kind[c]
            substituted = k == 1 and rnd() < p_sub
            if substituted:
                c = sub_ids[bisect_right(sub_cum, rnd() * sub_total)]
            if k >= 2:
                parts.append(forms[c])
                first = first or k == 3
            else:
                parts.append(initial[c] if first else forms[c])
                first = False
                words += 1
            a, b = b, c
        while parts and parts[-1] in _DANGLING:  # a title cut short after `:` or `,`
            parts.pop()
        return "".join(parts)[1:]

    def title(self, rnd: Any, target: int, retries: Counter[str] | None = None) -> str:
        """A title of about `target` words that is not (normalised) the title of a real record."""
        for _ in range(_RETRIES):
            t = self._title(rnd, target)
            if t and _norm_title(t) not in self.real_titles:
                return t
            if retries is not None:
                retries["real_title"] += 1
        return t or "Untitled"

    # ----------------------------------------------------------------------------------- records
    def records(self, n: int, seed: int = 0, retries: Counter[str] | None = None) -> Iterator[dict[str, Any]]:
        """`n` CSL-JSON dicts with ids synth-0 .. synth-(n-1); the same (n, seed) gives the same records.
        `retries`, when given, counts the titles regenerated because they equalled a real title."""
        rnd = Random(seed).random
        profiles, families, givens = self.profiles, self.families, self.givens
        n_profiles, n_families, n_givens = len(profiles), len(families), len(givens)
        title = self.title
        arxiv_k = 0
        for i in range(n):
            p = profiles[int(rnd() * n_profiles)]
            rec: dict[str, Any] = {"id": f"synth-{i}"}
            if p.type:
                rec["type"] = p.type
            rec["title"] = title(rnd, p.title_words, retries)
            if p.n_authors:
                authors = []
                for _ in range(p.n_authors):
                    g = givens[int(rnd() * n_givens)]
                    f = families[int(rnd() * n_families)]
                    authors.append({"family": f, "given": g} if g else {"family": f})
                rec["author"] = authors
            if p.date:
                rec["issued"] = {"date-parts": [list(p.date)]}
            if p.venue:
                rec["container-title"] = p.venue
            if p.arxiv_doi or p.arxiv_url is not None:
                aid = synthetic_arxiv_id(arxiv_k)
                arxiv_k += 1
                if p.arxiv_doi:
                    rec["DOI"] = f"10.48550/arXiv.{aid}"
                if p.arxiv_url is not None:
                    rec["URL"] = f"https://arxiv.org/abs/{aid}{p.arxiv_url}"
            elif p.doi:
                rec["DOI"] = f"{DOI_PREFIX}{i}"
            yield rec


def _most_common_by_id(pairs: Counter[tuple[int, str]]) -> dict[int, str]:
    """{token id: its most frequent surface form} from (id, form) counts; ties go to the form seen first."""
    best: dict[int, tuple[int, str]] = {}
    for (tid, form), c in pairs.items():
        if tid not in best or c > best[tid][0]:
            best[tid] = (c, form)
    return {tid: form for tid, (_, form) in best.items()}


def _plain(form: str) -> bool:
    """A plain word: lower-case, or capitalised only because of its position (`Towards`)."""
    return form[1:] == form[1:].lower()


def fit(records: Iterable[dict[str, Any]]) -> SynthModel:
    """Fit the generator on real CSL-JSON dicts (deterministic: counts only, in input order)."""
    index: dict[str, int] = {"<s>": _START, "</s>": _END}  # token -> id, in id order
    token_id = index.setdefault
    profiles: list[_Profile] = []
    seqs: list[list[int]] = []
    # (token id, surface form, where): where is -1 at the start of a title or subtitle, else the
    # title's style (0 Sentence case, 1 Title Case, None unknown).
    surfaces: list[tuple[int, str, int | None]] = []
    styles = Counter[int]()
    family_names: list[str] = []
    given_names: list[str] = []
    real_titles: set[str] = set()
    clean = functools.lru_cache(maxsize=None)(clean_text)  # names repeat
    for rec in records:
        raw = rec.get("title")
        raw = raw[0] if isinstance(raw, list) and raw else raw
        title = clean(raw) if isinstance(raw, str) else ""  # as the reader cleans it: no &apos;, $\epsilon$
        if not title:
            continue
        toks = _tokens(title)
        real_titles.update((_norm_title(title), _norm_title(raw)))
        style = _title_style(toks)
        if style is not None:
            styles[style] += 1
        seq = [token_id(t.lower(), len(index)) for t in toks]
        seqs.append(seq)
        surfaces += zip(seq, toks, [-1, *(-1 if t in _STARTS else style for t in toks[:-1])], strict=True)
        authors = rec.get("author") or []
        family_names += [clean(a.get("family") or a.get("literal") or "") or "Anonymous" for a in authors]
        given_names += [clean(a.get("given") or "") for a in authors]
        url = rec.get("URL") or ""
        doi = rec.get("DOI") or ""
        arxiv_url = None
        if "arxiv.org/" in url:
            arxiv_url = "v1" if re.search(r"v\d+$", url) else ""
        arxiv_doi = doi.lower().startswith("10.48550/")
        profiles.append(
            _Profile(
                type=rec.get("type"),
                venue=clean(rec.get("container-title") or "") or None,
                date=_date_parts(rec),
                n_authors=len(authors),
                title_words=len(title.split()),
                doi=bool(doi) and not arxiv_doi,
                arxiv_doi=arxiv_doi,
                arxiv_url=arxiv_url,
            )
        )
    if not profiles:
        raise ValueError("no real records with a title to fit on")
    vocab = list(index)

    v = len(vocab)
    # Transitions a b -> c as integer keys (a * v + b) * v + c, counted by numpy: every title is
    # padded as START START t1 .. tn END and the titles are concatenated.
    padded = np.fromiter(chain.from_iterable((_START, _START, *seq, _END) for seq in seqs), dtype=np.int64)
    nxt = padded[2:]
    keys = ((padded[:-2] * v + padded[1:-1]) * v + nxt)[nxt != _START]
    order2 = _Chain(keys, v)
    order1 = _Chain(keys % (v * v), v)
    substitutable = [
        i > _END and t not in _PUNCT and t not in _SMALL and bool(_ALPHA.search(t))
        for i, t in enumerate(vocab)
    ]
    occurrences = np.bincount(padded, minlength=v).tolist()
    content = {c: n for c, n in enumerate(occurrences) if substitutable[c] and n}

    form_counts = Counter(surfaces)
    inner: tuple[Counter[tuple[int, str]], Counter[tuple[int, str]]] = (Counter(), Counter())
    anywhere: Counter[tuple[int, str]] = Counter()
    initial: Counter[tuple[int, str]] = Counter()
    for (tid, form, where), count in form_counts.items():
        if where == -1:
            initial[tid, form] += count
        else:
            anywhere[tid, form] += count
            if where is not None:
                inner[where][tid, form] += count
    sent_of, title_of = _most_common_by_id(inner[0]), _most_common_by_id(inner[1])
    any_of, initial_of = _most_common_by_id(anywhere), _most_common_by_id(initial)
    sent_forms, title_forms = ["<s>", "</s>"], ["<s>", "</s>"]
    for tid in range(2, v):
        key = vocab[tid]
        seen = any_of.get(tid) or initial_of[tid]
        sent = sent_of.get(tid) or (key if _plain(seen) else seen)  # keep acronyms, mixed case
        title_form = title_of.get(tid)
        if title_form is None:
            if sent == key and key not in _SMALL:
                title_form = "-".join(_cap(p) for p in key.split("-"))
            else:
                title_form = sent
        sent_forms.append(sent)
        title_forms.append(title_form)

    kind = [(3 if t in _STARTS else 2) if t in _PUNCT else int(substitutable[i]) for i, t in enumerate(vocab)]

    def spaced(forms: list[str]) -> list[str]:
        return [f if kind[i] >= 2 else " " + f for i, f in enumerate(forms)]

    sub_ids = list(content)
    return SynthModel(
        profiles=profiles,
        vocab=vocab,
        order2=order2,
        order1=order1,
        forms=(spaced(sent_forms), spaced(title_forms)),
        initial_forms=(spaced([_cap(f) for f in sent_forms]), spaced([_cap(f) for f in title_forms])),
        title_share=styles[1] / max(1, styles[0] + styles[1]),
        kind=kind,
        sub_ids=sub_ids,
        sub_cum=list(accumulate(content[t] ** 0.5 for t in sub_ids)),
        families=family_names,
        givens=given_names,
        real_titles=real_titles,
    )


def load_model(data: Path = DEFAULT_DATA, crossref: Path | None = DEFAULT_CROSSREF) -> SynthModel:
    """The model fitted on the real records under `data` (and `crossref`), fitted once per process."""
    return _load_model(Path(data).resolve(), Path(crossref).resolve() if crossref is not None else None)


@functools.lru_cache(maxsize=4)
def _load_model(data: Path, crossref: Path | None) -> SynthModel:
    # The fit makes ~10^6 small objects that all live on: the cyclic GC would rescan them many times
    # over (half of the fitting time) and can free none of them.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return fit(real_records(data, crossref))
    finally:
        if enabled:
            gc.enable()


def generate(n: int, seed: int = 0, model: SynthModel | None = None) -> Iterator[dict[str, Any]]:
    """`n` synthetic CSL-JSON records (dicts), ids synth-0 .. synth-(n-1), reproducible from `seed`."""
    return (model or load_model()).records(n, seed)


# --------------------------------------------------------------------------------------------- stats


@dataclass
class Stats:
    """Distribution summary of a stream of CSL-JSON records, for synthetic-vs-real comparison."""

    real_titles: set[str] = field(default_factory=set, repr=False)
    count: int = 0
    title_words: Counter[int] = field(default_factory=Counter)
    authors: Counter[int] = field(default_factory=Counter)
    years: Counter[int] = field(default_factory=Counter)
    types: Counter[str] = field(default_factory=Counter)
    venues: Counter[str] = field(default_factory=Counter)
    with_doi: int = 0
    with_arxiv: int = 0
    subtitles: int = 0
    equal_real: int = 0
    duplicate_titles: int = 0
    checkpoint: int = 0  # also count the duplicate titles among the first `checkpoint` records
    duplicates_at_checkpoint: int = 0
    _seen: set[int] = field(default_factory=set, repr=False)  # hashes of normalised titles

    def add(self, rec: dict[str, Any]) -> None:
        self.count += 1
        title = rec.get("title") or ""
        self.title_words[len(title.split())] += 1
        self.subtitles += ":" in title
        key = _norm_title(title)
        self.equal_real += key in self.real_titles
        h = hash(key)
        if h in self._seen:
            self.duplicate_titles += 1
        else:
            self._seen.add(h)
        if self.count == self.checkpoint:
            self.duplicates_at_checkpoint = self.duplicate_titles
        self.authors[len(rec.get("author") or [])] += 1
        parts = _date_parts(rec)
        if parts:
            self.years[parts[0]] += 1
        self.types[rec.get("type") or "-"] += 1
        self.venues[rec.get("container-title") or "-"] += 1
        doi = rec.get("DOI") or ""
        self.with_doi += bool(doi)
        self.with_arxiv += doi.lower().startswith("10.48550/") or "arxiv.org/" in (rec.get("URL") or "")

    def summary(self) -> dict[str, str]:
        n = max(1, self.count)

        def dist(c: Counter[int]) -> tuple[float, float, int, int]:
            values = sorted(c.elements())
            return (
                statistics.fmean(values),
                statistics.median(values),
                values[int(0.99 * (len(values) - 1))],
                values[-1],
            )

        tw, au = dist(self.title_words), dist(self.authors)
        ys = sorted(self.years.elements())
        buckets = [
            (0, 1999),
            (2000, 2009),
            (2010, 2014),
            (2015, 2019),
            (2020, 2022),
            (2023, 2024),
            (2025, 2025),
            (2026, 9999),
        ]
        hist = " ".join(
            f"{sum(v for y, v in self.years.items() if lo <= y <= hi) / n:.0%}" for lo, hi in buckets
        )
        top_n = self.venues.most_common(1)[0][1]
        return {
            "records": f"{self.count:,}",
            "title words: mean / median / p99 / max": "{:.2f} / {:g} / {} / {}".format(*tw),
            "titles with a subtitle (':')": f"{self.subtitles / n:.1%}",
            "authors: mean / median / p99 / max": "{:.2f} / {:g} / {} / {}".format(*au),
            "year: min / median / max": f"{ys[0]} / {statistics.median(ys):g} / {ys[-1]}" if ys else "-",
            "year: <2000 00-09 10-14 15-19 20-22 23-24 25 26": hist,
            "type: paper-conference / article / other": " / ".join(
                f"{c / n:.1%}"
                for c in (
                    self.types["paper-conference"],
                    self.types["article"],
                    self.count - self.types["paper-conference"] - self.types["article"],
                )
            ),
            "venues: distinct; share of the top one (arXiv)": f"{len(self.venues):,}; {top_n / n:.1%}",
            "with a DOI": f"{self.with_doi / n:.1%}",
            "with an arXiv id": f"{self.with_arxiv / n:.1%}",
            "duplicate titles (normalised), all records": f"{self.duplicate_titles / n:.3%}",
            f"duplicate titles in the first {self.checkpoint:,} records": (
                f"{self.duplicates_at_checkpoint / self.checkpoint:.3%}"
                if self.count >= self.checkpoint > 0
                else "-"
            ),
            "titles equal to a real title": f"{self.equal_real / n:.4%}" if self.real_titles else "-",
        }


def _print_comparison(synth: Stats, real: Stats, retries: int, out: TextIO = sys.stdout) -> None:
    s, r = synth.summary(), real.summary()
    r["titles equal to a real title"] = "-"
    w0, w1, w2 = (max(len(x) for x in col) for col in (s, s.values(), r.values()))
    print(f"{'':{w0}}  {'synthetic':>{w1}}  {'real':>{w2}}", file=out)
    for k in s:
        print(f"{k:{w0}}  {s[k]:>{w1}}  {r[k]:>{w2}}", file=out)
    print(
        f"(titles regenerated because they equalled a real title: {retries / max(1, synth.count):.3%})",
        file=out,
    )


# --------------------------------------------------------------------------------------------- write


def write(
    path: Path | str | None,
    n: int,
    seed: int = 0,
    include_real: bool = False,
    *,
    data: Path = DEFAULT_DATA,
    stats: Stats | None = None,
    retries: Counter[str] | None = None,
) -> int:
    """Write `n` synthetic records (after HALLMARK's 31,008 real ones, unchanged, if `include_real`) to
    `path` as gzipped CSL-JSON lines, streaming; returns the number of records written. `path=None`
    generates without writing (timing, stats). `stats` is fed the synthetic records only."""
    model = load_model(data)
    fh: TextIO | None = gzip.open(path, "wt", encoding="utf-8", compresslevel=1) if path is not None else None
    written = 0
    try:
        if include_real:
            for name in REAL_FILES:
                with gzip.open(data / name, "rt", encoding="utf-8") as real:
                    for line in real:
                        if line.strip():
                            if fh is not None:
                                fh.write(line if line.endswith("\n") else line + "\n")
                            written += 1
        buf: list[str] = []
        dumps = json.JSONEncoder(ensure_ascii=False).encode
        for rec in model.records(n, seed, retries):
            if stats is not None:
                stats.add(rec)
            buf.append(dumps(rec))
            if len(buf) >= 4096:
                if fh is not None:
                    fh.write("\n".join(buf) + "\n")
                written += len(buf)
                buf.clear()
        if buf and fh is not None:
            fh.write("\n".join(buf) + "\n")
        written += len(buf)
    finally:
        if fh is not None:
            fh.close()
    return written


def _count(s: str) -> int:
    s = s.strip().replace("_", "").replace(",", "")
    mult = {"k": 10**3, "m": 10**6}.get(s[-1:].lower(), 1)
    return int(float(s[:-1] if mult > 1 else s) * mult)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=_count, default=100_000, help="synthetic records (100000, 100k, 1M, 10M)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, help="output .csl.jsonl.gz (omit to only generate: timing, --stats)")
    ap.add_argument(
        "--include-real", action="store_true", help="write the 31,008 real HALLMARK records first"
    )
    ap.add_argument("--stats", action="store_true", help="compare the synthetic records with the real ones")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="HALLMARK data directory")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    model = load_model(args.data)
    t_fit = time.perf_counter() - t0
    stats = Stats(real_titles=model.real_titles, checkpoint=len(model.profiles)) if args.stats else None
    retries = Counter[str]()
    t0 = time.perf_counter()
    written = write(
        args.out, args.n, args.seed, args.include_real, data=args.data, stats=stats, retries=retries
    )
    dt = time.perf_counter() - t0
    where = f"to {args.out}" if args.out else "(not written)"
    notes = [f"model fitted in {t_fit:.1f}s"]
    notes += ["the time includes copying the real records"] if args.include_real else []
    notes += ["stats slow the run"] if stats else []
    rate = args.n / max(dt, 1e-9)
    print(
        f"{written:,} records {where}: {args.n:,} synthetic in {dt:.1f}s = {rate:,.0f} records/s ({'; '.join(notes)})",
        file=sys.stderr,
    )
    if stats is not None:
        real = Stats(checkpoint=len(model.profiles))  # all of them: duplicates compare at equal size
        for rec in real_records(args.data):
            real.add(rec)
        _print_comparison(stats, real, retries["real_title"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
