"""Render the HALLMARK dev entries as LLM-style answers in many citation styles, with gold spans.

The dev answers (shared/data/hallmark/answers_dev.jsonl.gz) use a handful of formats; this builds a
second dev set in the styles an LLM is asked for: MLA, Chicago (author-date and notes), Harvard,
Vancouver, IEEE, ACM, Nature, APA with italics, prose ('"Title" by A and B (Venue, 2021)',
'In *Title* (2020), Smith and colleagues show ...'), markdown tables whose rows are works, BibTeX in
code fences, and inline author-year mentions or numeric markers with a reference list at the end.
Each answer mixes several entries with prose, headings, a code block that is not BibTeX and
sentences with years that cite nothing.

Each line of the output is `{id, style, text, citations, mentions}`:
* `citations`: `{start, end, key, label, type, orig}` as in answers_dev.jsonl, one per cited work (a
  reference-list entry, a table row, a BibTeX entry, a prose citation). A work cited only by an
  in-text author-year mention with no entry in the list is a citation too, marked `"mention": true`
  (it states no title).
* `mentions`: `{start, end, key}` of the in-text mentions that point to an entry of the answer's own
  reference list ('Smith et al. (2020)', '(Smith & Lee, 2019)', the '3' of '[3]', the '5-7' of
  '[2, 5-7]'); they are not citations of their own.

Usage: `python bench/make_styles.py [--data DIR] [--out PATH] [--per-style N] [--seed S]`.
Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from citeproof.text import clean_text

__all__ = ["STYLES", "Entry", "build", "main"]

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "hallmark"
DEFAULT_OUT = HERE / "data" / "answers_styles.jsonl.gz"

# --- entries and names ---------------------------------------------------------------------------

_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "dos", "das", "la", "le", "ten", "ter"}


@dataclass
class Entry:
    key: str
    label: str
    type: str | None
    orig: str | None
    kind: str  # inproceedings / article
    title: str
    names: list[tuple[str, str]]  # (given, family)
    others: bool  # the BibTeX list ended with "and others"
    year: str
    venue: str | None
    doi: str | None
    url: str | None

    def gold(self, start: int, end: int) -> dict[str, Any]:
        return {"start": start, "end": end, "key": self.key, "label": self.label, "type": self.type, "orig": self.orig}


def _split_name(name: str) -> tuple[str, str] | None:
    """BibTeX 'First von Last' or 'Last, First' -> (given, family)."""
    n = clean_text(name).strip(" ,")
    if not n:
        return None
    if "," in n:
        family, _, given = n.partition(",")
        return given.strip(), family.strip()
    toks = n.split()
    if len(toks) == 1:
        return "", toks[0]
    if all(re.fullmatch(r"[A-Z]\.", t) for t in toks[1:]):  # "Mallikarjun B. R.": family first, as written
        return " ".join(toks[1:]), toks[0]
    i = len(toks) - 1
    while i > 1 and toks[i - 1] in _PARTICLES:
        i -= 1
    return " ".join(toks[:i]), " ".join(toks[i:])


def load_entries(data: Path) -> list[Entry]:
    labels = {}
    with (data / "dev_public.labels.jsonl").open(encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            labels[d["key"]] = d.get("original_id")
    out = []
    with (data / "dev_public.jsonl").open(encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            fl = d["fields"]
            raw = [p for p in re.split(r"\s+and\s+", fl.get("author", "")) if p.strip()]
            if len(raw) == 1 and all(" " in p.strip() for p in raw[0].split(",")):
                raw = raw[0].split(",")  # "Emma Johnson, Hiroshi Tanaka, Maria Gonzalez"
            if raw and re.search(r"\s+et\s+al\.?$", raw[-1]):  # "David Jones et al"
                raw[-1] = re.sub(r"\s+et\s+al\.?$", "", raw[-1])
                raw.append("others")
            etal = {"others", "et al", "et al."}
            others = any(p.strip().lower() in etal for p in raw)
            names = [nm for p in raw if p.strip().lower() not in etal for nm in [_split_name(p)] if nm]
            venue = fl.get("booktitle") or fl.get("journal")
            out.append(
                Entry(
                    key=d["bibtex_key"], label=d["label"], type=d.get("hallucination_type"), orig=labels.get(d["bibtex_key"]),
                    kind=d.get("bibtex_type", "inproceedings"), title=clean_text(fl["title"]), names=names, others=others,
                    year=fl["year"].strip(), venue=clean_text(venue) if venue else None, doi=fl.get("doi"), url=fl.get("url"),
                )
            )
    return out


def initials(given: str, dots: bool = True, space: bool = True) -> str:
    """'Aidan N.' -> 'A. N.' (or 'AN'); 'Jean-Christophe' -> 'J.-C.' (or 'JC')."""
    parts = []
    for word in given.replace(".", ". ").split():
        subs = [s for s in word.split("-") if s.strip(".")]
        if not subs:
            continue
        if dots:
            parts.append("-".join(s[0].upper() + "." for s in subs))
        else:
            parts.append("".join(s[0].upper() for s in subs))
    return (" " if space and dots else "").join(parts)


def full(n: tuple[str, str]) -> str:
    return f"{n[0]} {n[1]}".strip()


def inverted(n: tuple[str, str]) -> str:
    return f"{n[1]}, {n[0]}" if n[0] else n[1]


def init_inv(n: tuple[str, str]) -> str:  # "Vaswani, A. N."
    i = initials(n[0])
    return f"{n[1]}, {i}" if i else n[1]


def init_first(n: tuple[str, str]) -> str:  # "A. N. Vaswani"
    i = initials(n[0])
    return f"{i} {n[1]}" if i else n[1]


def join(items: list[str], sep: str = ", ", last: str = ", and ", pair: str = " and ") -> str:
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return items[0] + pair + items[1]
    return sep.join(items[:-1]) + last + items[-1]


# --- venues and titles -----------------------------------------------------------------------------

_LONG = {
    "ICLR": "International Conference on Learning Representations",
    "ICML": "International Conference on Machine Learning",
    "NeurIPS": "Advances in Neural Information Processing Systems",
    "CVPR": "IEEE/CVF Conference on Computer Vision and Pattern Recognition",
    "AAAI": "AAAI Conference on Artificial Intelligence",
    "ACL": "Annual Meeting of the Association for Computational Linguistics",
    "EMNLP": "Conference on Empirical Methods in Natural Language Processing",
    "ECCV": "European Conference on Computer Vision",
    "ICCV": "IEEE/CVF International Conference on Computer Vision",
    "KDD": "ACM SIGKDD Conference on Knowledge Discovery and Data Mining",
    "IJCAI": "International Joint Conference on Artificial Intelligence",
    "AISTATS": "International Conference on Artificial Intelligence and Statistics",
    "UAI": "Conference on Uncertainty in Artificial Intelligence",
    "COLT": "Conference on Learning Theory",
    "NAACL": "Conference of the North American Chapter of the Association for Computational Linguistics",
    "WWW": "ACM Web Conference",
    "SIGIR": "International ACM SIGIR Conference on Research and Development in Information Retrieval",
}
_NO_DOT_ABBR = {"Mach. Learn.": "Mach Learn", "J. Mach. Learn. Res.": "J Mach Learn Res", "Trans. Mach. Learn. Res.": "Trans Mach Learn Res"}
_KEEP_CASE_RE = re.compile(r"[A-Z].*[A-Z]|\d|^[A-Z]$")  # acronyms, CamelCase, "GPT-4", "I"


def sentence_case(title: str) -> str:
    """'Attention Is All You Need: A Study' -> 'Attention is all you need: A study'."""
    out, first = [], True
    for w in title.split(" "):
        if first or _KEEP_CASE_RE.search(w[1:] if w[:1].isupper() else w) or not w[:1].isupper():
            out.append(w)
        else:
            out.append(w[0].lower() + w[1:] if not _KEEP_CASE_RE.search(w) else w)
        first = w.endswith(":") or w.endswith("?")
    return " ".join(out)


def long_venue(e: Entry, rng: random.Random, proceedings: bool = True) -> str | None:
    v = e.venue
    if not v:
        return None
    if v in _LONG and rng.random() < 0.5:
        name = _LONG[v]
        if proceedings and e.kind == "inproceedings" and not name.startswith("Advances") and rng.random() < 0.6:
            name = "Proceedings of the " + name
        if rng.random() < 0.3:
            name += f" ({v})"
        return name
    return v


def _pages(rng: random.Random) -> str:
    a = rng.randint(1, 9000)
    return f"{a}–{a + rng.randint(5, 20)}"


def doi_url(e: Entry) -> str | None:
    return f"https://doi.org/{e.doi}" if e.doi else e.url


# --- answer builder --------------------------------------------------------------------------------


@dataclass
class Answer:
    style: str
    parts: list[str] = field(default_factory=list)
    size: int = 0
    citations: list[dict[str, Any]] = field(default_factory=list)
    mentions: list[dict[str, Any]] = field(default_factory=list)

    def add(self, s: str) -> None:
        self.parts.append(s)
        self.size += len(s)

    def cite(self, s: str, e: Entry, **extra: Any) -> None:
        self.citations.append({**e.gold(self.size, self.size + len(s)), **extra})
        self.add(s)

    def mention(self, s: str, keys: list[str]) -> None:
        for k in keys:
            self.mentions.append({"start": self.size, "end": self.size + len(s), "key": k})
        self.add(s)

    def text(self) -> str:
        return "".join(self.parts)


TOPICS = [
    "test-time adaptation", "federated learning", "graph neural networks", "offline reinforcement learning",
    "diffusion models", "vision transformers", "model compression", "out-of-distribution generalization",
    "language model alignment", "neural scaling laws", "differentiable simulation", "causal representation learning",
    "few-shot learning", "contrastive self-supervised learning", "robustness certification", "neural operators",
]
INTROS = [
    "Here is an overview of the literature on {t}.",
    "Sure! Below are some influential papers on {t}, grouped roughly by theme.",
    "Good question. Research on {t} has moved quickly, so here is a curated list.",
    "Below is a short reading list on {t} with a sentence on each paper.",
    "Here are the key references I would start with for {t}:",
]
OUTROS = [
    "Let me know if you want BibTeX entries for any of these.",
    "I hope this helps; I can expand on any of these papers if you like.",
    "These should give you a solid overview of the area.",
    "Note: please double-check the details against the publishers' pages before citing.",
]
HEADINGS = ["## Background", "### Key papers", "## Further reading", "**Core references**", "### Recent work (2020–2024)", "## Summary"]
YEAR_SENTENCES = [
    "Since 2017, attention-based architectures have dominated most benchmarks in this area.",
    "Between 2019 and 2022 the number of workshop submissions on {t} roughly doubled.",
    "The 2023 edition of the benchmark added 1,200 new tasks and a held-out test split.",
    "Version 2.1 of the reference implementation (released in March 2022) added multi-GPU support.",
    "In 2020, many groups moved from supervised pretraining to self-supervised objectives.",
    "Accuracy on the standard split improved from 76.1% in 2018 to 88.5% in 2023.",
    "By 2021 most open-source toolkits for {t} supported mixed precision out of the box.",
    "Interest spiked again in late 2022, after several strong results (see the discussion below).",
]
YEAR_SENTENCES += [
    'The term "foundation model" (coined in 2021) is now standard in this area.',
    "PyTorch (released in 2016) and JAX (2018) are the frameworks most papers use.",
    "Most results below were obtained on ImageNet-1k (the 2012 release), see Table 2 (p. 7) of each paper.",
    "In Section 3 (2021 results) we compare three baselines; all code is MIT-licensed.",
]
BULLET_NOISE = [
    "- **Scalability**: training cost grew roughly 10x between 2018 and 2020.",
    "- **Evaluation**: most papers after 2021 report results on at least three datasets.",
    "- **Open problems**: reproducibility, compute cost (often 1,000+ GPU hours), and fair baselines.",
    "1. Install the toolkit with Python 3.10 or newer.\n2. Download the 2022 release of the dataset.",
]
CODE_BLOCKS = [
    "```python\nimport torch\n\nmodel = torch.hub.load(\"pytorch/vision\", \"resnet50\", weights=\"IMAGENET1K_V2\")\n"
    "for year in range(2015, 2024):\n    print(f\"results for {year}:\", evaluate(model, split=\"val\"))\n```",
    "```bash\npip install transformers==4.38.0 datasets\npython train.py --epochs 90 --seed 2021 --lr 3e-4\n```",
    "```python\n# Baseline from the 2019 paper, re-implemented\ndef loss_fn(logits, labels, temperature=0.07):\n"
    "    return F.cross_entropy(logits / temperature, labels)  # see Section 3.2\n```",
    "```json\n{\"dataset\": \"imagenet-2012\", \"year\": 2012, \"classes\": 1000, \"split\": \"val\"}\n```",
]
NUM_SENTENCES = [
    ("Early work on this problem", " focused on small, curated datasets."),
    ("Several approaches", " rely on pseudo-labels from a teacher model."),
    ("The idea was later extended to the multi-task setting", "."),
    ("Benchmarks for this setting", " differ mainly in their evaluation protocol."),
    ("Theoretical analyses", " explain when the standard recipe fails."),
    ("Strong results with much smaller models have also been reported", ", although the gains vary."),
]
PHRASES = [
    "proposed a simple and effective method for this problem",
    "introduced a benchmark that is now widely used",
    "studied the problem from a theoretical angle",
    "showed strong results with a much smaller model",
    "analysed when and why the standard approach fails",
    "extended this line of work to the multi-task setting",
]


def _noise(a: Answer, rng: random.Random, topic: str, code: bool = True) -> None:
    """A paragraph that cites nothing: a sentence with years, a non-citation bullet, or a code block."""
    r = rng.random()
    if code and r < 0.3:
        a.add(rng.choice(CODE_BLOCKS) + "\n\n")
    elif r < 0.55:
        a.add(rng.choice(BULLET_NOISE) + "\n\n")
    else:
        a.add(rng.choice(YEAR_SENTENCES).format(t=topic) + "\n\n")


def _start(a: Answer, rng: random.Random, topic: str) -> None:
    a.add(rng.choice(INTROS).format(t=topic) + "\n\n")
    if rng.random() < 0.6:
        _noise(a, rng, topic)
    if rng.random() < 0.5:
        a.add(rng.choice(HEADINGS) + "\n\n")


def _end(a: Answer, rng: random.Random, topic: str) -> None:
    if rng.random() < 0.5:
        _noise(a, rng, topic)
    a.add(rng.choice(OUTROS))


# --- reference styles: one entry -> one string -------------------------------------------------------


def mla(e: Entry, rng: random.Random) -> str:
    n = e.names
    if len(n) == 1:
        names = inverted(n[0])
    elif len(n) == 2 and not e.others:
        names = f"{inverted(n[0])}, and {full(n[1])}"
    else:
        names = f"{inverted(n[0])}, et al"
    v = long_venue(e, rng)
    s = f"{names}. \"{e.title}.\""
    if v:
        s += f" *{v}*, {e.year}"
    else:
        s += f" {e.year}"
    if e.kind == "article" and rng.random() < 0.5:
        s += f", pp. {_pages(rng)}"
    if doi_url(e) and rng.random() < 0.5:
        s += f", {doi_url(e)}"
    return s + "."


def _chicago_names(e: Entry) -> str:
    n = e.names
    if len(n) > 10:
        return ", ".join([inverted(n[0])] + [full(x) for x in n[1:7]]) + ", et al."
    items = [inverted(n[0])] + [full(x) for x in n[1:]]
    s = join(items) if len(items) != 2 else f"{items[0]}, and {items[1]}"
    if e.others:
        s += ", et al."
    return s if s.endswith(".") else s + "."


def chicago_ad(e: Entry, rng: random.Random) -> str:
    v = long_venue(e, rng)
    s = f"{_chicago_names(e)} {e.year}. \"{e.title}.\""
    if v:
        s += f" *{v}*" if e.kind == "article" else f" In *{v}*"
        if e.kind == "article" and rng.random() < 0.6:
            s += f" {rng.randint(1, 40)} ({rng.randint(1, 12)}): {_pages(rng)}"
        s += "."
    if doi_url(e) and rng.random() < 0.5:
        s += f" {doi_url(e)}."
    return s


def chicago_note(e: Entry, rng: random.Random) -> str:
    n = e.names
    names = full(n[0]) + " et al." if len(n) > 3 or e.others else join([full(x) for x in n])
    v = long_venue(e, rng)
    s = f"{names}, \"{e.title},\""
    if v:
        s += f" *{v}*" if e.kind == "article" else f" in *{v}*"
    s += f" ({e.year})" if rng.random() < 0.7 else f" ({rng.choice(['Curran Associates', 'PMLR', 'IEEE', 'AAAI Press'])}, {e.year})"
    if rng.random() < 0.4:
        s += f", {rng.randint(1, 9000)}"
    if doi_url(e) and rng.random() < 0.4:
        s += f", {doi_url(e)}"
    return s + "."


def harvard(e: Entry, rng: random.Random) -> str:
    n = e.names
    if len(n) > 3 or (e.others and len(n) > 1):
        names = f"{init_inv(n[0])} et al."
    else:
        names = join([init_inv(x) for x in n], last=" and ")
    title = e.title if rng.random() < 0.5 else sentence_case(e.title)
    v = long_venue(e, rng)
    if rng.random() < 0.5:
        s = f"{names} ({e.year}) {title}."
        if v:
            s += f" {v}." if rng.random() < 0.5 else f" In: *{v}*."
    else:
        s = f"{names} ({e.year}) '{title}'"
        s += f", *{v}*." if v else "."
    if e.kind == "article" and v:
        s = s[:-1] + f", {rng.randint(1, 40)}({rng.randint(1, 12)}), pp. {_pages(rng)}."
    if doi_url(e) and rng.random() < 0.5:
        s += f" doi:{e.doi}." if e.doi and rng.random() < 0.5 else f" Available at: {doi_url(e)}."
    return s


def vancouver(e: Entry, rng: random.Random) -> str:
    n = e.names
    items = [f"{x[1]} {initials(x[0], dots=False)}".strip() for x in n[:6]]
    names = ", ".join(items) + (", et al." if len(n) > 6 or e.others else ".")
    title = sentence_case(e.title)
    v = e.venue
    if e.kind == "article" and v:
        s = f"{names} {title}. {_NO_DOT_ABBR.get(v, v)}. {e.year};{rng.randint(1, 40)}({rng.randint(1, 12)}):{rng.randint(1, 900)}-{rng.randint(1, 99)}."
    elif v:
        s = f"{names} {title}. In: {long_venue(e, rng)}; {e.year}." if rng.random() < 0.6 else f"{names} {title}. Paper presented at: {v} {e.year}."
    else:
        s = f"{names} {title}. {e.year}."
    if e.doi and rng.random() < 0.5:
        s += f" doi:{e.doi}"
    return s


def ieee(e: Entry, rng: random.Random) -> str:
    n = e.names
    names = f"{init_first(n[0])} *et al.*" if len(n) > 6 or (e.others and rng.random() < 0.5) else join([init_first(x) for x in n])
    if e.others and "et al" not in names:
        names += ", et al."
    v = e.venue
    s = f"{names}, \"{e.title},\""
    if e.kind == "article" and v:
        s += f" *{v}*, vol. {rng.randint(1, 40)}, no. {rng.randint(1, 12)}, pp. {_pages(rng).replace('–', '-')}, {e.year}."
    elif v:
        s += f" in *Proc. {v}*, {e.year}" if v in _LONG and rng.random() < 0.5 else f" in *{long_venue(e, rng)}*, {e.year}"
        s += f", pp. {_pages(rng)}." if rng.random() < 0.5 else "."
    else:
        s += f" {e.year}."
    if e.doi and rng.random() < 0.5:
        s += f" doi: {e.doi}."
    return s


def acm(e: Entry, rng: random.Random) -> str:
    n = e.names
    names = join([full(x) for x in n]) + (" et al" if e.others else "")
    v = e.venue
    s = f"{names}. {e.year}. {e.title}."
    if e.kind == "article" and v:
        s += f" *{v}* {rng.randint(1, 40)}, {rng.randint(1, 12)} ({e.year}), {_pages(rng)}."
    elif v:
        lv = long_venue(e, rng)
        s += f" In *{lv}*" + (f" ({v} '{e.year[2:]})" if lv != v and rng.random() < 0.5 else "") + "."
        if rng.random() < 0.4:
            s += f" {_pages(rng)}."
    if doi_url(e) and rng.random() < 0.6:
        s += f" {doi_url(e)}"
    return s


def nature(e: Entry, rng: random.Random) -> str:
    n = e.names
    if len(n) > 5 or e.others:
        names = f"{init_inv(n[0])} et al."
    else:
        items = [init_inv(x) for x in n]
        names = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " & " + items[-1]
    if rng.random() < 0.25:
        names = names.replace("et al.", "*et al.*")
    title = sentence_case(e.title) if rng.random() < 0.6 else e.title
    v = e.venue
    s = f"{names} {title}."
    if e.kind == "article" and v:
        s += f" *{v}* **{rng.randint(1, 600)}**, {_pages(rng)} ({e.year})."
    elif v:
        s += f" in *Proc. {v}* ({e.year})." if rng.random() < 0.5 else f" In *{long_venue(e, rng)}* ({e.year})."
    else:
        s += f" Preprint at {doi_url(e)} ({e.year})." if doi_url(e) else f" ({e.year})."
    return s


def apa(e: Entry, rng: random.Random, italic_title: bool | None = None) -> str:
    n = e.names
    items = [init_inv(x) for x in n[:20]]
    names = items[0] if len(items) == 1 else ", ".join(items[:-1]) + ", & " + items[-1]
    if e.others:
        names = ", ".join(items) + ", et al."
    names = names if names.endswith(".") else names + "."
    title = e.title if rng.random() < 0.5 else sentence_case(e.title)
    v = long_venue(e, rng)
    italic_title = rng.random() < 0.5 if italic_title is None else italic_title
    if italic_title:
        s = f"{names} ({e.year}). *{title}*."
        if v:
            s += f" {v}." if rng.random() < 0.5 else f" Paper presented at {v}."
    else:
        s = f"{names} ({e.year}). {title}."
        if v:
            s += f" *{v}*" + (f", *{rng.randint(1, 40)}*({rng.randint(1, 12)}), {_pages(rng)}" if e.kind == "article" else "") + "."
            if e.kind != "article" and rng.random() < 0.3:
                s = s.replace(f" *{v}*.", f" In *{v}* (pp. {_pages(rng)}).")
    if doi_url(e) and rng.random() < 0.5:
        s += f" {doi_url(e)}"
    return s


# --- answers --------------------------------------------------------------------------------------


def _wrap_point(ref: str) -> int | None:
    """Where an LLM would break a long entry: before its DOI/URL, or before 'In'/the venue."""
    for pat in (r"\s(?=https?://|doi:)", r"\.\s(?=In\b|\*)", r"\.\s(?=[A-Z*])"):
        ms = [m for m in re.finditer(pat, ref) if m.start() > len(ref) // 2 and ref.count("*", 0, m.start()) % 2 == 0]
        if ms:
            return ms[0].end()
    return None


def _list_answer(style: str, fmt: Any, markers: list[str], paragraphs: bool = True) -> Any:
    """A reference-list answer: intro, noise, entries as a list (or as paragraphs), outro."""

    def render(entries: list[Entry], rng: random.Random, topic: str) -> Answer:
        a = Answer(style)
        _start(a, rng, topic)
        marker = rng.choice(markers)
        sep = "\n\n" if paragraphs and marker == "" and rng.random() < 0.6 else "\n"
        for i, e in enumerate(entries, 1):
            m = marker.format(i=i)
            a.add(m)
            ref = fmt(e, rng)
            cut = _wrap_point(ref) if rng.random() < 0.12 else None
            if cut:  # the entry wraps onto an indented second line ('   https://doi.org/...')
                ref = ref[:cut].rstrip() + "\n" + " " * (len(m) or 3) + ref[cut:].lstrip()
            a.cite(ref, e)
            if rng.random() < 0.15 and m and sep == "\n":
                a.add("\n   *Why it matters:* a widely used baseline for " + topic + ".")
            a.add(sep)
        a.add("\n")
        _end(a, rng, topic)
        return a

    return render


def _prose_quoted(entries: list[Entry], rng: random.Random, topic: str) -> Answer:
    """'"Title" by A and B (Venue, 2021)' inside sentences."""
    a = Answer("prose_quoted")
    _start(a, rng, topic)
    leads = ["One good starting point is ", "For a broader view, see ", "A closely related paper is ", "I would also recommend ", "Another useful reference is "]
    tails = [", which is often used as a baseline.", ". It is short and readable.", ", which studies a harder variant of the problem.", "; its appendix is particularly useful."]
    for e in entries:
        n = e.names
        if len(n) > 3 or e.others:
            names = f"{full(n[0])} et al." if rng.random() < 0.6 else f"{full(n[0])} and colleagues"
        else:
            names = join([full(x) for x in n], last=rng.choice([", and ", " and "]))
        q = rng.choice(['"{}"', "“{}”", "*{}*"])
        v = e.venue
        paren = f"({v}, {e.year})" if v and rng.random() < 0.6 else (f"({v} {e.year})" if v else f"({e.year})")
        a.add(rng.choice(leads))
        r = rng.random()
        if r < 0.6:
            a.cite(f"{q.format(e.title)} by {names} {paren}", e)
        elif r < 0.8:  # '"Title" (ICLR 2021) by A and B'
            a.cite(f"{q.format(e.title)} {paren} by {names}", e)
        else:  # 'A and B's "Title" (2021)'
            a.cite(f"{_cite_name(e)}'s {q.format(e.title)} ({e.year})", e)
        tail = rng.choice(tails)
        a.add((tail[1:] if tail.startswith(".") and a.parts[-1].endswith(".") else tail) + (" " if rng.random() < 0.5 else "\n\n"))
    a.add("\n\n")
    _end(a, rng, topic)
    return a


def _prose_italic(entries: list[Entry], rng: random.Random, topic: str) -> Answer:
    """'In *Title* (2020), Smith and colleagues show ...'."""
    a = Answer("prose_italic")
    _start(a, rng, topic)
    verbs = ["show", "argue", "demonstrate", "find", "propose"]
    for e in entries:
        n = e.names
        fam = n[0][1]
        who = fam if len(n) == 1 else (f"{fam} and {n[1][1]}" if len(n) == 2 and not e.others else rng.choice([f"{fam} and colleagues", f"{fam} et al."]))
        when = f"{e.venue} {e.year}" if e.venue and rng.random() < 0.3 else e.year
        claim = rng.choice(["the effect holds at scale", "a simple baseline is hard to beat", "the problem is easier than it looks", "their method transfers across domains"])
        r = rng.random()
        if r < 0.6:
            a.add("In ")
            a.cite(f"*{e.title}* ({when}), {who}", e)
            a.add(f" {rng.choice(verbs)} that {claim}. ")
        elif r < 0.8:  # 'In their paper *Title* (ICLR 2020), Smith et al. show ...'
            a.add("In their paper ")
            a.cite(f"*{e.title}* ({when}), {who}", e)
            a.add(f" {rng.choice(verbs)} that {claim}. ")
        else:  # 'Smith et al. (2020), in *Title*, show ...'
            a.cite(f"{who} ({e.year}), in *{e.title}*", e)
            a.add(f", {rng.choice(verbs)} that {claim}. ")
        if rng.random() < 0.4:
            a.add("\n\n")
    a.add("\n\n")
    _end(a, rng, topic)
    return a


_TABLE_LAYOUTS = [
    ("| # | Title | Authors | Year | Venue |", ["#", "title", "authors", "year", "venue"]),
    ("| Paper | Authors | Venue | Year |", ["title", "authors", "venue", "year"]),
    ("| Year | Work | Authors | Key contribution |", ["year", "title", "authors", "note"]),
    ("| Title | First author | Published |", ["title", "first", "vy"]),
    ("| Authors | Title | Venue / Year | Notes |", ["authors", "title", "vy", "note"]),
    ("| Reference | Why it matters |", ["apa", "note"]),
    ("| **Paper** | **Authors** | **Year** |", ["title", "inv", "year"]),
]
_NOTES = ["Strong baseline", "Introduces a benchmark (2021 release)", "Theory + experiments", "Scales to 1B parameters", "Widely cited"]


def _table(entries: list[Entry], rng: random.Random, topic: str) -> Answer:
    a = Answer("table")
    _start(a, rng, topic)
    header, cols = rng.choice(_TABLE_LAYOUTS)
    a.add(header + "\n|" + "|".join("---" for _ in cols) + "|\n")
    for i, e in enumerate(entries, 1):
        n = e.names
        cells = []
        for c in cols:
            if c == "#":
                cells.append(str(i))
            elif c == "title":
                t = e.title
                r = rng.random()
                cells.append(f"**{t}**" if r < 0.3 else (f"[{t}]({doi_url(e)})" if r < 0.5 and doi_url(e) else t))
            elif c == "authors":
                cells.append(f"{full(n[0])} et al." if len(n) > 3 or e.others else join([full(x) for x in n]))
            elif c == "first":
                cells.append(full(n[0]))
            elif c == "inv":
                cells.append("; ".join(init_inv(x) for x in n[:3]) + ("; et al." if len(n) > 3 or e.others else ""))
            elif c == "apa":
                cells.append(apa(e, rng, italic_title=False).replace("|", "/"))
            elif c == "year":
                cells.append(e.year)
            elif c == "venue":
                cells.append(e.venue or "arXiv")
            elif c == "vy":
                cells.append(f"{e.venue} {e.year}" if e.venue else e.year)
            else:
                cells.append(rng.choice(_NOTES))
        row = " | ".join(cells)
        a.add("| ")
        a.cite(row, e)
        a.add(" |\n")
    a.add("\n")
    _end(a, rng, topic)
    return a


def _bibtex(entries: list[Entry], rng: random.Random, topic: str) -> Answer:
    a = Answer("bibtex")
    a.add(f"Here are BibTeX entries for the main papers on {topic}:\n\n")
    if rng.random() < 0.5:
        _noise(a, rng, topic)
    a.add("```bibtex\n" if rng.random() < 0.7 else "```\n")
    for e in entries:
        fam = re.sub(r"\W", "", e.names[0][1].split()[-1]).lower() if e.names else "anon"
        word = next((w.lower() for w in re.findall(r"[A-Za-z]{4,}", e.title)), "paper")
        o, c = ("{", "}") if rng.random() < 0.75 else ('"', '"')
        fields = [("title", o + e.title + c), ("author", o + " and ".join(inverted(x) if rng.random() < 0.3 else full(x) for x in e.names) + (" and others" if e.others else "") + c)]
        if e.venue:
            fields.append(("journal" if e.kind == "article" else "booktitle", o + e.venue + c))
        fields.append(("year", o + e.year + c if rng.random() < 0.7 else e.year))
        if rng.random() < 0.3:
            fields.append(("pages", o + _pages(rng).replace("–", "--") + c))
        if e.doi and rng.random() < 0.6:
            fields.append(("doi", o + e.doi + c))
        rng.shuffle(fields)
        body = ",\n".join(f"  {k} = {v}" for k, v in fields)
        a.cite(f"@{e.kind}{{{fam}{e.year}{word},\n{body}\n}}", e)
        a.add("\n\n" if rng.random() < 0.5 else "\n")
    a.add("```\n\n")
    _end(a, rng, topic)
    return a


def _cite_name(e: Entry) -> str:
    n = e.names
    if len(n) >= 3 or e.others:
        return f"{n[0][1]} et al."
    return " and ".join(x[1] for x in n)


def _inline(entries: list[Entry], rng: random.Random, topic: str, orphans: list[Entry]) -> Answer:
    """Author-year mentions in prose, an APA/Harvard/Chicago reference list at the end."""
    a = Answer("inline_author_year")
    a.add(rng.choice(INTROS).format(t=topic).rstrip(":") + "\n\n")
    fmt = rng.choice([apa, harvard, chicago_ad])
    order = list(entries)
    rng.shuffle(order)
    pool = order + orphans
    rng.shuffle(pool)
    i = 0
    while i < len(pool):
        if rng.random() < 0.4 and i + 1 < len(pool):
            group = pool[i : i + rng.randint(2, 3)]
            i += len(group)
            a.add(rng.choice(["Several works address this ", "This has been studied extensively ", "Related approaches exist "]))
            br = rng.random() < 0.2  # '[Smith et al., 2020; Wu, 2021]'
            a.add("[" if br else "(")
            if rng.random() < 0.3:
                a.add(rng.choice(["e.g., ", "see ", "see also "]))
            for j, e in enumerate(group):
                if j:
                    a.add("; ")
                name = _cite_name(e).replace(" and ", " & ")
                s = f"{name}, {e.year}"
                if e in orphans:
                    a.cite(s, e, mention=True)
                else:
                    a.mention(s, [e.key])
            a.add(("]" if br else ")") + rng.choice([".", ", although results vary.", "."]) + " ")
        else:
            e = pool[i]
            i += 1
            r = rng.random()
            name = _cite_name(e)
            if r < 0.15:
                name = name.replace(" et al.", " and colleagues")
            s = f"{name}'s ({e.year})" if 0.15 <= r < 0.3 else f"{name} ({e.year})"
            a.add(rng.choice(["", "Building on this, ", "Notably, ", "Later, "]))
            if e in orphans:
                a.cite(s, e, mention=True)
            else:
                a.mention(s, [e.key])
            a.add(f" {rng.choice(PHRASES)}. ")
        if rng.random() < 0.35:
            a.add("\n\n")
            if rng.random() < 0.3:
                _noise(a, rng, topic, code=False)
    a.add("\n\n" + rng.choice(["## References", "**References**", "References:", "### Bibliography"]) + "\n\n")
    marker = rng.choice(["", "- ", "* "])
    for e in sorted(entries, key=lambda x: (x.names[0][1].lower(), x.year)):
        a.add(marker)
        a.cite(fmt(e, rng), e)
        a.add("\n\n" if marker == "" else "\n")
    a.add("\n")
    _end(a, rng, topic)
    return a


def _numeric(entries: list[Entry], rng: random.Random, topic: str) -> Answer:
    """Numeric markers ('[3]', '[2, 5-7]') in prose, a numbered IEEE/Vancouver/Nature list at the end."""
    a = Answer("numeric")
    a.add(rng.choice(INTROS).format(t=topic).rstrip(":") + "\n\n")
    fmt, marker, sup = rng.choice([(ieee, "[{i}] ", False), (vancouver, "{i}. ", False), (nature, "{i}. ", True), (ieee, "{i}. ", False)])
    n = len(entries)
    keys = [e.key for e in entries]
    # groups of reference numbers, in order of first mention, with ranges
    groups: list[list[int]] = []
    i = 1
    while i <= n:
        r = rng.random()
        if r < 0.3 and i + 2 <= n:
            k = rng.randint(3, min(4, n - i + 1)) if n - i + 1 >= 3 else 2
            groups.append(list(range(i, i + k)))
            i += k
        elif r < 0.5 and i + 1 <= n:
            groups.append([i, i + 1])
            i += 2
        else:
            groups.append([i])
            i += 1
    if n >= 7 and rng.random() < 0.5:
        groups.append([2, 5, 6, 7])  # the '[2, 5-7]' case: a re-mention with a list and a range
    use_sup = sup and rng.random() < 0.5
    for g in groups:
        head, tail = rng.choice(NUM_SENTENCES)
        a.add(head)
        items: list[tuple[str, list[int]]] = []
        j = 0
        while j < len(g):
            k = j
            while k + 1 < len(g) and g[k + 1] == g[k] + 1:
                k += 1
            if k - j >= 2:
                items.append((f"{g[j]}{rng.choice(['-', '–'])}{g[k]}", g[j : k + 1]))
            else:
                items.extend((str(x), [x]) for x in g[j : k + 1])
            j = k + 1
        if use_sup:
            a.add("<sup>")
            close = "</sup>"
            sep = ","
        else:
            a.add(" [")
            close = "]"
            sep = rng.choice([", ", ","])
        for t, (s, nums) in enumerate(items):
            if t:
                a.add(sep)
            a.mention(s, [keys[x - 1] for x in nums])
        a.add(close + tail + " ")
        if rng.random() < 0.35:
            a.add("\n\n")
            if rng.random() < 0.3:
                _noise(a, rng, topic, code=False)
    a.add("\n\n" + rng.choice(["## References", "**References**", "References:"]) + "\n\n")
    for i, e in enumerate(entries, 1):
        a.add(marker.format(i=i))
        a.cite(fmt(e, rng), e)
        a.add("\n")
    a.add("\n")
    _end(a, rng, topic)
    return a


def _chicago_notes(entries: list[Entry], rng: random.Random, topic: str) -> Answer:
    """Chicago notes: footnote markers in prose ('[^1]'), the notes at the end."""
    a = Answer("chicago_notes")
    a.add(rng.choice(INTROS).format(t=topic).rstrip(":") + "\n\n")
    footnote = rng.random() < 0.6
    keys = [e.key for e in entries]
    for i in range(1, len(entries) + 1):
        a.add(rng.choice(["The first systematic treatment", "A later study", "One influential paper", "A complementary view"]) + f" {rng.choice(PHRASES)}.")
        if footnote:
            a.add("[^")
            a.mention(str(i), [keys[i - 1]])
            a.add("]")
        else:
            a.add("<sup>")
            a.mention(str(i), [keys[i - 1]])
            a.add("</sup>")
        a.add(" " if rng.random() < 0.6 else "\n\n")
    a.add("\n\n" + ("" if footnote else rng.choice(["## Notes\n\n", "**Notes**\n\n"])))
    for i, e in enumerate(entries, 1):
        a.add(f"[^{i}]: " if footnote else f"{i}. ")
        a.cite(chicago_note(e, rng), e)
        a.add("\n")
    a.add("\n")
    _end(a, rng, topic)
    return a


STYLES: dict[str, Any] = {
    "mla": _list_answer("mla", mla, ["", "- "]),
    "chicago_author_date": _list_answer("chicago_author_date", chicago_ad, ["", "- ", "* "]),
    "chicago_notes": _chicago_notes,
    "harvard": _list_answer("harvard", harvard, ["", "- ", "• "]),
    "vancouver": _list_answer("vancouver", vancouver, ["{i}. "], paragraphs=False),
    "ieee": _list_answer("ieee", ieee, ["[{i}] ", "{i}. "], paragraphs=False),
    "acm": _list_answer("acm", acm, ["", "[{i}] ", "- "]),
    "nature": _list_answer("nature", nature, ["{i}. "], paragraphs=False),
    "apa_italic": _list_answer("apa_italic", apa, ["", "- ", "* ", "{i}. "]),
    "prose_quoted": _prose_quoted,
    "prose_italic": _prose_italic,
    "table": _table,
    "bibtex": _bibtex,
    "inline_author_year": _inline,
    "numeric": _numeric,
}
_SIZES = {"numeric": (6, 10), "inline_author_year": (3, 7), "bibtex": (2, 4), "table": (3, 7)}


def _distinct_mentions(entries: list[Entry]) -> list[Entry]:
    """Drop entries whose in-text mention ('Wang et al. (2021)') would equal another's."""
    seen, out = set(), []
    for e in entries:
        k = (_cite_name(e).lower(), e.year)
        if k not in seen and e.names:
            seen.add(k)
            out.append(e)
    return out


