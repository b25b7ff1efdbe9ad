"""A learned field tagger: labels each token of a free-form citation unit as author, title, year,
venue, identifier or other.

The rule-based parsers (`refparse`, `extract`) know the styles they were written for. LLM output
mixes many more: CSL styles (APA, IEEE, MLA, Chicago notes, ...), markdown list items with bold and
italic fields, header-less table rows, and sentences that name a paper in passing. A linear-chain CRF
over tokens, as GROBID and AnyStyle use for references, learns the field boundaries from context
(punctuation, capitalisation, quotes and emphasis, position) instead of from one pattern per style.

The model is trained by `python -m bench.train_tagger` on references rendered from real records in
many forms, and shipped in `verifier/models/` beside a JSON card holding its SHA-256, version, label
set and feature version. It is loaded lazily on first use and its checksum verified: a missing,
edited or truncated file raises `ModelLoadError` instead of tagging with a model nobody trained.

The tokenizer and the feature function live here, not in the training script, so that training and
tagging can never tokenise or featurise differently (the card's `feature_version` must match
`FEATURE_VERSION`). Everything is linear in the input: a unit is cut at `MAX_TOKENS` tokens, token
regexes cannot backtrack super-linearly, and long tokens are truncated before they become features.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, NamedTuple

from citeproof.errors import ModelLoadError
from citeproof.vocabulary import ET_AL_AFTER_NAMES_PATTERN, NAME_SUFFIXES, PARTICLES, YEAR

__all__ = [
    "FEATURE_VERSION",
    "LABELS",
    "MAX_TOKENS",
    "MODEL_CARD",
    "MODEL_PATH",
    "FieldSpan",
    "FieldTagger",
    "TaggedFields",
    "TaggedToken",
    "Token",
    "default_tagger",
    "fields_from_tags",
    "sequence_features",
    "tokenize",
]

LABELS: tuple[str, ...] = ("AUTHOR", "TITLE", "YEAR", "VENUE", "ID", "OTHER")
"""The label set: one label per token. Separators between fields (and between authors: ", ", " and ")
are OTHER, so each maximal run of AUTHOR tokens is one person's name."""

FEATURE_VERSION = 1
"""Bumped whenever `tokenize` or `sequence_features` changes what a model sees; a model card with
another feature version is refused (its weights would be read against the wrong features)."""

MAX_TOKENS = 400
"""Tokens tagged per unit. A reference, table row or sentence is far shorter; the cap keeps hostile
input (a megabyte without a line break) linear and bounded."""

_MODELS = Path(__file__).resolve().parent / "models"
MODEL_PATH: Path = _MODELS / "field_tagger.crfsuite"
"""The shipped CRF model (python-crfsuite format)."""
MODEL_CARD: Path = _MODELS / "field_tagger.json"
"""The shipped model's card: sha256, version, feature_version, labels, training data description."""

# --- tokens ------------------------------------------------------------------------------------------

# Order matters: identifiers first (a URL or DOI is one token, so its label is one decision), then
# words, then markdown emphasis, then any other single character. No alternative can backtrack more
# than the length of the run it consumes, and every match consumes, so tokenising is linear.
_URL_TAIL = r"(?:[^\s<>\"'|*\[\]()]*[^\s<>\"'|*\[\]().,;:!?])?"
_TOKEN_RE = re.compile(
    r"(?P<id>(?:https?://|www\.)" + _URL_TAIL + r"|10\.\d{4,9}/" + _URL_TAIL + r"|\d{4}\.\d{4,5}(?:v\d+)?(?!\d))"
    r"|(?P<word>[^\W_]+(?:['’][^\W_]+)*)"
    r"|(?P<md>\*\*|__)"
    r"|(?P<punct>[^\w\s]|_)"
)
_MAX_TOKEN_CHARS = 24  # of a token's text used in features (a 1 MB "word" becomes 24 characters)


class Token(NamedTuple):
    """A token and its character offsets: `text[start:end] == token.text` always."""

    text: str
    start: int
    end: int


def tokenize(text: str, max_tokens: int = MAX_TOKENS) -> list[Token]:
    """Split `text` into word, identifier and punctuation tokens with exact character offsets.

    Used both to build training sequences and at tagging time, so spans map back to the text exactly.
    Stops after `max_tokens` tokens (the rest of the text is not looked at)."""
    out: list[Token] = []
    for m in _TOKEN_RE.finditer(text):
        out.append(Token(m.group(), m.start(), m.end()))
        if len(out) >= max_tokens:
            break
    return out


