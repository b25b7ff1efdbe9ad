"""Author-list parsing: turn whatever an LLM (or a BibTeX file) wrote into `Author(family, given)`.

Reference styles disagree on almost everything about names: APA writes "Vaswani, A., Shazeer, N., &
Parmar, N.", IEEE "A. Vaswani, N. Shazeer, and N. Parmar", Vancouver "Vaswani A, Shazeer N", Chicago
inverts only the first author ("Vaswani, Ashish, Noam Shazeer, and ..."), BibTeX joins "Last, First"
pairs with " and ". The verifier compares family names, so the one thing that must come out right is
which word is the family name; given names are kept as written.

The parser splits on the separators (`,` `;` `and` `&`), classifies each piece (bare initials, a lone
family name, a full name), and pairs a lone family name with the initials or given name that follow it.
Everything is a linear scan over short strings; no regex here can backtrack badly on hostile input.
"""

from __future__ import annotations

import re
from functools import lru_cache

from citeproof.models import Author
from citeproof.text import clean_text, fold, single_spaced
from citeproof.vocabulary import (
    AND_AFTER_INITIAL_PATTERN,
    COLLEAGUES_PATTERN,
    NAME_SUFFIXES,
    OTHERS_PATTERN,
    PARTICLES,
)

__all__ = ["looks_like_names", "parse_authors", "parse_name"]

# "et al.", "et. al", "and others", "& others", "and colleagues" (prose), "etc.", and "and others" in
# other languages ("u. a.", `OTHERS_PATTERN`) end an author list and set et_al. Each of these two
# patterns starts with a lookahead for the characters a match can start with: it changes no match,
# but the engine then rejects most positions at once instead of trying every branch there (11 -> 5
# and 5 -> 3 us on a typical author list; names are parsed for every reference).
_ET_AL_RE = re.compile(
    r"(?=[eay&u等ほmoiи])(?<![^\W\d_])(?:"  # (and not after a letter: every form starts a word)
    r"\be(?:t\.?|\.)\s{0,3}al\b\.?|\b(?:and|&)\s{1,3}others\b|(?<!\w)" + COLLEAGUES_PATTERN + r"\b|&\s{0,3}others\b"
    r"|" + OTHERS_PATTERN + r"(?!\w)"
    r"|\betc\b\.?|(?<=\s)(?:等人|ほか)(?=[\s(,]|$))",  # (Chinese, Japanese: 'Vaswani 等人')
    re.IGNORECASE,
)
_SEP_RE = re.compile(
    r"(?=[\s;,&au])(?:\s{0,5}(;|,|&|\band\b|\bund\b)\s{0,5}"
    r"|(?<=\.)\s{1,3}(" + AND_AFTER_INITIAL_PATTERN + r")\s{1,3}(?=[^\W\d_])"  # 'Zhou, X. y Ji, B.'
    r"|\s{1,3}(" + AND_AFTER_INITIAL_PATTERN + r")\s{1,3}(?=[^\W\d_a-z][^\W\d_a-z'’-]{1,40},)"  # 'KHAN, Zaid et FU, Yun'
    # 'Bo An et V. S. Subrahmanian' (not 'y' or 'i', which join Spanish and Catalan family names:
    # 'Blaise Agüera y Arcas'; nor before an inverted family name: 'Ortega y Gasset, J.')
    r"|(?<=[^\W\d_]{2})\s{1,3}(e|et|en|och|og|und|и)\s{1,3}(?=[^\W\d_a-z][\w'’.-]*(?![\w'’.-]|,))"
    # ... and 'y', 'i' only before a whole name of two words or more ('Yadong Mu y Gang Hua'): before one
    # word they join two family names ('Blaise Agüera y Arcas')
    r"|(?<=[^\W\d_]{2})\s{1,3}(y|i)\s{1,3}(?=[^\W\d_a-z][\w'’.-]*\s[^\W\d_a-z][\w'’.-]*(?:\s*$|,|;|\s(?:and|y|&)\s)))"
)
# Function words and frequent title words: a piece containing one is a title, not a name.
_NOT_NAME_WORDS = frozenset(
    {"a", "an", "the", "of", "for", "with", "is", "are", "on", "in", "to", "via", "from", "by", "at",
     "towards", "toward", "using", "all", "you", "need", "what", "how", "why", "when", "do", "does", "can",
     "not", "we", "our", "your", "it", "its", "into", "over", "under", "through", "learning", "network",
     "networks", "model", "models", "neural", "deep", "analysis", "approach", "method", "methods", "based",
     "data", "study", "survey", "review", "proceedings", "conference", "journal", "workshop", "international",
     "preprint", "arxiv", "advances", "press", "university", "vol", "pp", "in:", "transactions",
     "introduction", "system", "systems", "theory", "large", "language", "without", "beyond", "vs", "as",
     "see", "also", "while", "both", "then", "thus", "here", "this", "these", "that", "they", "their", "there",
     "which", "who", "where", "after", "before", "since", "but", "or", "if", "so", "such", "most", "many",
     "some", "other", "new", "recent", "paper", "papers", "work", "works"}
)
# English derivational endings that names lack ("Adaptation", "Robustness"); at least four letters
# must precede them, so "Clement" and "Arous" stay names.
_TITLE_SUFFIX_RE = re.compile(r"\w{4}(?:tion|sion|ment|ness|ity|ism|ogy|ics|ous|able|ible|ized|ised)s?$", re.IGNORECASE)
_ELIDED_RE = re.compile(r"^[a-z]{1,2}['’][A-Z]")  # d'Amore, dell'Orco
_NAME_CHARS_RE = re.compile(r"^[^\W\d_][\w'’.\-]*$")
_INITIAL_PARTS_RE = re.compile(r"[.\-]")
_NOT_IN_NAMES = frozenset(":?!()[]\"“”0123456789/")  # characters no author list has (titles, dates, links)