def _with_suffixes(chunk: list[Entry], entries: list[Entry], rng: random.Random) -> list[Entry]:
    """Sometimes add a second work with the same in-text mention ('Wang et al., 2022'), and give the
    two the year suffixes an author-year style uses ('2022a', '2022b')."""
    if rng.random() < 0.35:
        keys = {x.key for x in chunk}
        for e in chunk:
            twin = next((x for x in entries if x.key not in keys and x.names and x.year == e.year
                         and _cite_name(x) == _cite_name(e) and x.title != e.title), None)
            if twin:
                i = chunk.index(e)
                a, b = sorted([e, twin], key=lambda x: x.title.lower())
                chunk = [*chunk[:i], replace(a, year=a.year + "a"), replace(b, year=b.year + "b"), *chunk[i + 1 :]]
                break
    return chunk


def build(entries: list[Entry], per_style: int, seed: int) -> list[dict[str, Any]]:
    rows = []
    for s_i, (style, render) in enumerate(STYLES.items()):
        rng = random.Random(f"{seed}-{style}")
        pool = [e for e in entries if e.names]
        rng.shuffle(pool)
        pool = pool[:per_style]
        lo, hi = _SIZES.get(style, (3, 6))
        n = 0
        while pool:
            k = rng.randint(lo, hi)
            chunk, pool = pool[:k], pool[k:]
            topic = rng.choice(TOPICS)
            if style == "inline_author_year":
                chunk = _with_suffixes(_distinct_mentions(chunk), entries, rng)
                orphans = chunk[-1:] if len(chunk) > 3 and rng.random() < 0.3 else []
                a = render(chunk[: len(chunk) - len(orphans)], rng, topic, orphans)
            else:
                a = render(chunk, rng, topic)
            rows.append(answer_row(a, f"sty-{s_i:02d}-{n:03d}", style))
            n += 1
    return rows


def answer_row(a: Answer, answer_id: str, style: str) -> dict[str, Any]:
    """One output line: the answer's text with its gold citations and mentions in text order."""
    a.citations.sort(key=lambda c: c["start"])
    a.mentions.sort(key=lambda m: (m["start"], m["key"]))
    return {"id": answer_id, "style": style, "text": a.text(), "citations": a.citations, "mentions": a.mentions}


def write_answers(rows: list[dict[str, Any]], out: Path) -> None:
    """Write answer rows as gzipped JSON lines (mtime 0: the same bytes for the same seed) and say what."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(out, "wb", mtime=0) as raw:
        for r in rows:
            raw.write((json.dumps(r, ensure_ascii=False) + "\n").encode("utf-8"))
    n_cit = sum(len(r["citations"]) for r in rows)
    n_men = sum(len(r["mentions"]) for r in rows)
    print(f"{len(rows)} answers, {n_cit} citations, {n_men} linked mentions -> {out} ({out.stat().st_size:,} bytes)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared/data/hallmark directory")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--per-style", type=int, default=500, help="entries rendered in each style")
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args(argv)
    write_answers(build(load_entries(args.data), args.per_style, args.seed), args.out)


if __name__ == "__main__":
    main()