# --- features ----------------------------------------------------------------------------------------

# Words that mark a venue: kept small and fixed (not read from venues.json, which grows) so that a
# shipped model always sees the features it was trained with.
_VENUE_WORDS = frozenset(
    """proceedings proc conference conf journal transactions trans advances adv international intl
    int workshop symposium annual meeting letters review reviews arxiv preprint ieee acm siam springer
    lecture notes society association neural information processing systems learning representations
    machine vision pattern recognition computer computational linguistics research artificial
    intelligence findings volume vol edition ed""".split()
)
_VENUE_ACRONYMS = frozenset(
    """neurips nips icml iclr cvpr iccv eccv wacv aaai ijcai acl naacl emnlp eacl coling tacl jmlr tmlr
    kdd www sigir cikm wsdm icra iros rss corl aistats uai colt interspeech icassp miccai bmvc siggraph
    tpami tnnls tip pnas 3dv chi uist""".split()
)
_MONTHS = frozenset(
    """jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july
    august september october november december""".split()
)
_CUE_WORDS = frozenset(
    """in by and et al pp vol no doi arxiv url available online http https retrieved accessed see
    paper published eds editors pages""".split()
)
# Words of running text that titles seldom use (pronouns, auxiliaries, clause openers): a sentence
# around a citation, or an LLM's comment after it, is OTHER however it is capitalised.
_RUNNING_WORDS = frozenset(
    """they their them we our us it its this these those which who whose he she his her you your i
    is are was were has have had been being does did also see recommend appeared published introduced
    proposed showed shows show later here there where when because although however""".split()
)
_OPEN = frozenset("([{<")
_CLOSE = frozenset(")]}>")
_QUOTES_OPEN = frozenset("“‘«")
_QUOTES_CLOSE = frozenset("”’»")
_DASHES = frozenset("-‐‑‒–—")
_YEAR_RE = re.compile(YEAR + r"[a-z]?")  # the shared year pattern, with a suffix letter ("2020b")
_ET_AL_AFTER_RE = re.compile(r"[\s,;*_]*" + ET_AL_AFTER_NAMES_PATTERN, re.IGNORECASE)  # after the last author


def _shape(word: str) -> str:
    """Character classes with runs collapsed: "Abbas" -> "Xx", "NeurIPS" -> "XxX", "2021" -> "d"."""
    s = "".join(
        "X" if c.isupper() else "x" if c.isalpha() else "d" if c.isdigit() else c for c in word[:_MAX_TOKEN_CHARS]
    )
    out: list[str] = []
    for c in s:
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)[:8]


def _punct_class(w: str) -> str:
    if w in _OPEN:
        return "open"
    if w in _CLOSE:
        return "close"
    if w == '"' or w in _QUOTES_OPEN or w in _QUOTES_CLOSE:
        return "quote"
    if w in _DASHES:
        return "dash"
    if w in ".,;:!?":
        return w
    if w in ("**", "__", "*", "_"):
        return "emph"
    if w == "|":
        return "pipe"
    return "sym"


def _token_base(tok: Token) -> dict[str, str]:
    """Features of a token on its own (no context); neighbours reuse a few of these."""
    w = tok.text[:_MAX_TOKEN_CHARS]
    lw = w.lower()
    f: dict[str, str] = {"w": lw, "sh": _shape(w)}
    if tok.text[0].isalnum() or tok.text.startswith("_"):
        if len(tok.text) > 3 and not tok.text[:4].isdigit():
            f["p3"] = lw[:3]
            f["s3"] = lw[-3:]
        if w[0].isupper():
            f["cap"] = "1" if not w.isupper() else ("A" if len(w) > 1 else "1L")
        elif w.islower():
            f["cap"] = "l"
        if w.isdigit():
            f["num"] = str(min(len(w), 5))
            if _YEAR_RE.fullmatch(w):
                f["year"] = "1"
        elif _YEAR_RE.fullmatch(w):
            f["year"] = "a"
        if lw in PARTICLES:
            f["lex"] = "particle"
        elif lw in NAME_SUFFIXES:
            f["lex"] = "suffix"
        elif lw in _VENUE_ACRONYMS:
            f["lex"] = "acronym"
        elif lw in _VENUE_WORDS:
            f["lex"] = "venue"
        elif lw in _MONTHS:
            f["lex"] = "month"
        elif lw in _CUE_WORDS:
            f["lex"] = "cue"
        elif lw in _RUNNING_WORDS:
            f["lex"] = "running"
        if "://" in lw or lw.startswith("www.") or (lw.startswith("10.") and "/" in lw):
            f["ident"] = "url" if ("://" in lw or lw.startswith("www.")) else "doi"
        elif re.fullmatch(r"\d{4}\.\d{4,5}(?:v\d+)?", lw):
            f["ident"] = "arxiv"
        f["len"] = str(min(len(tok.text), 10))
    else:
        f["pc"] = _punct_class(tok.text)
    return f