def _is_initials(tok: str) -> bool:
    """'A.', 'J.B.', 'J.-B.', 'Ch.', bare 'A': the given-name abbreviations of every style."""
    if len(tok) == 1:
        return tok.isupper()
    if "." not in tok:
        return False
    parts = [p for p in _INITIAL_PARTS_RE.split(tok) if p]
    if len(parts) == 1 and len(parts[0]) == 1 and parts[0].isalpha():
        return True  # also lower-case: abbreviated particles, "M. d. Rijke", "J. W. v. d. Meent"
    return bool(parts) and all(
        (len(p) == 1 and p.isupper()) or (len(p) == 2 and p[0].isupper() and p[1].islower()) for p in parts
    )


def _is_bare_initials(tok: str) -> bool:
    """Vancouver/Nature-without-dots given names: 'A', 'AB', 'JBC' (upper-case, no dots)."""
    return 1 <= len(tok) <= 3 and tok.isalpha() and tok.isupper()


def _is_particle(tok: str) -> bool:
    """A lower-case name particle ('van', 'de', 'y'): the full `PARTICLES`, because a lower-case word
    between the parts of a name in an author list is one; `looks_like_names` relies on the list to tell
    names from titles, which are full of lower-case words."""
    return tok.lower() in PARTICLES and tok[:1].islower()


def _family_like(tokens: list[str]) -> bool:
    """A lone family name: one capitalised word, possibly after particles ('van der Maaten'), or
    two joined by 'y', 'e' or 'i' ('Ortega y Gasset', 'Agüera y Arcas', 'Sousa e Silva')."""
    if not tokens or _is_initials(tokens[-1]):
        return False
    if len(tokens) == 1:
        return True
    if all(_is_particle(t) for t in tokens[:-1]) and tokens[-1][:1].isupper():
        return True
    # two family names joined by 'y', 'e' or 'i' (Spanish, Portuguese, Catalan); not 'Emmanuel de Bézenac',
    # a given name and a family name with its particle
    return len(tokens) == 3 and tokens[1] in ("y", "e", "i") and tokens[0][:1].isupper() and tokens[2][:1].isupper()


def _given_like(tokens: list[str]) -> bool:
    """Initials only, or given words ending in initials ('J. B.', 'Ashish A.')."""
    return bool(tokens) and _is_initials(tokens[-1]) and all(
        _is_initials(t) or t[:1].isupper() for t in tokens
    )


def _split_suffix(tokens: list[str]) -> tuple[list[str], str]:
    if len(tokens) > 1 and tokens[-1].lower().rstrip(".,") in NAME_SUFFIXES:
        return tokens[:-1], tokens[-1]
    return tokens, ""


def _plain_name(given: str, family: str) -> bool:
    """Whether "given family" is a plain two-word name (a capitalised given name, no initials, no
    suffix), which `parse_name` reads as written."""
    return (
        given[:1].isupper() and len(given) > 1 and "." not in given
        and len(family) > 1 and "." not in family and not _is_bare_initials(family) and family.lower() not in NAME_SUFFIXES
    )


