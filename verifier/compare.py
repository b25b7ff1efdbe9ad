"""Field-by-field comparison of what a citation claims against a real record.

Similarity alone cannot tell a near-miss fabricated title from a real one with a typo, so every
comparison here ends in an exact decision (`agrees`) on normalised content: title keys, family
names, the year, the venue's canonical name, the identifier.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz import fuzz, process

from citeproof.identifiers import norm_arxiv_id, norm_doi
from citeproof.models import Author
from citeproof.text import token_tuple, tokens

__all__ = [
    "AuthorMatch",
    "CitedAuthors",
    "FoundAuthors",
    "IdMatch",
    "TitleMatch",
    "cited_authors",
    "cited_ids",
    "compare_authors",
    "compare_doi",
    "compare_ids",
    "compare_titles",
    "family_key",
    "is_placeholder_author",
]

_SUBTITLE_SPLIT = re.compile(r"\s*(?::|\s-{1,2}\s|\s–\s|\s—\s|\?)\s*")


@dataclass(frozen=True)
class TitleMatch:
    agrees: bool
    similarity: float
    exact: bool
    variant: str | None = None  # why a non-identical title still agrees, or how it differs
    # the two titles' forms, for the word lists below (read on demand: a citation is compared with
    # about five candidates, and no verdict reads them)
    cited_form: _TitleForm | None = field(default=None, repr=False, compare=False)
    found_form: _TitleForm | None = field(default=None, repr=False, compare=False)

    @property
    def missing_words(self) -> tuple[str, ...]:
        """Words of the real title the cited one lacks."""
        c, f = self.cited_form, self.found_form
        return tuple(w for w in f.words if w not in c.word_set) if c and f else ()

    @property
    def extra_words(self) -> tuple[str, ...]:
        """Words of the cited title the real one lacks."""
        c, f = self.cited_form, self.found_form
        return tuple(w for w in c.words if w not in f.word_set) if c and f else ()


def _main_title(title: str) -> str:
    parts = _SUBTITLE_SPLIT.split(title, maxsplit=1)
    return parts[0] if parts else title


class _TitleForm(NamedTuple):
    """What title comparison reads of a title, computed once per distinct title (cached): a cited
    title is compared with every candidate, and a record's title with every citation it is a
    candidate for."""

    key: str  # title_key(title), as `words` spell it
    words: tuple[str, ...]  # tokens(title), British spellings made American (`_american`)
    text: str  # the tokens joined by spaces (what the similarity is measured on)
    word_set: frozenset[str]
    main_key: str  # the key of the main title (before a colon, dash or question mark)
    main_words: int  # tokens in the main title


_AMPERSAND_RE = re.compile(r"\s&\s")
# British spellings as American ones ('Regularising' is 'Regularizing', 'modelling' 'modeling'): applied
# to both titles, so it can only make equal two words that differ there, never a word changed for another
_SPELLING_RE = re.compile(r"(?<=\w{2})(?:is(?=e|es|ed|ing|ation|ations|er|ers|able)|ys(?=e|es|ed|ing|er|ers)|(?<=[ilvb])our|(?<=l)l(?=ing|ed|er|ers))")
_AMERICAN = {"is": "iz", "ys": "yz", "our": "or", "l": ""}


def _american(word: str) -> str:
    return _SPELLING_RE.sub(lambda m: _AMERICAN[m.group()], word) if len(word) > 5 else word


@lru_cache(maxsize=1 << 16)
def _title_form(title: str) -> _TitleForm:
    if " & " in title:
        title = _AMPERSAND_RE.sub(" and ", title)  # 'Diversify & Disambiguate' is the same title
    words = tuple(_american(w) for w in tokens(title))
    main_words = [_american(w) for w in tokens(_main_title(title))]
    return _TitleForm("".join(words), words, " ".join(words), frozenset(words), "".join(main_words), len(main_words))


def compare_titles(cited: str, found: str) -> TitleMatch:
    """Exact on normalised text; a dropped subtitle still agrees; anything else is a different title."""
    c, f = _title_form(cited), _title_form(found)
    ck, fk = c.key, f.key
    if ck and ck == fk:
        return TitleMatch(True, 1.0, True)
    sim = fuzz.ratio(c.text, f.text) / 100.0
    # "Deep Residual Learning" for "Deep Residual Learning for Image Recognition: ..." is not a variant,
    # but "BERT" for "BERT: Pre-training of ..." is (the main title before a colon).
    cm, fm = c.main_key, f.main_key
    if (cm == fk and c.main_words >= 2) or (ck == fm and fm != fk and f.main_words >= 1 and len(ck) >= 4):
        return TitleMatch(True, max(sim, 0.9), False, "subtitle omitted or added", c, f)
    return TitleMatch(False, sim, False, None, c, f)


def family_key(a: Author) -> str:
    return _joined_tokens(a.family)


def _given_key(a: Author) -> str:
    return _joined_tokens(a.given)


@lru_cache(maxsize=1 << 16)
def _joined_tokens(name: str | None) -> str:
    # Cached: candidates' author lists (up to thousands of names) are compared again and again.
    return "".join(tokens(name))


_PLACEHOLDER_FAMILIES = {
    "lastname",
    "surname",
    "doe",
    "anonymous",
    "author",
    "authors",
    "unknown",
    "others",
    "name",
}
_PLACEHOLDER_GIVEN = {"firstname", "first", "john", "jane", "author", "a", "anonymous"}


def is_placeholder_author(a: Author) -> bool:
    """Names that stand for no one: 'FirstName LastName', 'John Doe', 'Anonymous', 'Author 1'."""
    return _is_placeholder(_name(a.given, a.family))


_NUMBERED_PLACEHOLDER = re.compile(r"author\d*|\d+")


def _is_placeholder(n: _Name) -> bool:
    fam, giv = n.family, n.given
    if fam in {"lastname", "surname", "anonymous", "unknown"} or giv in {"firstname"}:
        return True
    if fam == "doe" and giv in {"john", "jane", "j"}:
        return True
    return bool(_NUMBERED_PLACEHOLDER.fullmatch(fam))


class _Name(NamedTuple):
    """What name comparison reads of an author, computed once per distinct name (cached): records
    can list thousands of authors, and each is compared with every cited name."""

    family: str  # family name tokens joined ('vandermaaten')
    given: str  # given name tokens joined
    family_words: tuple[str, ...]
    first_given: str  # the first given-name token ('yujing' of 'Yujing Z.')
    full: tuple[str, ...]  # all tokens of the name, sorted (the same name split differently)


@lru_cache(maxsize=1 << 16)
def _family_parts(family: str | None) -> tuple[tuple[str, ...], str]:
    """A family name's tokens and its key (`family_key`), from one cache lookup per author."""
    words = token_tuple(family) if family else ()
    return words, "".join(words)