def _states(tokens: Sequence[Token], text: str) -> list[list[str]]:
    """State of each token: inside quotes, bold, italic, brackets; whether a quoted or emphasised
    region closed before it or opens after it; table cell number; segment number (". " boundaries
    not after an initial); commas since the segment began. Linear: one pass each way."""
    out: list[list[str]] = []
    quote = bold = italic = False
    paren = bracket = 0
    cell = seg = commas = 0
    starts_with_pipe = bool(tokens) and tokens[0].text == "|"
    opens: list[bool] = []  # token i opens a quoted or emphasised region
    closed_before = False
    for i, tok in enumerate(tokens):
        w = tok.text
        before: list[str] = []
        was = (quote, bold, italic)
        # an opening quote or emphasis mark is inside the region it opens, a closing one outside the
        # region it closes: the model sees the boundary either way
        if w == '"':
            quote = not quote
        elif w in _QUOTES_OPEN:
            quote = True
        elif w in _QUOTES_CLOSE:
            quote = False
        elif w == "**" or w == "__":
            bold = not bold
        elif w in ("*", "_"):
            italic = not italic
        now = (quote, bold, italic)
        opens.append(any(n and not w_ for n, w_ in zip(now, was, strict=True)))
        if opens[-1]:
            before.append("mark-open")
        if quote:
            before.append("inq")
        if bold:
            before.append("inb")
        if italic:
            before.append("ini")
        if closed_before:
            before.append("qclosed")
        if any(w_ and not n for n, w_ in zip(now, was, strict=True)):
            closed_before = True
            before.append("mark-close")
        if paren:
            before.append("inp")
        if bracket:
            before.append("inbr")
        before.append(f"cell={min(cell, 6)}" if starts_with_pipe or cell else "cell=-")
        before.append(f"seg={min(seg, 5)}")
        before.append(f"com={min(commas, 6)}")
        out.append(before)
        # brackets, cells and segments count from the token after
        if w == "(":
            paren += 1
        elif w == ")" and paren:
            paren -= 1
        elif w == "[":
            bracket += 1
        elif w == "]" and bracket:
            bracket -= 1
        elif w == "|":
            cell += 1
            commas = 0
        elif w == ",":
            commas += 1
        elif w in ".?!" and i > 0:
            prev = tokens[i - 1].text
            spaced = tok.end == len(text) or text[tok.end].isspace()
            if spaced and not (len(prev) == 1 and prev.isupper()) and prev.lower() not in ("al", "et", "pp", "vol", "no"):
                seg += 1
                commas = 0
    # second pass, right to left: is a quoted or emphasised region still to come? (text before a
    # quoted title is authors or running text, whatever the form)
    ahead = False
    for i in range(len(tokens) - 1, -1, -1):
        if ahead:
            out[i].append("qahead")
        ahead = ahead or opens[i]
    return out


_STRONG_SEPS = frozenset({"|", "—", "–", "•"})


