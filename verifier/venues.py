"""Venue knowledge: is "NeurIPS" the same venue as "Advances in Neural Information Processing Systems 35"?

Real records carry long official names, citations short ones, and LLMs invent plausible-sounding
venues. Names are reduced to a key (folded words without ordinals, years and filler such as
"Proceedings of the"), then mapped to a canonical name through the curated alias table in
`venues.json`; journal ISO abbreviations ("J. Mach. Learn. Res.") match their full names word by
word as prefixes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from rapidfuzz import fuzz

from citeproof.text import tokens

__all__ = ["VenueMatch", "canonical_venue", "compare_venues", "is_multidisciplinary", "is_preprint_venue", "venue_words"]

_FILLER = {
    "proceedings", "proc", "of", "the", "in", "on", "annual", "ieee", "cvf", "acm", "usenix", "pmlr",
    "and", "for", "vol", "volume", "part", "papers",
}
# Words that may follow a known acronym without changing the venue ("NeurIPS Datasets and Benchmarks").
_ACRONYM_TAIL = {
    "datasets", "benchmarks", "track", "main", "conference", "long", "short", "oral", "spotlight", "poster",
    "preprint", "arxiv", "abs", "eprint", "eprints", "e", "prints", "corr", "org", "findings",
}
_ORDINAL = re.compile(r"^\d+(st|nd|rd|th)?$|^(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)$")
_STOP = {"of", "the", "in", "on", "and", "for", "a", "an", "to", "at"}
# An acronym with its year glued on ("EMNLP2023", "ICML2021"): the year goes like any other number.
_GLUED_YEAR = re.compile(r"^([a-z]{2,})(?:19|20)\d\d$")


def venue_words(name: str | None) -> list[str]:
    """Folded words of a venue name without numbers (a year glued to an acronym too), ordinals and filler words."""
    words = []
    for t in tokens(name):
        if t in _FILLER or _ORDINAL.match(t):
            continue
        m = _GLUED_YEAR.match(t)
        words.append(m.group(1) if m else t)
    return words


def _key(name: str | None) -> str:
    return " ".join(venue_words(name))


@lru_cache(maxsize=1)
def _aliases() -> tuple[dict[str, str], list[tuple[list[str], str]]]:
    table = json.loads(resources.files("citeproof.verifier").joinpath("venues.json").read_text(encoding="utf-8"))
    exact: dict[str, str] = {}
    multi: list[tuple[list[str], str]] = []
    for canon, names in table.items():
        if canon.startswith("_"):
            continue
        for name in [canon, *names]:
            k = _key(name)
            if k:
                exact.setdefault(k, canon)
                if len(k.split()) >= 3:  # two-word aliases ("machine learning") are too generic to search inside names
                    multi.append((k.split(), canon))
    multi.sort(key=lambda x: -len(x[0]))
    return exact, multi


def _contains(words: list[str], sub: list[str]) -> bool:
    n = len(sub)
    return any(words[i : i + n] == sub for i in range(len(words) - n + 1))


@lru_cache(maxsize=65536)
def canonical_venue(name: str | None) -> str | None:
    """The canonical short name of a known venue ("NeurIPS", "CVPR", "JMLR"), or None if unknown."""
    if not name:
        return None
    exact, multi = _aliases()
    k = _key(name)
    if k in exact:
        return exact[k]
    for acro in re.findall(r"\(([A-Za-z][A-Za-z\- ]{1,20})\)", name):  # "... Recognition (CVPR)"
        if _key(acro) in exact:
            return exact[_key(acro)]
    words = k.split()
    if words and words[0] in exact and len(words) == 1:
        return exact[words[0]]
    if words and words[0] == "findings":
        # "Findings of the Association for Computational Linguistics: EMNLP 2023", "Findings of ACL": the
        # companion volume of the conference it names (counted with it, as NeurIPS Datasets and Benchmarks
        # is with NeurIPS); without an acronym, "Findings of the ACL" is ACL's
        named = [exact[w] for w in words[1:] if w in exact]
        if named:
            return named[-1]
    for sub, canon in multi:  # longest alias contained in the name
        if _contains(words, sub):
            return canon
    if words and words[0] in exact and all(w in _ACRONYM_TAIL for w in words[1:]):
        # "NeurIPS Datasets and Benchmarks", "ICML Conference": a known name with harmless words after it
        return exact[words[0]]
    return None


@lru_cache(maxsize=1)
def _multidisciplinary() -> frozenset[str]:
    table = json.loads(resources.files("citeproof.verifier").joinpath("venues.json").read_text(encoding="utf-8"))
    return frozenset(table.get("_multidisciplinary", []))


def is_multidisciplinary(canonical: str | None) -> bool:
    """Whether a canonical venue publishes every field (Nature, Science, PNAS): an index of one field
    that holds a few of its papers does not hold the rest, whoever wrote them."""
    return canonical in _multidisciplinary()


def is_preprint_venue(name: str | None) -> bool:
    return canonical_venue(name) == "arXiv"


def _abbreviates(short: list[str], full: list[str]) -> bool:
    """ISO-style abbreviation: each word of `short` is a prefix of the next words of `full`, in order."""
    if not short or len(short) != len(full):
        return False
    j = 0
    for w in short:
        while j < len(full) and not full[j].startswith(w):
            j += 1
        if j == len(full):
            return False
        j += 1
    return True


@dataclass(frozen=True)
class VenueMatch:
    agrees: bool
    similarity: float
    cited_canonical: str | None
    found_canonical: str | None


def compare_venues(cited: str, found: str) -> VenueMatch:
    """Do two venue strings name the same venue? Workshops never equal their main conference."""
    cc, fc = canonical_venue(cited), canonical_venue(found)
    cw = [t for t in tokens(cited) if t not in _STOP and not _ORDINAL.match(t)]
    fw = [t for t in tokens(found) if t not in _STOP and not _ORDINAL.match(t)]
    workshop_differs = ("workshop" in cw or "workshops" in cw) != ("workshop" in fw or "workshops" in fw)
    sim = fuzz.token_sort_ratio(" ".join(cw), " ".join(fw)) / 100.0
    if workshop_differs:
        return VenueMatch(False, min(sim, 0.5), cc, fc)
    if cc and fc:
        return VenueMatch(cc == fc, 1.0 if cc == fc else min(sim, 0.3), cc, fc)
    if _abbreviates(cw, fw) or _abbreviates(fw, cw):
        return VenueMatch(True, max(sim, 0.9), cc, fc)
    if cc or fc:
        # one side is a known venue, the other an unknown name: same only if nearly identical text
        return VenueMatch(sim >= 0.95, sim, cc, fc)
    return VenueMatch(sim >= 0.9, sim, cc, fc)