@lru_cache(maxsize=1 << 14)  # small: cached tuples are objects the garbage collector scans
def _name(given: str, family: str) -> _Name:
    if 2 <= len(given) <= 3 and given.isalpha() and given.isupper():
        given = " ".join(given)  # initials run together (Vancouver, AMA: 'Chan KCK'), not a name 'Kck'
    gw, fw = tokens(given), tokens(family)
    return _Name("".join(fw), "".join(gw), tuple(fw), gw[0] if gw else "", tuple(sorted(gw + fw)))


def _given_conflict(c: _Name, f: _Name) -> bool:
    """Both first given names are spelled out and are different names ("Yujing" vs "Yue").

    Initials never conflict with a full name; one name being the prefix of the other (a nickname
    or truncation such as "Alex"/"Alexander") does not either.
    """
    a, b = c.first_given, f.first_given
    if len(a) < 3 or len(b) < 3 or a.startswith(b) or b.startswith(a):
        return False
    return fuzz.ratio(a, b) < 80


def _same_person(c: Author, f: Author) -> bool:
    return _same_name(_name(c.given, c.family), _name(f.given, f.family))


def _same_name(c: _Name, f: _Name) -> bool:
    cf, ff = c.family, f.family
    if not cf or not ff:
        return False
    if cf == ff:
        return not _given_conflict(c, f)
    # the same name split differently ("Mallikarjun B. R." as family R. or family Mallikarjun)
    if c.full == f.full:
        return True
    # particles and compound names: "Maaten" vs "van der Maaten", "Boix" vs "Boix-Adserà"
    cw, fw = c.family_words, f.family_words
    if cw and fw and (cw[-1] == fw[-1] or cw[0] == fw[0]) and (len(cw) > 1 or len(fw) > 1):
        return True
    # family/given written the other way round ("Zhao Chen" as given=Zhao family=Chen vs the reverse)
    if c.given and f.given and cf == f.given and c.given == ff:
        return True
    # transliteration and typo tolerance only for long names
    return min(len(cf), len(ff)) >= 6 and fuzz.ratio(cf, ff) >= 90


