"""Identifiers of works: DOIs and arXiv ids, normalised so that one work has one key.

Readers store them this way, the index looks them up this way, and the verifier compares cited ones
this way; a DOI in a URL, an arXiv DOI and an `arXiv:` prefix all reduce to the same key here.
"""

from __future__ import annotations

import re

__all__ = ["arxiv_id_from", "norm_arxiv_id", "norm_doi", "web_page"]

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


# Hosts where scholarly works are published or deposited: publishers, proceedings, preprint servers,
# repositories and indexes. A URL on one of them (or on a university's site, or to a PDF) may be a
# paper's page; `web_page` says a URL elsewhere is not.
_SCHOLARLY_HOST_RE = re.compile(
    r"(?:^|\.)(?:doi\.org|arxiv\.org|openreview\.net|aclanthology\.org|aclweb\.org|semanticscholar\.org|dblp\.org"
    r"|neurips\.cc|nips\.cc|mlr\.press|jmlr\.org|thecvf\.com|ecva\.net|bmva\.org|aaai\.org|ijcai\.org|usenix\.org"
    r"|vldb\.org|isca-speech\.org|isca-archive\.org|roboticsproceedings\.org|acm\.org|ieee\.org|springer\.com"
    r"|springeropen\.com|biomedcentral\.com|wiley\.com|sciencedirect\.com|elsevier\.com|cell\.com|thelancet\.com"
    r"|nature\.com|science\.org|sciencemag\.org|pnas\.org|nejm\.org|bmj\.com|jamanetwork\.com|plos\.org"
    r"|frontiersin\.org|mdpi\.com|hindawi\.com|tandfonline\.com|sagepub\.com|cambridge\.org|oup\.com|jstor\.org"
    r"|iop\.org|aps\.org|aip\.org|acs\.org|rsc\.org|annualreviews\.org|degruyter\.com|karger\.com|emerald\.com"
    r"|informs\.org|siam\.org|ams\.org|projecteuclid\.org|biorxiv\.org|medrxiv\.org|chemrxiv\.org|psyarxiv\.com"
    r"|osf\.io|ssrn\.com|researchgate\.net|academia\.edu|zenodo\.org|hal\.science|archives-ouvertes\.fr"
    r"|ncbi\.nlm\.nih\.gov|europepmc\.org|nih\.gov|scholar\.google\.[a-z.]{2,6}|citeseerx\.ist\.psu\.edu"
    r"|[a-z0-9-]+\.edu|[a-z0-9-]+\.edu\.[a-z]{2}|[a-z0-9-]+\.ac\.[a-z]{2})$",
    re.IGNORECASE,
)
_URL_HOST_RE = re.compile(r"^(?:[a-z][a-z0-9+.-]{0,10}:)?//(?:[^/?#@\s]{0,200}@)?([^/?#:@\s]{1,253})(?=[/?#:]|$)", re.IGNORECASE)


def web_page(url: str | None) -> str | None:
    """The host of `url` when it is an ordinary web page (a blog, a code repository, documentation, a
    news site), not where a scholarly work is published: None for a URL on a publisher's, a
    proceedings', a preprint server's, a repository's or a university's site, for a PDF, for a URL
    holding a DOI, and for what is no URL.

    Why: an index of bibliographic records holds no web pages, so a citation that locates its work
    only by such a URL ("... Towards Data Science. https://towardsdatascience.com/...") is outside
    what the index covers, however familiar its author's name."""
    if not url:
        return None
    u = url.strip()
    if "://" not in u[:12]:
        u = "//" + u  # 'www.example.com/x' as MLA prints it
    m = _URL_HOST_RE.match(u)
    if m is None:
        return None
    host = m.group(1).lower().rstrip(".")
    if "." not in host or _SCHOLARLY_HOST_RE.search(host) or _DOI_RE.search(u):
        return None
    path = u[m.end() :].split("?", 1)[0].split("#", 1)[0].lower()
    if path.endswith(".pdf"):
        return None
    return host.removeprefix("www.")