def _chunks(tokens: Sequence[Token], text: str, base: Sequence[dict[str, str]]) -> list[list[str]]:
    """Chunk features: the unit cut at strong separators (table pipes, dashes, a line break, a
    sentence-ending full stop not after an initial, a spaced hyphen). Fields rarely cross such a
    separator in any form, so what a chunk looks like (its length, how capitalised, whether it holds
    a year, commas, running-text words) carries over between forms better than the words do."""
    n = len(tokens)
    bounds: list[int] = [0]  # chunk start indices
    sep_tok = [False] * n
    for i, tok in enumerate(tokens):
        w = tok.text
        gap_nl = i > 0 and "\n" in text[tokens[i - 1].end : tok.start]
        spaced = (tok.start == 0 or text[tok.start - 1].isspace()) and (tok.end >= len(text) or text[tok.end].isspace())
        if w in _STRONG_SEPS or (w == "-" and spaced) or w == "\t":
            sep_tok[i] = True
            bounds.append(i + 1)
        elif gap_nl and bounds[-1] != i:
            bounds.append(i)
        elif w in ".?!" and i > 0 and (tok.end >= len(text) or text[tok.end].isspace()):
            prev = tokens[i - 1].text
            if not (len(prev) == 1 and prev.isupper()) and prev.lower() not in ("al", "et", "pp", "vol", "no"):
                sep_tok[i] = True
                bounds.append(i + 1)
    bounds.append(n)
    out: list[list[str]] = [[] for _ in range(n)]
    for a, b in pairwise(bounds):
        idx = [j for j in range(a, b) if not sep_tok[j]]
        words = [j for j in idx if tokens[j].text[:1].isalnum()]
        if not words:
            for j in idx:
                out[j].append("ch=punct")
            continue
        caps = sum(1 for j in words if tokens[j].text[:1].isupper()) / len(words)
        nw = len(words)
        desc = [
            f"chlen={min(nw, 1) if nw < 2 else 2 if nw < 4 else 3 if nw < 8 else 4}",
            f"chcap={0 if caps < 0.34 else 1 if caps < 0.67 else 2}",
        ]
        if any("year" in base[j] for j in words):
            desc.append("chyear")
        if any(base[j].get("lex") == "running" for j in words):
            desc.append("chrun")
        commas = sum(1 for j in idx if tokens[j].text in ",;&")
        desc.append(f"chcom={min(commas, 3)}")
        if nw == 1 and "year" in base[words[0]]:
            desc.append("chonlyyear")
        for j in idx:
            out[j].extend(desc)
        out[words[0]].append("chfirst")
        out[words[-1]].append("chlast")
    return out


def sequence_features(tokens: Sequence[Token], text: str) -> list[list[str]]:
    """CRF features of each token: the token itself (lower-cased word, shape, capitalisation, digits
    and year-likeness, punctuation class, lexicon flags: name particles and suffixes, venue words and
    acronyms, months, cue words, identifiers), its layout (space before and after, initial, "et al.",
    position in the unit, inside quotes / bold / italic / brackets, table cell, segment), what its
    chunk between strong separators looks like, and its neighbours' words and shapes two tokens
    either side."""
    n = len(tokens)
    base = [_token_base(t) for t in tokens]
    states = _states(tokens, text)
    has_pipe = any(t.text == "|" for t in tokens)
    running = [b.get("lex") == "running" for b in base]
    chunks = _chunks(tokens, text, base)
    feats: list[list[str]] = []
    for i, tok in enumerate(tokens):
        b = base[i]
        f = ["bias", *(f"{k}={v}" for k, v in b.items()), *states[i], *chunks[i]]
        sp_before = tok.start == 0 or text[tok.start - 1].isspace()
        sp_after = tok.end >= len(text) or text[tok.end].isspace()
        f.append(f"sp={int(sp_before)}{int(sp_after)}")
        f.append(f"pos={min(i, 6)}")
        f.append(f"rpos={5 * i // max(n, 1)}")
        if i == n - 1:
            f.append("last")
        if has_pipe:
            f.append("table")
        w = tok.text
        nxt = tokens[i + 1].text if i + 1 < n else ""
        prv = tokens[i - 1].text if i else ""
        if len(w) == 1 and w.isupper() and (nxt == "." or nxt in ",;" or not nxt or nxt.isupper()):
            f.append("initial")
        if w.isupper() and 2 <= len(w) <= 3 and w.isalpha() and i and prv not in ("(", "["):
            f.append("caps23")
        if w.lower() == "et" and nxt.lower() == "al":
            f.append("etal")
        elif w.lower() == "al" and prv.lower() == "et":
            f.append("etal")
        elif w == "." and prv.lower() == "al" and i > 1 and tokens[i - 2].text.lower() == "et":
            f.append("etal")
        for o in (-2, -1, 1, 2):
            j = i + o
            if 0 <= j < n:
                nb = base[j]
                f.append(f"{o}:w={nb['w']}")
                f.append(f"{o}:sh={nb['sh']}")
                if abs(o) == 1:
                    for k in ("cap", "lex", "pc", "year", "ident"):
                        if k in nb:
                            f.append(f"{o}:{k}={nb[k]}")
            else:
                f.append(f"{o}:BOUND")
        if any(running[max(0, i - 3) : i + 4]):
            f.append("running-near")
        if i:
            f.append(f"bi-={base[i - 1]['w']}|{b['w']}")
        if i + 1 < n:
            f.append(f"bi+={b['w']}|{base[i + 1]['w']}")
        feats.append(f)
    return feats