@dataclass
class AuthorMatch:
    agrees: bool
    similarity: float
    matched: int
    cited_count: int
    found_count: int
    problems: list[str] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)


FUZZY_SCAN_MAX = 200  # authors: longer lists are matched on exact family names only


_ETAL_FAMILIES = frozenset({"others", "etal"})


class _Pairing(NamedTuple):
    """What `_same_name` can pair a found name with besides an equal family name (`_pairable`)."""

    fulls: frozenset[tuple[str, ...]]
    words: frozenset[str]  # first and last words of the family names
    given_families: frozenset[str]  # family names of authors with given names (written the other way round)
    long_families: tuple[str, ...]  # family names of 6+ characters (transliterations, typos)
    tokens: frozenset[str]  # every token of every name (a found name equal in all tokens has its family's in here)


class CitedAuthors:
    """A citation's author list as `compare_authors` reads it, prepared once per citation
    (`cited_authors`) rather than once per candidate record. What only some comparisons read (the
    pairing sets, the problems of a record with none of the names) is made at the first need: most
    citations have one candidate, their own work, whose authors are found by family name."""

    __slots__ = ("_none_found", "_pairing", "authors", "displays", "families", "names", "placeholders")

    def __init__(self, cited: Sequence[Author]) -> None:
        self.authors = cited
        self.names = names = [_name(c.given, c.family) for c in cited]
        self.displays = displays = [c.display() for c in cited]  # `Author.display()` of each
        # display names of the placeholder authors
        self.placeholders = [d for d, n in zip(displays, names, strict=True) if _is_placeholder(n)]
        # the family names (a record none of whose authors has one is paired by `_pairable` alone)
        self.families = frozenset(n.family for n in names)
        self._pairing: _Pairing | None = None
        self._none_found: tuple[str, ...] | None = None

    @property
    def pairing(self) -> _Pairing:
        if self._pairing is None:
            names = self.names
            self._pairing = _Pairing(
                frozenset(n.full for n in names if n.family),
                frozenset(w for n in names if n.family for w in (n.family_words[:1] + n.family_words[-1:])),
                frozenset(n.family for n in names if n.family and n.given),
                tuple(n.family for n in names if len(n.family) >= 6),
                frozenset(t for n in names for t in n.full),
            )
        return self._pairing

    @property
    def none_found(self) -> tuple[str, ...]:
        """The problems of a record none of whose authors is cited (most candidates of a citation)."""
        if self._none_found is None:
            self._none_found = (*_placeholder_problems(self.placeholders), _not_authors(self.displays))
        return self._none_found


def cited_authors(cited: Sequence[Author]) -> CitedAuthors:
    return CitedAuthors(cited)


def _placeholder_problems(placeholders: Sequence[str]) -> list[str]:
    return ["placeholder author names: " + ", ".join(placeholders)] if placeholders else []


def _not_authors(unmatched: Sequence[str]) -> str:
    return "not authors of this work: " + ", ".join(unmatched)


