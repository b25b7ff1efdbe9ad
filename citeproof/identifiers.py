"""Identifiers of works: DOIs and arXiv ids, normalised so that one work has one key.

Readers store them this way, the index looks them up this way, and the verifier compares cited ones
this way; a DOI in a URL, an arXiv DOI and an `arXiv:` prefix all reduce to the same key here.
"""

from __future__ import annotations

import re

__all__ = ["arxiv_id_from", "norm_arxiv_id", "norm_doi"]

_DOI_RE = re.compile(r"10\.\d{4,9}/\S+", re.IGNORECASE)


def norm_doi(s: str | None) -> str | None:
    """Canonical DOI: lower-case, no resolver prefix, no trailing punctuation."""
    if not s:
        return None
    m = _DOI_RE.search(s.strip())
    if not m:
        return None
    doi = m.group(0).rstrip(".,;:)]}>'\"")
    return doi.lower()


_ARXIV_NEW = re.compile(r"(\d{4}\.\d{4,5})(v\d+)?")
# The lookbehind lets a match start only where a run of [a-z-] starts (leading hyphens skipped):
# the leftmost match is the same, but a long letter run without `/ddddddd` is scanned once instead of
# once per letter (40 KB of letters in a BibTeX `eprint` took 40 s through `Verifier.verify`).
_ARXIV_OLD = re.compile(r"(?<![a-z\-])-*([a-z][a-z\-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?")


def norm_arxiv_id(s: str | None, keep_version: bool = False) -> str | None:
    """Canonical arXiv id ('2310.01362', 'astro-ph/0601001') from an id, URL, or arXiv DOI."""
    if not s:
        return None
    s = s.strip()
    m = _ARXIV_NEW.search(s) or _ARXIV_OLD.search(s)
    if not m:
        return None
    return m.group(1) + ((m.group(2) or "") if keep_version else "")


_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(\S+)", re.IGNORECASE)


def arxiv_id_from(doi: str | None, *urls: str | None) -> str | None:
    """An arXiv id derived from an arXiv DOI (`10.48550/arXiv.1706.03762`) or an arxiv.org URL."""
    m = _ARXIV_DOI.search(doi) if isinstance(doi, str) else None
    if m:
        found = norm_arxiv_id(m.group(1))  # not lower-cased: 'math.GT/0309136' keeps its class
        if found:
            return found
    for url in urls:
        if isinstance(url, str) and "arxiv.org/" in url.lower():
            found = norm_arxiv_id(url.split("arxiv.org/", 1)[-1].split("/", 1)[-1])
            if found:
                return found
    return None