def parse_name(s: str) -> Author | None:
    """One name in any single-name form: 'Ashish Vaswani', 'A. Vaswani', 'Vaswani A', 'Vaswani, A.',
    'Laurens van der Maaten', 'van der Maaten, L.'. None when nothing name-like is left."""
    s = s.strip(" \t,;:*_")
    if not s.strip("."):
        return None
    if "," in s:  # "Family, Given" (BibTeX, APA single author)
        family, _, given = s.partition(",")
        if family.strip():
            return Author(family=family.strip(), given=given.strip(" ,"))
    tokens = s.split()
    if len(tokens) == 2 and _plain_name(*tokens):  # "Ashish Vaswani", most names: what the steps below make of it, sooner
        return Author(family=tokens[1], given=tokens[0])
    tokens, suffix = _split_suffix(tokens)
    tail = [suffix] if suffix else []
    if len(tokens) > 1 and tokens[-1].endswith(".") and _is_bare_initials(tokens[-1][:-1]) and len(tokens[-1]) > 2:
        tokens[-1] = tokens[-1][:-1]  # "Barclay PJ." (Vancouver): the full stop ends the list
    if len(tokens) == 1:
        return Author(family=tokens[0], given=suffix)
    if _is_particle(tokens[0]) and not any(_is_initials(t) or _is_bare_initials(t) for t in tokens[1:]):
        return Author(family=" ".join(tokens), given=suffix)  # "van den Oord" (et al.): no given name
    # Family first, initials after (Vancouver "Vaswani A", "van der Maaten LJP", "Vaswani A. B.").
    if not _is_initials(tokens[0]) and (
        _is_bare_initials(tokens[-1]) or all(_is_initials(t) for t in tokens[1:])
    ):
        split = next(i for i, t in enumerate(tokens) if i > 0 and (_is_bare_initials(t) or _is_initials(t)))
        return Author(family=" ".join(tokens[:split]), given=" ".join(tokens[split:] + tail))
    # Given first: the family name starts at the first particle after the first word, else is the last word.
    start = next((i for i in range(1, len(tokens) - 1) if _is_particle(tokens[i])), len(tokens) - 1)
    family = " ".join(tokens[start:])
    return Author(family=family.rstrip(".") if family[-2:-1].islower() else family, given=" ".join(tokens[:start] + tail))


def _pieces(s: str) -> list[tuple[str, str]]:
    """Split an author list into (piece, separator-before) pairs."""
    out: list[tuple[str, str]] = []
    pos, sep = 0, ""
    for m in _SEP_RE.finditer(s):
        out.append((s[pos:m.start()].strip(), sep))
        sep, pos = m[m.lastindex or 1].lower(), m.end()  # (each alternative captures its separator)
    out.append((s[pos:].strip(), sep))
    return [(p, sp) for p, sp in out if p.strip(" .")]


def _prepare(s: str) -> tuple[str, bool]:
    """Clean markup and LaTeX, cut at 'et al.'/'and others'; return the rest and whether it was cut."""
    s = clean_text(s).replace("*", " ").replace("_", " ")
    s = single_spaced(s)
    m = _ET_AL_RE.search(s)
    et_al = bool(m)
    if m:
        s = s[: m.start()]
    s = s.strip(" ,;&")
    if s.endswith(" and"):
        s = s[:-4].rstrip(" ,")
    if len(s) > 2 and s[-1] == "." and s[-2].islower() and s[-3].isalpha():  # the full stop after "Hinton."
        s = s[:-1]
    return s, et_al


def parse_authors(s: str | None) -> tuple[list[Author], bool]:
    """Parse an author list of any common style. Returns (authors, et_al), where et_al says the list
    was cut short ('et al.', 'and others'), so that a verifier doesn't count missing names as wrong."""
    if not s:
        return [], False
    s, et_al = _prepare(s)
    if not s:
        return [], et_al
    plain = _plain_and_list(s)
    if plain is not None:
        return plain, et_al
    pieces: list[tuple[str, str]] = []
    for piece, sep in _pieces(s):
        if pieces and piece.lower().rstrip(".") in NAME_SUFFIXES:
            pieces[-1] = (f"{pieces[-1][0]} {piece}", pieces[-1][1])  # "King, Jr., M. L."
        else:
            pieces.append((piece, sep))
    authors: list[Author] = []
    i, inverted_words = 0, False
    semicolons = any(sep == ";" for _, sep in pieces)
    while i < len(pieces):
        piece = pieces[i][0]
        if piece.lower().strip(".") == "al":  # "& al, e." is a mangled "et al."
            et_al = True
            break
        toks, suffix = _split_suffix(piece.split())
        nxt = pieces[i + 1] if i + 1 < len(pieces) else None
        if nxt and nxt[1] == ",":
            nxt_toks = nxt[0].split()
            given = " ".join([nxt[0].strip(), suffix]).strip()
            if _given_like(nxt_toks) and _family_like(toks):
                # "Vaswani, A." / "van der Maaten, L." ("Liam Smith, Y. N." stays given-first: LLMs
                # write that far more often than a two-word family name without a hyphen)
                authors.append(Author(family=" ".join(toks), given=given))
                i += 2
                continue
            after = pieces[i + 2] if i + 2 < len(pieces) else None
            # 'He, Zhang, Ren': surnames; so are three joined by 'and' ('Sun, Mu & Hua', 'Sun, Mu, and Hua')
            lone_surnames = after is not None and len(after[0].split()) == 1 and (
                after[1] == "," or (i + 3 == len(pieces) and after[1] not in (",", ";"))
            )
            # ISO 690 (French, Spanish lists) sets the family name in capitals: 'SUN, Zhicheng, MU, Yadong'
            capitals = all(len(t) > 1 and t.isupper() for t in toks) and not any(t.isupper() for t in nxt_toks)
            # ';' between the authors, ',' inside each (DIN 1505, ACS): 'Petrov, Ilya A.; Marin, Riccardo'
            by_semicolon = semicolons and (i == 0 or pieces[i][1] == ";")
            if ((i == 0 and not lone_surnames) or inverted_words or capitals or by_semicolon) and _family_like(toks) and len(nxt_toks) <= 3 and all(
                t[:1].isupper() and not _is_initials(t) for t in nxt_toks
            ):
                # Inverted full given name: Chicago/MLA first author, or BibTeX "Last, First and ...";
                # but "He, Zhang, Ren, Sun" is four surnames.
                inverted_words = True
                authors.append(Author(family=" ".join(toks), given=given))
                i += 2
                continue
        if not all(_is_initials(t) for t in toks):  # orphan initials have nothing to attach to
            a = parse_name(piece)
            if a:
                authors.append(a)
        i += 1
    return authors, et_al