def _pairable(cited: CitedAuthors, found: FoundAuthors) -> list[int]:
    """The found authors (their indices, in record order) that `_same_name` might pair with a cited
    name of another family name: the only ones a cited name not found among the authors of its own
    family name can be, so that it is compared with these rather than with every author (a record
    can list hundreds). Most candidate records of a citation are other works, whose authors share no
    name with it: for them this is empty, after a few set lookups per author.

    `_same_name(c, f)` with different family names holds only if all tokens are equal (`full`), the
    family names share their first or last word, f's given name is c's family name (written the
    other way round), or both family names have 6+ characters and a ratio >= 90; each test here is
    implied by one of them against some cited name, and `_same_name` itself then decides. It reads
    the found names' family tokens and given names only, the whole name (`_name`) just for a name
    whose family tokens are all among the cited tokens (the same name split differently)."""
    out: list[int] = []
    pairing = cited.pairing
    words, given_families, long_families, tokens = pairing.words, pairing.given_families, pairing.long_families, pairing.tokens
    for j, (family, fw, given) in enumerate(zip(found.families, found.family_words, found.givens(), strict=True)):
        if not family:
            continue
        if (
            fw[0] in words
            or fw[-1] in words
            or (given and given in given_families)
            # a cutoff below `_same_name`'s 90: this only proposes
            or (len(family) >= 6 and long_families and process.extractOne(family, long_families, scorer=fuzz.ratio, score_cutoff=89) is not None)
            or (tokens.issuperset(fw) and found.name(j).full in pairing.fulls)
        ):
            out.append(j)
    return out


class FoundAuthors:
    """A record's author list as `compare_authors` reads it, prepared once per record (by
    `decide.Context.found_authors`) rather than once per citation it is a candidate of: in a batch, a
    record is the candidate of about three citations, and one of a big collaboration lists hundreds
    of names. What every comparison reads (family keys and tokens, given names) comes from caches per
    name part, which many authors share; the whole name (`_name`, cached per distinct name, of which
    a large index holds millions) only where a comparison needs it."""

    __slots__ = ("_givens", "_names", "authors", "by_family", "families", "family_words", "real", "truncated")

    def __init__(self, found: Sequence[Author]) -> None:
        parts = [_family_parts(f.family) for f in found]
        self.authors = found
        self.families = [k for _, k in parts]
        self.family_words = [w for w, _ in parts]
        if _ETAL_FAMILIES.isdisjoint(self.families):
            self.real = list(range(len(found)))  # real authors, by index
        else:
            self.real = [j for j, k in enumerate(self.families) if k not in _ETAL_FAMILIES]
            self.families = [self.families[j] for j in self.real]
            self.family_words = [self.family_words[j] for j in self.real]
        self.truncated = len(self.real) < len(found)  # the record lists only its first authors ("and others")
        self._givens: list[str] | None = None
        self.by_family: dict[str, list[int]] = {}
        for j, k in enumerate(self.families):
            self.by_family.setdefault(k, []).append(j)
        self._names: list[_Name | None] = [None] * len(self.real)

    def givens(self) -> list[str]:
        """The real authors' given names as compared (read at the first need: a list longer than
        `FUZZY_SCAN_MAX`, a collaboration's thousand names, is matched on family names alone)."""
        if self._givens is None:
            self._givens = [_joined_tokens(self.authors[j].given) for j in self.real]
        return self._givens

    def name(self, j: int) -> _Name:
        """The `j`-th real author's name."""
        n = self._names[j]
        if n is None:
            f = self.authors[self.real[j]]
            n = self._names[j] = _name(f.given, f.family)
        return n


