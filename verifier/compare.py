"""Field-by-field comparison of what a citation claims against a real record.

Similarity alone cannot tell a near-miss fabricated title from a real one with a typo, so every
comparison here ends in an exact decision (`agrees`) on normalised content: title keys, family
names, the year, the venue's canonical name, the identifier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz import fuzz

from citeproof.identifiers import norm_arxiv_id, norm_doi
from citeproof.models import Author
from citeproof.text import title_key, tokens

__all__ = [
    "AuthorMatch",
    "IdMatch",
    "TitleMatch",
    "compare_authors",
    "compare_doi",
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
    missing_words: tuple[str, ...] = ()
    extra_words: tuple[str, ...] = ()


def _main_title(title: str) -> str:
    parts = _SUBTITLE_SPLIT.split(title, maxsplit=1)
    return parts[0] if parts else title


def compare_titles(cited: str, found: str) -> TitleMatch:
    """Exact on normalised text; a dropped subtitle still agrees; anything else is a different title."""
    ck, fk = title_key(cited), title_key(found)
    ct, ft = tokens(cited), tokens(found)
    sim = fuzz.ratio(" ".join(ct), " ".join(ft)) / 100.0
    if ck and ck == fk:
        return TitleMatch(True, 1.0, True)
    missing = tuple(w for w in ft if w not in set(ct))
    extra = tuple(w for w in ct if w not in set(ft))
    # "Deep Residual Learning" for "Deep Residual Learning for Image Recognition: ..." is not a variant,
    # but "BERT" for "BERT: Pre-training of ..." is (the main title before a colon).
    cm, fm = title_key(_main_title(cited)), title_key(_main_title(found))
    if (cm == fk and len(tokens(_main_title(cited))) >= 2) or (
        ck == fm and fm != fk and len(tokens(_main_title(found))) >= 1 and len(ck) >= 4
    ):
        return TitleMatch(True, max(sim, 0.9), False, "subtitle omitted or added", missing, extra)
    return TitleMatch(False, sim, False, None, missing, extra)


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
    fam, giv = family_key(a), _given_key(a)
    if fam in {"lastname", "surname", "anonymous", "unknown"} or giv in {"firstname"}:
        return True
    if fam == "doe" and giv in {"john", "jane", "j"}:
        return True
    return bool(re.fullmatch(r"author\d*|\d+", fam))


class _Name(NamedTuple):
    """What name comparison reads of an author, computed once per distinct name (cached): records
    can list thousands of authors, and each is compared with every cited name."""

    family: str  # family name tokens joined ('vandermaaten')
    given: str  # given name tokens joined
    family_words: tuple[str, ...]
    first_given: str  # the first given-name token ('yujing' of 'Yujing Z.')
    full: tuple[str, ...]  # all tokens of the name, sorted (the same name split differently)


@lru_cache(maxsize=1 << 14)  # small: cached tuples are objects the garbage collector scans
def _name(given: str, family: str) -> _Name:
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


def compare_authors(cited: list[Author], et_al: bool, found: list[Author]) -> AuthorMatch:
    """All cited authors must be authors of the work, first author first, and the list complete
    unless it says 'et al.'/'and others' (a silently truncated list is a known hallucination)."""
    found_real = [a for a in found if family_key(a) not in {"others", "etal"}]
    found_truncated = len(found_real) < len(found)
    placeholders = [a.display() for a in cited if is_placeholder_author(a)]
    used: set[int] = set()
    matched = 0
    unmatched: list[str] = []
    # Same family name first, looked up in a dict: a record can list thousands of authors (physics
    # and genomics collaborations), and scanning them all for each cited name made one comparison
    # cost tens of ms. The full scan (split names, particles, transliterations) runs for a name not
    # found that way, over lists of up to FUZZY_SCAN_MAX authors.
    by_family: dict[str, list[int]] = {}
    for j, f in enumerate(found_real):
        by_family.setdefault(family_key(f), []).append(j)
    for c in cited:
        cn = _name(c.given, c.family)
        same = by_family.get(cn.family, ())
        hit = next(
            (
                j
                for j in same
                if j not in used and _same_name(cn, _name(found_real[j].given, found_real[j].family))
            ),
            None,
        )
        if hit is None and len(found_real) <= FUZZY_SCAN_MAX:
            hit = next(
                (
                    j
                    for j, f in enumerate(found_real)
                    if j not in used and _same_name(cn, _name(f.given, f.family))
                ),
                None,
            )
        if hit is None:
            unmatched.append(c.display())
        else:
            used.add(hit)
            matched += 1
    problems: list[str] = []
    if placeholders:
        problems.append("placeholder author names: " + ", ".join(placeholders))
    if unmatched and found_truncated and matched >= len(found_real):
        # the record lists only its first authors ("... and others"): later cited names can't be checked
        unmatched = []
    if unmatched:
        problems.append("not authors of this work: " + ", ".join(unmatched))
    if cited and found_real and not _same_person(cited[0], found_real[0]) and not unmatched:
        problems.append(f"first author is {found_real[0].display()}, not {cited[0].display()}")
    if not unmatched and not et_al and not found_truncated and matched < len(found_real):
        problems.append(f"lists {matched} of {len(found_real)} authors without 'et al.'")
    denom = max(len(cited), 1)
    sim = matched / denom
    if not et_al and not found_truncated and found_real:
        sim = matched / max(len(cited), len(found_real))
    return AuthorMatch(
        agrees=not problems and matched > 0,
        similarity=round(sim, 4),
        matched=matched,
        cited_count=len(cited),
        found_count=len(found_real),
        problems=problems,
        placeholders=placeholders,
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
    cd, ca = norm_doi(cited_doi), norm_arxiv_id(cited_arxiv)
    rd, ra = norm_doi(rec_doi), norm_arxiv_id(rec_arxiv)
    if cd and cd.startswith("10.48550/arxiv."):
        ca = ca or norm_arxiv_id(cd)
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