def _plain_and_list(s: str) -> list[Author] | None:
    """`s` (prepared) read as plain two-word names joined by " and " ("Ashish Vaswani and Noam
    Shazeer", BibTeX's usual list), or None when it is anything else. For such a list the steps of
    `parse_authors` come to the same: with no `,` `;` `&` (nor `:`, which `parse_name` strips) and no
    other "and"/"und" in it, its separators are the "and"s; no piece is a suffix, "al" or initials;
    and each is read by `parse_name`'s two-word case."""
    if "," in s or ";" in s or "&" in s or ":" in s:
        return None
    words = s.split(" ")  # (single-spaced by `_prepare`)
    if len(words) % 3 != 2:
        return None
    authors: list[Author] = []
    for i in range(0, len(words), 3):
        given, family = words[i], words[i + 1]
        if (i + 2 < len(words) and words[i + 2] != "and") or "and" in given or "and" in family or "und" in given or "und" in family:
            return None
        if not _plain_name(given, family):
            return None
        authors.append(Author(family=family, given=given))
    return authors


def _initials_follow(toks: list[str], t: str) -> bool:
    i = toks.index(t)
    return i + 1 < len(toks) and (_is_initials(toks[i + 1]) or _is_bare_initials(toks[i + 1]))


# The last few answers kept: the reference parser asks about the same segment from several places
# (which segment is the author list, where the authors end, whether a bold span is a name): a third
# of its questions on the dev answers repeat one of the last 16. Small, so that it holds just the
# reference being read.
@lru_cache(maxsize=64)
def looks_like_names(s: str) -> bool:
    """Whether a segment of a reference is an author list rather than a title or a venue.

    Used by the reference parser to decide where the authors end. A name list has only capitalised
    words, initials and known particles; titles have function words ("of", "for", "Is", "All") and
    derivational endings ("-tion", "-ness"). Short surnames that are also function words ("An",
    "You", "Do") pass at the end of their piece, where a family name stands."""
    s, et_al = _prepare(s)
    if not s:
        return et_al
    if not _NOT_IN_NAMES.isdisjoint(s):
        return False
    has_word = False
    for piece, _ in _pieces(s):
        toks = [t for t in piece.split() if any(ch.isalpha() for ch in t)]
        words = [t for t in toks if not _is_particle(t) and not _is_initials(t)]
        if len(words) > 5:
            return False
        for j, t in enumerate(words):
            if not (t[:1].isupper() or _ELIDED_RE.match(t)) or not _NAME_CHARS_RE.match(t):
                return False
            low = fold(t).strip(".")
            # A short capitalised name may be a function word too: "Bo An", "Xin You", and before
            # initials "An T. Le", "So AMC" (Vancouver).
            if low in _NOT_NAME_WORDS and not (
                len(low) <= 3 and t[:1].isupper() and (j == len(words) - 1 or _initials_follow(toks, t))
            ):
                return False
            if len(words) > 1 and _TITLE_SUFFIX_RE.search(t):
                return False
        has_word = has_word or bool(words)
    return has_word or et_al  # "Y. Z. et al." has no full word but is still an author list