def compare_authors(
    cited: Sequence[Author] | CitedAuthors, et_al: bool, found: Sequence[Author] | FoundAuthors
) -> AuthorMatch:
    """All cited authors must be authors of the work, first author first, and the list complete
    unless it says 'et al.'/'and others' (a silently truncated list is a known hallucination).
    `cited` may be prepared by `cited_authors`, when one citation is compared with many records, and
    `found` as a `FoundAuthors`, when one record is compared with many citations."""
    prepared = cited if isinstance(cited, CitedAuthors) else cited_authors(cited)
    cited, cited_names, placeholders = prepared.authors, prepared.names, prepared.placeholders
    rec = found if isinstance(found, FoundAuthors) else FoundAuthors(found)
    found, real, found_truncated, by_family = rec.authors, rec.real, rec.truncated, rec.by_family
    used: set[int] = set()
    matched = 0
    unmatched: list[str] = []
    # Same family name first, looked up in a dict: a record can list thousands of authors (physics
    # and genomics collaborations), and scanning them all for each cited name made one comparison
    # cost tens of ms. The other ways to be the same name (split names, particles, transliterations)
    # are looked for in a name not found that way, in lists of up to FUZZY_SCAN_MAX authors, among
    # the authors `_pairable` leaves (the first in record order that `_same_name` pairs with it, as a
    # scan of every author would find; those of its own family name were just rejected).
    # (none in a list too long to scan; else found at the first need)
    pairable: list[int] | None = [] if len(real) > FUZZY_SCAN_MAX else None
    shares_family = not by_family.keys().isdisjoint(prepared.families)
    if not shares_family:
        # no family name in common, the case of most candidates (other works): unless a name could be
        # paired otherwise, no cited name is an author, and the loop below need not find that out
        if pairable is None:
            pairable = _pairable(prepared, rec)
        if not pairable:
            if real and cited:  # what the steps below conclude when no cited name is an author
                return AuthorMatch(False, 0.0, 0, len(cited), len(real), list(prepared.none_found), list(placeholders))
            unmatched = list(prepared.displays)
    if shares_family or pairable:
        for display, cn in zip(prepared.displays, cited_names, strict=True):
            hit = next((j for j in by_family.get(cn.family, ()) if j not in used and _same_name(cn, rec.name(j))), None)
            if hit is None:
                if pairable is None:
                    pairable = _pairable(prepared, rec)
                hit = next((j for j in pairable if j not in used and _same_name(cn, rec.name(j))), None)
            if hit is None:
                unmatched.append(display)
            else:
                used.add(hit)
                matched += 1
    problems = _placeholder_problems(placeholders)
    if unmatched and found_truncated and matched >= len(real):
        # the record lists only its first authors ("... and others"): later cited names can't be checked
        unmatched = []
    if unmatched:
        problems.append(_not_authors(unmatched))
    if cited and real and not unmatched and not _same_name(cited_names[0], rec.name(0)):
        problems.append(f"first author is {found[real[0]].display()}, not {prepared.displays[0]}")
    if not unmatched and not et_al and not found_truncated and matched < len(real):
        problems.append(f"lists {matched} of {len(real)} authors without 'et al.'")
    denom = max(len(cited), 1)
    sim = matched / denom
    if not et_al and not found_truncated and real:
        sim = matched / max(len(cited), len(real))
    return AuthorMatch(
        agrees=not problems and matched > 0,
        similarity=round(sim, 4),
        matched=matched,
        cited_count=len(cited),
        found_count=len(real),
        problems=problems,
        placeholders=list(placeholders),
    )


@dataclass(frozen=True)
class IdMatch:
    agrees: bool | None  # None: the record has no such identifier to compare with
    cited: str
    found: str | None


def compare_doi(
    cited_doi: str | None, cited_arxiv: str | None, rec_doi: str | None, rec_arxiv: str | None
) -> IdMatch | None:
    """Does the cited DOI / arXiv id identify this record? arXiv DOIs (10.48550/arXiv.X) equal arXiv ids."""
    return compare_ids(cited_ids(cited_doi, cited_arxiv), rec_doi, rec_arxiv)


def cited_ids(doi: str | None, arxiv_id: str | None) -> tuple[str | None, str | None]:
    """A citation's DOI and arXiv id as `compare_ids` compares them (normalised; an arXiv DOI gives
    the arXiv id too): prepared once per citation rather than once per candidate record."""
    cd, ca = norm_doi(doi), norm_arxiv_id(arxiv_id)
    if cd and cd.startswith("10.48550/arxiv."):
        ca = ca or norm_arxiv_id(cd)
    return cd, ca


def compare_ids(cited: tuple[str | None, str | None], rec_doi: str | None, rec_arxiv: str | None) -> IdMatch | None:
    """`compare_doi` with the cited side prepared by `cited_ids`."""
    cd, ca = cited
    if not cd and not ca:
        return None
    rd, ra = norm_doi(rec_doi), norm_arxiv_id(rec_arxiv)
    if rd and rd.startswith("10.48550/arxiv."):
        ra = ra or norm_arxiv_id(rd)
    if cd:
        if rd:
            return IdMatch(cd == rd or (ca is not None and ca == ra), cd, rd)
        if ca and ra:
            return IdMatch(ca == ra, cd, ra)
        return IdMatch(None, cd, None)
    if ca:
        return IdMatch(ca == ra if ra else None, ca, ra)
    return None