# --- results -----------------------------------------------------------------------------------------


class TaggedToken(NamedTuple):
    """One tagged token: character span, label, and the CRF's marginal probability of that label."""

    start: int
    end: int
    label: str
    marginal: float


@dataclass(frozen=True)
class FieldSpan:
    """A field found in the unit: `text == unit[start:end]`; `confidence` is the mean marginal of its
    tokens' label."""

    start: int
    end: int
    text: str
    confidence: float


@dataclass(frozen=True)
class TaggedFields:
    """The fields of one unit, as spans into it.

    `title` is the longest run of TITLE tokens; `authors` one span per run of AUTHOR tokens (one
    person each; a run of initials after "Family," joins it); `et_al` whether "et al." follows the
    last author; `year` the first YEAR token as a number; `venue` the longest run of VENUE tokens;
    `identifiers` each run of ID tokens.
    `confidence` is the geometric mean of all tokens' marginals: low when the tagger was unsure
    anywhere, so a caller can fall back to the rule-based parser."""

    title: FieldSpan | None
    authors: tuple[FieldSpan, ...]
    et_al: bool
    year: int | None
    year_span: FieldSpan | None
    venue: FieldSpan | None
    identifiers: tuple[FieldSpan, ...]
    confidence: float


# --- the tagger --------------------------------------------------------------------------------------


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FieldTagger:
    """Tags free-form citation units with the shipped (or a given) CRF model.

    The model is read on the first call, not at construction, so importing the verifier stays cheap
    for callers that never tag. Its bytes are checked against the card's SHA-256 and loaded from
    memory (the file cannot change between the check and the load). One CRF tagger object is not
    thread-safe, so calls are serialised by a lock; tagging a unit takes about a millisecond.
    """

    def __init__(self, model_path: str | Path | None = None, card_path: str | Path | None = None) -> None:
        self.model_path = Path(model_path) if model_path is not None else MODEL_PATH
        if card_path is not None:
            self.card_path = Path(card_path)
        elif model_path is not None:
            self.card_path = self.model_path.with_suffix(".json")
        else:
            self.card_path = MODEL_CARD
        self._tagger: Any = None
        self._data = b""
        self._card: dict[str, Any] | None = None
        self._lock = threading.Lock()

    @property
    def card(self) -> dict[str, Any]:
        """The model card (loading the model first if needed)."""
        self._load()
        assert self._card is not None
        return self._card

    def _load(self) -> Any:
        if self._tagger is not None:
            return self._tagger
        with self._lock:
            if self._tagger is not None:
                return self._tagger
            try:
                card = json.loads(self.card_path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as e:
                raise ModelLoadError(f"field tagger card {self.card_path} is missing or unreadable: {e}") from e
            try:
                data = self.model_path.read_bytes()
            except OSError as e:
                raise ModelLoadError(f"field tagger model {self.model_path} is missing or unreadable: {e}") from e
            if not isinstance(card, dict) or card.get("sha256") != _sha256(data):
                raise ModelLoadError(
                    f"field tagger model {self.model_path}: checksum mismatch with {self.card_path.name} "
                    "(edited or truncated file; retrain with `python -m bench.train_tagger`)"
                )
            if card.get("feature_version") != FEATURE_VERSION:
                raise ModelLoadError(
                    f"field tagger model {self.model_path} was trained with feature version "
                    f"{card.get('feature_version')}, this code computes version {FEATURE_VERSION}"
                )
            try:
                import pycrfsuite  # type: ignore[import-untyped]

                tagger = pycrfsuite.Tagger()
                tagger.open_inmemory(data)  # CRFsuite reads the buffer in place: `data` is kept below
            except Exception as e:  # pycrfsuite raises ValueError/IOError variants on a bad model
                raise ModelLoadError(f"field tagger model {self.model_path} could not be loaded: {e}") from e
            self._card = card
            self._data = data  # must outlive the tagger (freed bytes would be read as the model)
            self._tagger = tagger
            return tagger

    def tag(self, text: str) -> list[TaggedToken]:
        """Label every token of `text` (at most `MAX_TOKENS`): `(start, end, label, marginal)` each,
        with `text[start:end]` the token."""
        tokens = tokenize(text)
        if not tokens:
            return []
        feats = sequence_features(tokens, text)
        tagger = self._load()
        with self._lock:
            tagger.set(feats)
            labels = tagger.tag()
            marginals = [tagger.marginal(lab, i) for i, lab in enumerate(labels)]
        return [TaggedToken(t.start, t.end, lab, m) for t, lab, m in zip(tokens, labels, marginals, strict=True)]

    def fields(self, text: str) -> TaggedFields:
        """The unit's fields as spans (see `TaggedFields`)."""
        return fields_from_tags(text, self.tag(text))


def _only_initials(s: str) -> bool:
    parts = [p for p in re.split(r"[\s.\-‐]+", s) if p]
    return 0 < len(parts) <= 4 and all(p.isupper() and len(p) <= 3 for p in parts)


def _merge_inverted_names(text: str, runs: list[list[TaggedToken]]) -> list[list[TaggedToken]]:
    """Join "Family" + "," + "I. J." into one name: the comma inside an inverted name is the one
    label the tagger most often gets wrong (it also separates authors), and a run of initials alone
    after a comma is never a person of its own."""
    out: list[list[TaggedToken]] = []
    for run in runs:
        if out and text[out[-1][-1].end : run[0].start].strip() == "," and _only_initials(text[run[0].start : run[-1].end]):
            out[-1] = out[-1] + run
        else:
            out.append(run)
    return out


def fields_from_tags(text: str, tagged: Sequence[TaggedToken]) -> TaggedFields:
    """Group tagged tokens into fields: what `FieldTagger.fields` returns for `tag`'s output. Public so
    that gold labels (marginal 1.0) are grouped by the same rules when a model is scored."""
    runs: dict[str, list[list[TaggedToken]]] = {lab: [] for lab in LABELS}
    prev: str | None = None
    for t in tagged:
        if t.label == prev:
            runs[t.label][-1].append(t)
        else:
            runs.setdefault(t.label, []).append([t])
        prev = t.label

    def span(run: list[TaggedToken]) -> FieldSpan:
        s, e = run[0].start, run[-1].end
        return FieldSpan(s, e, text[s:e], sum(t.marginal for t in run) / len(run))

    def longest(label: str) -> FieldSpan | None:
        rs = runs[label]
        if not rs:
            return None
        return span(max(rs, key=lambda r: (r[-1].end - r[0].start, -r[0].start)))

    authors = tuple(span(r) for r in _merge_inverted_names(text, runs["AUTHOR"]))
    et_al = False
    if authors:
        tail = text[authors[-1].end : authors[-1].end + 40]
        et_al = bool(_ET_AL_AFTER_RE.match(tail))
    year_span = span(runs["YEAR"][0][:1]) if runs["YEAR"] else None
    year = None
    if year_span is not None:
        m = re.match(r"\d{4}", year_span.text)
        year = int(m.group()) if m else None
    confidence = (
        math.exp(sum(math.log(max(t.marginal, 1e-9)) for t in tagged) / len(tagged)) if tagged else 0.0
    )
    return TaggedFields(
        title=longest("TITLE"),
        authors=authors,
        et_al=et_al,
        year=year,
        year_span=year_span,
        venue=longest("VENUE"),
        identifiers=tuple(span(r) for r in runs["ID"]),
        confidence=confidence,
    )


_DEFAULT: FieldTagger | None = None
_DEFAULT_LOCK = threading.Lock()


def default_tagger() -> FieldTagger:
    """The process-wide tagger over the shipped model (created once, loaded on first use)."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = FieldTagger()
        return _DEFAULT
