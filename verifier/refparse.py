"""Parse ONE reference string (any common style) into the fields a verifier checks.

LLMs write references in APA, IEEE, MLA, Chicago, Harvard, Vancouver, ACM and Nature styles, and in
markdown variants of them (`**Title** — Authors (Venue Year)`, `[Title](https://doi.org/...)`). No
grammar covers them all, so the parser works from the strongest evidence down:

1. identifiers (DOI, arXiv id, PMID, ISBN, URL) are pulled out first and blanked, so their dots and digits can't
   be mistaken for sentence ends or years;
2. a title that the writer marked (quotes, bold, link text) wins;
3. otherwise the reference is cut into segments at sentence ends that are not initials ("J. B."), and
   the author list, found by shape (`looks_like_names`), tells which segment is the title;
4. the year is a parenthesised year if there is one ("(2017)", "(ICLR 2021)"), else the last year
   outside the title; a future year is kept, since judging it is the verifier's job.

Every regex here is bounded or anchored on a literal, so a hostile string costs linear time.
"""

from __future__ import annotations

import bisect
import operator
import re
from dataclasses import dataclass, field, fields
from typing import Any

from citeproof.identifiers import arxiv_id_from, norm_arxiv_id, norm_doi
from citeproof.models import Author
from citeproof.text import clean_text, has_letters, latex_to_unicode, strip_markup
from citeproof.verifier.names import looks_like_names, parse_authors
from citeproof.vocabulary import AND_AFTER_INITIAL_PATTERN, CASELESS_PARTICLES, YEAR

__all__ = ["Identifier", "ParsedReference", "acl_doi", "find_identifiers", "find_year", "norm_isbn", "parse_reference"]


@dataclass(slots=True)
class ParsedReference:
    """The fields one reference claims. `title_marked` records that the writer set the title off with
    quotes, bold or a link, which makes the string a reference even without an author list."""

    title: str | None = None
    authors: list[Author] = field(default_factory=list)
    et_al: bool = False
    year: int | None = None
    venue: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    url: str | None = None
    pmid: str | None = None
    isbn: str | None = None
    title_marked: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The fields by name (shallow: the `Author`s are shared, not copied)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class Identifier:
    """A DOI, arXiv id, PMID, ISBN or URL found in text: its span, and what it resolves to."""

    start: int
    end: int
    doi: str | None = None
    arxiv_id: str | None = None
    url: str | None = None
    pmid: str | None = None
    isbn: str | None = None  # ISBN-13 digits

    @property
    def scholarly(self) -> bool:
        """Whether it names a work: an id, or the URL of a paper's page (OpenReview, ACL Anthology,
        Semantic Scholar, a publisher's article page). An ordinary link (code, a blog) does not."""
        return bool(self.doi or self.arxiv_id or self.pmid or self.isbn or (self.url and _PAPER_URL_RE.search(self.url)))


# --- identifiers ---------------------------------------------------------------------------------

# Also the scheme-less forms MLA prints: "arxiv.org/abs/2005.14165", "doi.org/10.1038/...", "www.".
_URL_RE = re.compile(
    r"(?<![\w@/.])(?:https?://|www\.|(?:dx\.)?doi\.org/|arxiv\.org/)[^\s<>\"'\[\]{}|\\^`]{1,2000}", re.IGNORECASE
)
# ... and those of the scholarly sites ("pubmed.ncbi.nlm.nih.gov/31452104/", "aclanthology.org/N19-1423"),
# looked for only where one of `_HOSTS` occurs (a second pattern, so that the common scan stays short).
_HOSTS = (
    "ncbi.nlm.nih.gov/", "europepmc.org/", "openreview.net/", "aclanthology.org/", "aclweb.org/", "semanticscholar.org/",
    "dl.acm.org/", "link.springer.com/", "onlinelibrary.wiley.com/", "ieeexplore.ieee.org/", "sciencedirect.com/",
)
_HOST_URL_RE = re.compile(
    r"(?<![\w@/.])(?:(?:pubmed\.|pmc\.)?ncbi\.nlm\.nih\.gov/|europepmc\.org/|openreview\.net/|aclanthology\.org/"
    r"|(?:anthology\.)?aclweb\.org/|(?:api\.)?semanticscholar\.org/|dl\.acm\.org/|link\.springer\.com/"
    r"|onlinelibrary\.wiley\.com/|ieeexplore\.ieee\.org/|sciencedirect\.com/)[^\s<>\"'\[\]{}|\\^`]{1,2000}",
    re.IGNORECASE,
)
# The page of one paper on a scholarly site: a citation even where the URL holds no DOI or arXiv id.
_PAPER_URL_RE = re.compile(
    r"(?:^|[/.])(?:openreview\.net/(?:forum|pdf|attachment)\?(?:[^#\s]{0,200}&)?id="
    r"|(?:aclanthology\.org|aclweb\.org/anthology|anthology\.aclweb\.org)/(?:[a-z]/[a-z]\d\d/|papers/)?(?:[a-z]\d\d-\d|\d{4}\.[a-z])"
    r"|semanticscholar\.org/(?:paper/|arxiv/|corpusid:)|ieeexplore\.ieee\.org/(?:abstract/)?(?:document|stamp|xpls?)/"
    r"|sciencedirect\.com/science/article/|ncbi\.nlm\.nih\.gov/pmc/articles/|pmc\.ncbi\.nlm\.nih\.gov/articles/"
    r"|europepmc\.org/(?:article|abstract)/|proceedings\.neurips\.cc/paper|papers\.nips\.cc/paper"
    r"|proceedings\.mlr\.press/v\d|jmlr\.org/papers/v\d|dl\.acm\.org/(?:doi|citation)"
    r"|link\.springer\.com/(?:article|chapter|book)/|onlinelibrary\.wiley\.com/doi/)",
    re.IGNORECASE,
)
_DOI_RE = re.compile(r"(?<![\w./])(?:doi\s{0,2}:\s{0,2}|doi\s{1,2})?10\.\d{4,9}/[^\s<>\"\[\]{}]{1,300}", re.IGNORECASE)
_ARXIV_RE = re.compile(
    r"\barxiv\s{0,2}[:.]?\s{0,2}(?:abs/)?(\d{4}\.\d{4,5}(?:v\d{1,3})?|[a-z][a-z\-]{1,20}(?:\.[a-z]{2})?/\d{7}(?:v\d{1,3})?)(?!\w|\.\d)",
    re.IGNORECASE,
)
# Without the "arXiv:" prefix only forms that can't be anything else: an old-style id with its
# archive name, or a new-style id with a version ("1706.03762v5"; a bare "1706.03762" may be a number).
_BARE_ARXIV_RE = re.compile(
    r"(?<![\w/.-])((?:hep-(?:th|ph|ex|lat)|astro-ph|cond-mat|gr-qc|math-ph|nucl-(?:th|ex)|quant-ph|physics|math|cs"
    r"|nlin|q-bio|q-fin|stat|cmp-lg|chao-dyn|solv-int|patt-sol|adap-org|alg-geom|dg-ga|funct-an|q-alg)"
    r"(?:\.[A-Z]{2})?/\d{7}(?:v\d{1,3})?|\d{4}\.\d{4,5}v\d{1,3})(?!\w|\.\d)"
)
_ARXIV_NUMBER_RE = re.compile(r"\d\.\d{4}")  # in every id `_BARE_ARXIV_RE` finds without a "/"
_URL_DOI_RE = re.compile(r"(?:doi\.org/|[/=])(10\.\d{4,9}/.{1,300})", re.IGNORECASE)
# What a publisher's URL adds after the DOI: '.../10.3389/fnins.2020.00001/full', '.../s11263-015-0816-y.pdf'.
_URL_DOI_TAIL_RE = re.compile(r"(?:\.pdf|/(?:full|abstract|pdf|epdf|meta|fulltext(?:\.html)?))$", re.IGNORECASE)
_PUBMED_URL_RE = re.compile(
    r"(?:pubmed\.ncbi\.nlm\.nih\.gov/|ncbi\.nlm\.nih\.gov/pubmed/(?:\?term=)?|europepmc\.org/(?:article|abstract)/med/)(\d{1,9})(?![\w.])",
    re.IGNORECASE,
)
_PMID_RE = re.compile(r"(?<![\w/])(?:PMID|[Pp]mid|Pub[Mm]ed\s?ID)\s{0,2}[:#]?\s{0,2}(\d{1,9})(?![\w-]|\.\d)")
# A PMC id is kept as the URL of its PMC page (citations have no field of their own for it).
_PMCID_RE = re.compile(r"(?<![\w/])(?:PMCID\s{0,2}:?\s{0,2})?(PMC\d{4,9})(?![\w-]|\.\d)")
# 'ISBN 978-0-262-03561-3', 'ISBN-10: 0-262-03561-8', 'ISBN 978 0 262 03561 3': the digits are read
# greedily and then cut where 13 or 10 of them make a valid ISBN (`_isbn_at`).
_ISBN_RE = re.compile(r"(?<!\w)(?:ISBN|isbn)(?:[-‐ ]?1[03](?!\d))?\s{0,2}:?\s{0,2}([\dXx](?:[ \-‐]?[\dXx]){9,16})")
# Without the prefix only a hyphenated ISBN-13 ('978-0-262-03561-3'), which is nothing else.
_BARE_ISBN_RE = re.compile(r"(?<![\w/.\-‐])97[89](?:[-‐]\d{1,7}){3}[-‐]\d(?![\w\-‐]|\.\d)")
# ACL Anthology ids: old-style 'N19-1423' (venue letter, year, number) and new-style '2020.acl-main.1'.
_ACL_URL_RE = re.compile(
    r"(?:aclanthology\.org|aclweb\.org/anthology|anthology\.aclweb\.org)/(?:[a-z]/[a-z]\d\d/|papers/)?"
    r"([a-z]\d\d-\d{4}|\d{4}\.[a-z\d]{1,40}(?:-[a-z\d]{1,40}){0,3}\.\d{1,4})(?:v\d{1,2})?(?![\w-]|\.\d)",
    re.IGNORECASE,
)
# ACL's DOIs (10.18653/v1/<id>) began in 2016, for the events the ACL publishes itself: ACL, NAACL,
# EMNLP, EACL, CoNLL, SemEval and the workshops. The journals (CL, TACL: MIT Press DOIs), LREC, RANLP
# and COLING before 2020 have none under this prefix.
_ACL_DOI_LETTERS = frozenset("PNDEKSW")
_ACL_NO_DOI_VENUES = frozenset({"cl", "tacl", "lrec", "ranlp"})
_TRAILING = ".,;:!?'\"*_>`’”"


def _trim(s: str) -> str:
    """Drop the punctuation a sentence or markup put after an identifier, and unbalanced closers
    ('(see doi:10.1/x).' -> '10.1/x', but '10.1016/S0140-6736(20)30183-5' keeps its parentheses)."""
    extra = {")": s.count(")") - s.count("("), "]": s.count("]") - s.count("[")}
    end = len(s)
    while end:
        ch = s[end - 1]
        if ch in _TRAILING:
            end -= 1
        elif ch in extra and extra[ch] > 0:
            extra[ch] -= 1
            end -= 1
        else:
            break
    return s[:end]


def _url_doi(url: str, low: str) -> str | None:
    """The DOI a URL embeds (doi.org, and publishers' '/doi/10.1145/...', '/article/10.1007/...'),
    without the query, fragment or '.pdf' that follow it in the URL."""
    m = _URL_DOI_RE.search(url)
    if not m or not ("doi" in low or "/10." in low or "=10." in low):
        return None
    doi = m.group(1)
    for sep in "?#&" if m.group(0)[0] == "=" else "?#":
        doi = doi.split(sep, 1)[0]
    doi = _URL_DOI_TAIL_RE.sub("", doi.rstrip("/"))
    return norm_doi(doi)


def acl_doi(anthology_id: str) -> str | None:
    """The DOI of an ACL Anthology paper ('N19-1423' -> '10.18653/v1/n19-1423'), where it has one:
    new-style ids ('2020.acl-main.1') and old-style ones from 2016 on, of the ACL's own events."""
    if anthology_id[:1].isdigit():
        venue = anthology_id.split(".")[1].split("-")[0].lower()
        return None if venue in _ACL_NO_DOI_VENUES else norm_doi(f"10.18653/v1/{anthology_id}")
    aid = anthology_id.upper()
    if aid[0] in _ACL_DOI_LETTERS and 16 <= int(aid[1:3]) < 60:
        return norm_doi(f"10.18653/v1/{aid}")
    return None


def _identifier_from_url(start: int, url: str) -> Identifier:
    arxiv = pmid = None
    low = url.lower()
    doi = _url_doi(url, low)
    i = low.find("arxiv.org/")
    if i >= 0:
        arxiv = norm_arxiv_id(url[i + 10 : i + 80])
    elif "semanticscholar.org/arxiv/" in low:
        arxiv = norm_arxiv_id(url[low.find("/arxiv/") + 7 :][:80])
    if "ncbi" in low or "europepmc" in low:
        m = _PUBMED_URL_RE.search(url)
        pmid = m.group(1).lstrip("0") or None if m else None
    if doi is None and "acl" in low:
        m = _ACL_URL_RE.search(url)
        doi = acl_doi(m.group(1)) if m else None
    return Identifier(start, start + len(url), doi=doi, arxiv_id=arxiv or arxiv_id_from(doi), url=url, pmid=pmid)


_W13 = (1, 3) * 6 + (1,)
_W10 = tuple(range(10, 0, -1))


def _isbn13(digits: str) -> str | None:
    """ISBN-13 digits for 13 or 10 digits ('X' last in an ISBN-10) with a valid check digit, else None."""
    if len(digits) == 13 and digits.isdigit() and digits[:3] in ("978", "979"):
        return digits if sum(map(operator.mul, map(int, digits), _W13)) % 10 == 0 else None
    if len(digits) == 10 and digits[:9].isdigit() and (digits[9].isdigit() or digits[9] in "Xx"):
        last = 10 if digits[9] in "Xx" else int(digits[9])
        if (sum(map(operator.mul, map(int, digits[:9]), _W10)) + last) % 11:
            return None
        core = "978" + digits[:9]
        return core + str(-sum(map(operator.mul, map(int, core), _W13)) % 10)
    return None


def norm_isbn(s: str | None) -> str | None:
    """Canonical ISBN (13 digits) from an ISBN-10 or -13 written with or without hyphens and spaces,
    or None when the check digit is wrong."""
    if not s or len(s) > 40:
        return None
    return _isbn13("".join(ch for ch in s if ch.isdigit() or ch in "Xx"))


def _isbn_at(s: str, a: int, b: int) -> tuple[int, str] | None:
    """In the run of ISBN digits s[a:b], the valid ISBN that starts it: (its end, ISBN-13). The run
    may go on into other numbers ('ISBN 0-262-03384-4 2009'), so it is cut only between groups."""
    digits = ""
    ends: dict[int, int] = {}
    for k in range(a, b):
        if s[k] in " -‐":
            continue
        digits += s[k]
        if len(digits) in (10, 13) and (k + 1 == b or s[k + 1] in " -‐"):
            ends[len(digits)] = k + 1
    for n in (13, 10):
        if n in ends:
            isbn = _isbn13(digits[:n])
            if isbn:
                return ends[n], isbn
    return None


def find_identifiers(s: str) -> list[Identifier]:
    """Every URL, DOI, arXiv id, PMID, PMC id and ISBN in `s`, in order, with trailing punctuation
    left out of the span.

    An id inside a URL belongs to the URL's identifier (one per URL); an ACL Anthology URL gets the
    paper's DOI where it has one."""
    found: list[Identifier] = []
    starts: list[int] = []  # the taken spans, disjoint and sorted, for an O(log n) overlap test
    ends: list[int] = []

    def take(ident: Identifier) -> None:
        i = bisect.bisect_right(starts, ident.start)
        if (i and ends[i - 1] > ident.start) or (i < len(starts) and starts[i] < ident.end):
            return  # inside an identifier already found (the DOI in a doi.org URL)
        starts.insert(i, ident.start)
        ends.insert(i, ident.end)
        found.append(ident)

    # Each scan only where a literal its every match holds occurs: most text has none, and a scan is a
    # pass over it (with IGNORECASE a dotless "ı" matches "i", so the literals tested in `low` avoid "i").
    low = s.lower()
    if "http" in low or "www." in low or ".org/" in low:
        for m in _URL_RE.finditer(s):
            url = _trim(m.group(0))
            if "." in url[url.find("/") + 2 :] or not url.lower().startswith("http"):
                take(_identifier_from_url(m.start(), url))
    if any(h in s for h in _HOSTS):
        for m in _HOST_URL_RE.finditer(s):
            take(_identifier_from_url(m.start(), _trim(m.group(0))))
    if "10." in s:
        for m in _DOI_RE.finditer(s):
            raw = _trim(m.group(0))
            doi = norm_doi(raw)
            if doi:
                take(Identifier(m.start(), m.start() + len(raw), doi=doi, arxiv_id=arxiv_id_from(doi)))
    if "MID" in s or "mid" in s or "ed ID" in s or "edID" in s:
        for m in _PMID_RE.finditer(s):
            pmid = m.group(1).lstrip("0")
            if pmid:
                take(Identifier(m.start(), m.end(), pmid=pmid))
    if "PMC" in s:
        for m in _PMCID_RE.finditer(s):
            take(Identifier(m.start(), m.end(), url=f"https://pmc.ncbi.nlm.nih.gov/articles/{m.group(1)}/"))
    if "ISBN" in s or "isbn" in s:
        for m in _ISBN_RE.finditer(s):
            hit = _isbn_at(s, m.start(1), m.end(1))
            if hit:
                take(Identifier(m.start(), hit[0], isbn=hit[1]))
    if "978" in s or "979" in s:
        for m in _BARE_ISBN_RE.finditer(s):
            isbn = norm_isbn(m.group(0))
            if isbn and len(isbn) == sum(ch.isdigit() for ch in m.group(0)):
                take(Identifier(m.start(), m.end(), isbn=isbn))
    scans = ([_ARXIV_RE] if "rx" in low else []) + ([_BARE_ARXIV_RE] if "/" in s or _ARXIV_NUMBER_RE.search(s) else [])
    for rx in scans:
        for m in rx.finditer(s):
            take(Identifier(m.start(), m.end(), arxiv_id=norm_arxiv_id(m.group(1))))
    found.sort(key=lambda x: x.start)
    return found


# --- years ---------------------------------------------------------------------------------------

# (a leading lookahead: the characters a match can start with, so that other positions fail at once)
_YEAR_RE = re.compile(r"(?=[12])(?<![\w.])(" + YEAR + r")(?:[a-z](?![a-z]))?(?![\w])")
_PAREN_YEAR_RE = re.compile(r"\(([^()\n]{0,60}?[\s,(])?(" + YEAR + r")[a-z]?(?:[,\s][^()\n]{0,40})?\)")
_YEAR_ONLY_RE = re.compile(r"^[(\[]?\s{0,3}(?:" + YEAR + r"[a-z]?|n\.\s?d\.?)\s{0,3}[)\]]?[.,:;]?$", re.IGNORECASE)


_PAGE_RANGE_RE = re.compile(r"\bpp?\.\s{0,2}\d{1,6}(?:\s{0,2}[–—-]{1,2}\s{0,2}\d{1,6})?|\d{1,6}\s{0,2}[–—-]{1,2}\s{0,2}\d{1,6}")


def find_year(s: str, skip: tuple[int, int] = (0, 0)) -> int | None:
    """The publication year: the first parenthesised year if any, else the last bare year; years
    inside `skip` (the title span) don't count, since titles quote years ("WMT 2019"), nor do page
    numbers ("pp. 1899–1907", "1930–1938")."""
    outside = [m for m in _PAREN_YEAR_RE.finditer(s) if not (skip[0] <= m.start(2) < skip[1])]
    if outside:
        return int(outside[0].group(2))
    years = [m for m in _YEAR_RE.finditer(s) if not (skip[0] <= m.start() < skip[1])]
    if len(years) > 1:
        pages = [(m.start(), m.end()) for m in _PAGE_RANGE_RE.finditer(s)]
        if pages:
            not_pages = [y for y in years if not any(a <= y.start() < b for a, b in pages)]
            years = not_pages or years
    return int(years[-1].group(1)) if years else None


# --- titles --------------------------------------------------------------------------------------

_QUOTED_RES = [
    re.compile(r'"(?=\S)([^"\n]{3,600})"'),
    re.compile(r"``(?=\S)([^`'\n]{3,600}?)''"),  # LaTeX: ``Attention is not explanation,''
    re.compile(r"“([^”\n]{3,600})”"),
    re.compile(r"„([^“”\n]{3,600})[“”]"),
    re.compile(r"«\s?([^»\n]{3,600}?)\s?»"),
    re.compile(r"‘([^’\n]{3,600}?)’(?!\w)"),
    # Straight single quotes (Harvard: "(2015) 'Deep learning', *Nature*") only where a title can
    # start, since apostrophes are everywhere: at the start or after ") ", ". ", ", ", ": ".
    re.compile(r"(?:^|(?<=[).,:]\s))'(?=\S)((?:[^'\n]|'(?=\w)){3,600}?)'(?![\w'])"),
]
_BOLD_RE = re.compile(r"\*\*(?=\S)([^*\n]{2,600})\*\*|__(?=\S)([^_\n]{2,600})__")
# "**Label**: explanation" / "**Label:**" is how LLMs head a bullet, not how they mark a title.
_LABEL_RE = re.compile(r"\s{0,8}(?:\*\*[^*\n]{1,120}\*\*\s{0,2}:|\*\*[^*\n]{1,120}:\*\*)")
_LINK_RE = re.compile(r"\[([^\[\]\n]{3,600})\]\(")
_ITALIC_RE = re.compile(r"(?=[*_])(?:(?<![*\w])\*(?=[^\s*])([^*\n]{1,600})\*(?![*\w])|(?<![_\w])_(?=[^\s_])([^_\n]{1,600})_(?![_\w]))")
# A sentence end; "?" and "!" only where a new part clearly starts, since titles ask questions
# mid-title ("Self-training? A theoretical analysis").
_BOUNDARY_RE = re.compile(
    r"(?=[.?!\s])(?:\.{1,3}[\"'”’*_)\]]{0,3}(?=\s|$)|[?!]{1,2}[\"'”’*_)\]]{0,3}(?:\.|$|(?=\s{1,3}(?:[*_(\[]|[Ii]n\b|\d)))|\s[—–]\s|\s--\s)"
)
_ABBREVIATIONS = frozenset(
    {"vs", "e.g", "i.e", "cf", "proc", "vol", "no", "pp", "eds", "ed", "int", "conf", "trans", "adv", "st", "jr", "dr"}
)
_HYPHEN_INITIALS_RE = re.compile(r"(?:[^\W\d_]\.?-){1,3}[^\W\d_]")  # "D.-C", "J-B"
_LEAD_PAREN_RE = re.compile(r"\(([^()\n]{2,300})\)")
_EDITION_RE = re.compile(r"^\s{0,3}\((?:[^()\d]{0,10}\d{0,3}[^()\d]{0,20})\)")  # "(2nd ed.)", "(Vol. 26)"
# ('In:' as Spanish, French, Portuguese, German, Italian, Polish and Russian lists write it: 'En NeurIPS', 'Dans', 'W:')
_IN_RE = re.compile(
    r"^(?:in\s{0,3}:|in\b|published in\b|presented at\b|appeared in\b|(?:en|dans|em|im|nel|na)\b:?|(?:w|в)\s{0,3}:"
    # 'presented at', 'published in' in other languages: 'apresentado na NeurIPS', 'publié dans', 'vorgestellt auf'
    r"|(?:apresentad[oa]|publicad[oa]|presentad[oa]|présentée?|publiée?|vorgestellt|veröffentlicht|pubblicat[oa]|presentat[oa])"
    r"\s(?:na|no|nos|nas|em|en|el|la|à|au|aux|dans|lors de|auf|bei|in|im|su|a|al|alla|nel|nella)\b)\s{0,3}",
    re.IGNORECASE,
)
_PAGES_TAIL_CHARS = "0123456789 \t:;–-(),."
_PAGES_WORD_RE = re.compile(r"\b(?:vol|no|pp|p)\.?$", re.IGNORECASE)
_NOISE_RE = re.compile(r"\b(?:available at|available from|retrieved from|accessed|url|\[online\]|online)\b.{0,80}$", re.IGNORECASE)
_EMPHASIS_MARK_RE = re.compile(r"(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)")
# GB/T 7714, the Chinese national standard, as Chinese journals and LLMs answering in Chinese write it: a
# document type code in brackets right after the title ('[J]' journal article, '[C]' proceedings paper,
# '[M]' book, '[D]' thesis, '[EB/OL]' online resource ...), and '//' before the container of a part:
# 'HE K, ZHANG X, et al. Deep residual learning for image recognition[C]//Proceedings of CVPR. 2016: 770-778.'
_GBT_TYPE_RE = re.compile(
    r"(?<=[^\s\[\]])[ \t]?\[(?:J|C|M|D|R|S|P|N|A|Z|G|K|EB|DB|CP|DS|CM)(?:/(?:OL|CD|MT|DK))?\][ \t]?(//)?[ \t]?"
)
_GBT_ACCESSED_RE = re.compile(r"\[(?:1[89]|20)\d\d-\d\d?-\d\d?\]")


def _gbt_cut(m: re.Match[str]) -> str:
    """A GB/T 7714 type code read as the end of the title, its '//' as 'In:'."""
    return ". In: " if m.group(1) else ". "


def _strip_markup(s: str) -> str:
    """Title text without markdown emphasis, link brackets, surrounding quotes or the final period."""
    s = s.replace("**", "").replace("__", "")
    if "*" in s or "_" in s:
        s = _EMPHASIS_MARK_RE.sub("", s)
    s = clean_text(s).strip(" \t[]")
    s = s.strip("\"“”‘’'«» ")
    s = s.rstrip(" ,;:.").strip("\"“”‘’'«» ")
    return s


def _is_author_year(s: str) -> bool:
    m = _PAREN_YEAR_RE.search(s)
    return m is not None and looks_like_names(s[: m.start()])


_IN_BEFORE_RE = re.compile(r"(?<![\w])(?:In|in|Em|em|En|en|Dans|dans|W|w):\s{0,3}$")
_IN_TITLE_AFTER_DATE_RE = re.compile(r"\(" + YEAR + r"[a-z]?\)[.:]?\s{1,3}[^\W\d_][^.\"“”]{0,200}$")


def _marked_title(w: str) -> tuple[int, int] | None:
    """The span of a title the writer marked: quoted, bold, or the text of a markdown link."""
    # (not a phrase quoted inside a title that follows an author-date head: 'Lu, Y. (2023). Calibrating
    # "Cheap Signals" in Peer Review ...')
    quoted = [m for rx in _QUOTED_RES for m in [rx.search(w)] if m and not _IN_TITLE_AFTER_DATE_RE.search(w, 0, m.start())]
    # A bold author-year ("**Vaswani et al. (2017)**") heads the entry but is not its title; a bold
    # that merely looks like names ("**Categorical Flow Maps**") is one when nothing else is.
    # Nor is a bold after 'In:' (ABNT, the Brazilian standard, sets the venue in bold: 'Title. In:
    # **NEURIPS**, 2021').
    bolds = [
        m for m in _BOLD_RE.finditer(w)
        if has_letters(m.group(1) or m.group(2)) and not _is_author_year(m.group(1) or m.group(2))
        and not _IN_BEFORE_RE.search(w, max(0, m.start() - 8), m.start())
    ]  # not a bold volume number ("*Nature* **518**")
    bold = [m for m in bolds if not looks_like_names(m.group(1) or m.group(2))][:1] or bolds[:1]
    # (not a link whose text was an identifier, blanked above: '[https://doi.org/...](https://doi.org/...)')
    link = [m for m in _LINK_RE.finditer(w) if has_letters(m.group(1)) and not _URL_RE.match(m.group(1).strip())][:1]
    outer = bold + link
    if quoted:
        q = min(quoted, key=lambda m: m.start())
        if len(q.group(1).split()) >= 2 or not outer:
            enclosing = [o for o in outer if o.start() <= q.start() and q.end() <= o.end()]
            best = enclosing[0] if enclosing else q
            return best.start(1) if best.group(1) is not None else best.start(2), best.end(best.lastindex or 1)
    if outer:
        o = min(outer, key=lambda m: m.start())
        g = 1 if o.group(1) is not None else 2
        return o.start(g), o.end(g)
    return None


def _segments(w: str, vancouver: bool) -> list[tuple[int, int]]:
    """Cut a reference at sentence ends that are not initials or abbreviations, and around a
    parenthesised year, giving the (start, end) of each non-empty segment."""
    cuts: list[tuple[int, int]] = []  # (end of segment, start of next)
    for m in _BOUNDARY_RE.finditer(w):
        if m.group(0)[0] in " \t" and w[m.end() : m.end() + 1].islower():
            continue  # 'Diversify and disambiguate — out-of-distribution robustness ...': a subtitle
        if m.group(0)[0] == ".":
            j = m.start()
            k = j
            while k > 0 and (w[k - 1].isalnum() or w[k - 1] in ".-'’"):
                k -= 1
            word = w[k:j]
            if word.lower() in _ABBREVIATIONS and not (vancouver and word.isupper() and len(word) > 1):
                continue  # ("Subrahmanian VS." in a Vancouver list is initials, not "vs.")
            if ((len(word) == 1 and word.isalpha()) or (word[:1].isupper() and _HYPHEN_INITIALS_RE.fullmatch(word))) and not vancouver:
                continue  # an initial ("J. B.", "M. v. d. Schaar", "D.-C.")
        cuts.append((m.start() if m.group(0)[0] in " \t" else m.end(), m.end()))
    for m in _PAREN_YEAR_RE.finditer(w):
        if m.group(1) is None:  # only a bare "(2017)" is a segment of its own
            cuts.append((m.start(), m.start()))
            cuts.append((m.end(), m.end()))
    cuts.sort()
    segs: list[tuple[int, int]] = []
    pos = 0
    for end, nxt in cuts:
        if end > pos:
            segs.append((pos, end))
        pos = max(pos, nxt)
    segs.append((pos, len(w)))
    out = []
    for a, b in segs:
        while a < b and w[a] in " \t,;:":
            a += 1
        while b > a and w[b - 1] in " \t,;:":
            b -= 1
        if b > a and any(ch.isalnum() for ch in w[a:b]):
            out.append((a, b))
    return out


def _is_vancouver(w: str) -> bool:
    """'Vaswani A, Shazeer N.': initials without dots after the family name, so '. ' after a capital
    letter ends the author list instead of abbreviating a given name ('Jacob D. Abernethy')."""
    head = w.lstrip()
    cut = min((i for i in (head.find(","), head.find(". ")) if i >= 0), default=-1)
    if cut < 0:
        return False
    toks = head[:cut].split()
    if len(toks) < 2 or not _is_caps(toks[-1]) or not all((t[:1].isupper() and not _is_caps(t)) or t.islower() for t in toks[:-1]):
        return False
    if head[cut] == ",":
        return True
    # "Vaswani A. Attention is ..." vs "Jacob D. Abernethy and ...": names after the dot mean an initial.
    after = head[cut + 2 :]
    words = after.split(maxsplit=2)
    nxt = words[0] if words else ""
    # "Barclay PJ. A rule-based model": a capital without a dot before a lower-case word starts the title.
    initial = len(nxt.rstrip(".,")) == 1 and not (nxt.isalpha() and len(words) > 1 and words[1][:1].islower())
    return not (initial or looks_like_names(re.split(r"[,.]", after, maxsplit=1)[0]))


def _is_caps(tok: str) -> bool:
    return 1 <= len(tok) <= 3 and tok.isalpha() and tok.isupper()


_PIECE_SEP_RE = re.compile(
    r",\s|;\s|\s&\s|\s(?:and|und)\s|(?<=\.)\s" + AND_AFTER_INITIAL_PATTERN + r"\s(?=[^\W\d_])"
    r"|\s" + AND_AFTER_INITIAL_PATTERN + r"\s(?=[^\W\d_a-z][^\W\d_a-z'’-]{1,40},)"  # ISO 690: 'KHAN, Zaid et FU, Yun'
)
_INITIALS_RE = re.compile(r"(?:[^\W\d_]\.-?){1,4}")
_INITIAL_GAP_RE = re.compile(r"(?<![\w.])[^\W\d_]\.:?\s")  # 'A. ', and 'A.: ' (Springer LNCS)


def _name_piece(s: str) -> bool:
    """One piece of an author list: a name, or the initials that follow an inverted family name."""
    return looks_like_names(s) or (bool(s.strip()) and all(_INITIALS_RE.fullmatch(t) for t in s.split()))


# 'Family, Given' as DIN 1505 lists write each name, ';' between them: 'Petrov, Ilya A.', 'Bézenac, Emmanuel de'
_DIN_NAME_RE = re.compile(
    r"[^\W\d_][\w'’-]*(?: [\w'’-]+){0,2}, (?:[A-ZÀ-Þ][a-zß-ÿ][\w'’-]*)(?: [A-ZÀ-Þ][a-zß-ÿ][\w'’-]*)?(?: [^\W\d_]\.){0,2}"
    r"(?: u\. a\.| et al\.)?|[^\W\d_][\w'’-]*(?: [\w'’-]+){0,2}, [^\W\d_]\.(?: ?[^\W\d_]\.){0,2}(?: u\. a\.| et al\.)?"
)  # (given names, then initials: 'Ilya A.'; or initials alone: 'J. B.'; never an initial then a word: 'Z. UAST')
_ENDS_ET_AL_RE = re.compile(r"(?:\bet\.?\s{0,3}al\.?|\bu\.\s{0,2}a\.|\band others)$", re.IGNORECASE)


def _names_colon(w: str, a: int, b: int) -> int | None:
    """Where the title starts after a list of names that a colon ends, or None: 'Wei, Y., Ji, Z.,
    Zuo, W.: Inferring and ...' (Springer LNCS), 'Neumann, Stefan; Peng, Pan u. a.: Sublinear-Time
    ...' (DIN 1505). A list of names, so that a title's own colon ('BERT: Pre-training ...',
    'Attention, Please: ...') is not taken for one."""
    colon = w.find(": ", a, b)
    first = w[colon + 2 : colon + 3] if colon > a else ""
    if not first or not (first.isupper() or first.isdigit() or first in "*\"“_"):
        return None
    left = w[a:colon]
    parts = [p for p in _PIECE_SEP_RE.split(left) if p.strip()]
    # a list, not a title's own colon ('Attention, Please: ...', 'Gan, C. RISP: Rendering ...'): names
    # ending with an initial (LNCS) or 'et al.', or separated by ';' and ending with one given name (DIN)
    last = left.rsplit(None, 1)[-1] if left.strip() else ""
    listed = (
        _INITIALS_RE.fullmatch(last) is not None
        or _ENDS_ET_AL_RE.search(left) is not None
        or ("; " in left and all(_DIN_NAME_RE.fullmatch(n) for n in left.split("; ")))
    )
    if len(parts) >= 2 and listed and all(_name_piece(p) for p in parts):
        return colon + 2
    return None


def _split_authors(w: str, a: int, b: int) -> int | None:
    """Where the author list ends inside one segment that also holds the title, or None.

    'Vaswani, A., Shazeer, N. & Parmar, N. Attention is all you need' has no sentence end between
    authors and title (the last initial's dot is the only one), and 'A. Vaswani et al., Attention is
    all you need, in NeurIPS' ends its authors with a comma. Walk the separated pieces while they are
    names; the first piece that is not either starts the title (comma case) or starts with names up to
    an initial's dot. One pass: each piece is looked at once."""
    pos = a
    pieces = 0
    for m in [*_PIECE_SEP_RE.finditer(w, a, b), None]:
        end = m.start() if m else b
        piece = w[pos:end]
        if not _name_piece(piece):
            for g in reversed(list(_INITIAL_GAP_RE.finditer(piece))[-6:]):
                left, right = piece[: g.end()], piece[g.end() :]
                if (right[:1].isupper() or right[:1] in "*\"“_") and _name_piece(left.replace(":", "")) and not looks_like_names(right):
                    return pos + g.end()
            if pieces and w[pos - 2 : pos] == ", ":
                return pos
            return None
        pieces += 1
        if m is None:
            return None
        pos = m.end()
    return None


# Initials, then a word that is not one more initial ('Adversarial', 'wav2vec', 'A study', '*Title*').
_LEAD_INITIALS_RE = re.compile(
    r"(?:[^\W\d_]\.(?:-?[^\W\d_]\.){0,2}\s{1,3}){1,4}(?![*_]{0,2}(?:et|al|and|others)\b)(?=[^\W\d_][\w'’]|[^\W\d_]\s[^\W\d_A-Z]|[*\"“_])"
)


def _inverted_split(w: str, a: int, b: int) -> int | None:
    """'Lu, C., Willi, T. & Foerster, J. N. Adversarial Cheap Talk' (Nature style): after an inverted
    family name, a piece that starts with initials and goes on with words holds that author's
    initials and then the title, however name-like the title's words look. Returns where the title
    starts, or None."""
    pos = a
    family_before = False  # the previous piece was a lone family name ('Foerster')
    for m in [*_PIECE_SEP_RE.finditer(w, a, b), None]:
        end = m.start() if m else b
        piece = w[pos:end]
        if family_before:
            lead = _LEAD_INITIALS_RE.match(piece)
            if lead:
                return pos + lead.end()
        toks = piece.split()
        family_before = bool(toks) and toks[-1][:1].isupper() and not _INITIALS_RE.fullmatch(toks[-1]) and all(
            t.lower() in CASELESS_PARTICLES for t in toks[:-1]
        )
        if m is None:
            return None
        pos = m.end()
    return None


def _title_end_in(w: str, a: int, b: int) -> int:
    """Where a title that runs into the venue ends (', in ...', ', In: ...', and the comma-separated
    venue and year of 'S. Jain, B. C. Wallace, Attention is not explanation, NAACL, 2019')."""
    m = re.search(r",\s{1,3}(?:in|In)\b:?", w[a:b])
    if m:
        return a + m.start()
    commas = [c.start() for c in re.finditer(r",\s", w[a:b])][-8:]
    cut, has_year = b, False
    for c in reversed(commas):
        part = w[a + c + 1 : cut].strip(" .")
        if not _venue_like(part):
            break
        has_year = has_year or bool(_YEAR_RE.search(part))
        cut = a + c
    return cut if has_year and cut > a else b


_VENUE_WORDS = frozenset({"of", "on", "in", "and", "for", "the", "&", "vol.", "no.", "pp."})


def _venue_like(part: str) -> bool:
    """A comma-separated part after a title that is a venue, volume, pages or year, not more title."""
    words = part.split()
    if not words or len(words) > 8 or ":" in part or words[0] in ("and", "or"):
        return False
    return any(ch.isdigit() for ch in part) or all(t[:1].isupper() or t.lower() in _VENUE_WORDS for t in words)


_LEAD_YEAR_PAREN_RE = re.compile(r"^\(\s?" + YEAR + r"[a-z]?\s?\)[\s.,;:—–-]*(?=\S)")


def _venue(w: str) -> str | None:
    """The venue from what follows title and authors: italic text, a '(Venue Year)' parenthetical,
    or the next segment with 'In', year, volume and pages taken off."""
    m = _ITALIC_RE.search(w)
    if m:
        v = _strip_markup(m.group(1) or m.group(2) or "")
        return v or None
    s = _EDITION_RE.sub("", w).strip(" \t.,;:—–-[]")
    s = _LEAD_YEAR_PAREN_RE.sub("", s)  # '(2021), apresentado na NeurIPS': the venue is after the year
    paren = _PAREN_YEAR_RE.search(s)
    if paren and paren.group(1) and not s[: paren.start()].strip(" .,;:—–-"):
        s = paren.group(1)
    s = _NOISE_RE.sub("", s)
    s = _IN_RE.sub("", s.strip())
    years = list(_YEAR_RE.finditer(s))
    if years:
        cut = years[0].start() if years[0].start() > 0 else years[0].end()
        s = s[:cut] if years[0].start() > 0 else s[cut:]
    s = s.rstrip(_PAGES_TAIL_CHARS)  # ", 30(2), pp. 5998–6008": volume, issue and pages
    s = _PAGES_WORD_RE.sub("", s).rstrip(_PAGES_TAIL_CHARS).strip(" \t.,;:—–-()[]*_")
    s = _IN_RE.sub("", s)  # (again, once a year before it is gone: '(Akula et al., 2021) – presented at NeurIPS')
    s = clean_text(s)
    return s if 1 < len(s) <= 300 else None


def parse_reference(s: str) -> ParsedReference:
    """Parse one reference in any common style; fields that can't be found are left empty."""
    ref = ParsedReference()
    chars = list(s)
    for ident in find_identifiers(s):
        chars[ident.start : ident.end] = " " * (ident.end - ident.start)
        ref.doi = ref.doi or ident.doi
        ref.arxiv_id = ref.arxiv_id or ident.arxiv_id
        ref.url = ref.url or ident.url
        ref.pmid = ref.pmid or ident.pmid
        ref.isbn = ref.isbn or ident.isbn
    w = "".join(chars)
    if "\\" in w:  # LaTeX accents ('Sch{\\"o}lkopf') carry quote characters that would look like a title
        w = latex_to_unicode(w)
    w = strip_markup(w)  # HTML entities ('d&apos;Amore') and tags
    if ". . ." in w:  # APA's ellipsis in a long author list ('Zhao, C., . . . Wang, D.') is no sentence end
        w = w.replace(". . .", "     ")
    if "]" in w:
        w, gbt = _GBT_TYPE_RE.subn(_gbt_cut, w)
        if gbt:  # its access date, '(2017-06-12)[2024-01-01]', is not when the work appeared
            w = _GBT_ACCESSED_RE.sub(" ", w)
    label = _LABEL_RE.match(w)
    if label:  # "**Transformer**: Vaswani et al. ..." - the bullet's label is not part of the reference
        w = " " * label.end() + w[label.end() :]

    authors: tuple[int, int] | None = None
    marked = _marked_title(w)
    if marked:
        t0, t1 = marked
        ref.title_marked = True
        authors = (0, t0)
    else:
        segs = [g for g in _segments(w, _is_vancouver(w)) if not _YEAR_ONLY_RE.match(w[g[0] : g[1]])]
        if not segs:
            return ref
        a, b = segs[0]
        trailing_year = _TRAILING_YEAR_RE.search(w, a, b)
        if trailing_year and len(segs) > 1 and looks_like_names(w[a : trailing_year.start()]):
            b = trailing_year.start()  # 'Jain, S. and Wallace, B.C., 2019. Attention is ...' (Harvard, Elsevier)
        t0, t1 = a, b
        inv = _inverted_split(w, a, b)
        by = _BY_RE.search(w, a, b)
        colon = _names_colon(w, a, b)
        if colon:
            authors, (t0, t1) = (a, colon), (colon, _title_end_in(w, colon, b))
        elif inv:
            authors, (t0, t1) = (a, inv), (inv, _title_end_in(w, inv, b))
        elif by and by.start() > a and len(w[by.end() : b].split()) > 1 and looks_like_names(w[by.end() : b]):
            (t0, t1), authors = (a, by.start()), (by.end(), b)  # 'Title, by Prafulla Dhariwal and Alex Nichol (2021)'

        elif len(segs) > 1 and looks_like_names(w[a:b]):
            authors, (t0, t1) = (a, b), segs[1]
        else:
            cut = _split_authors(w, a, b)
            if cut:
                authors, (t0, t1) = (a, cut), (cut, _title_end_in(w, cut, b))
    if not marked:
        lead = _ITALIC_RE.match(w, t0)  # "*Reinforcement learning: An introduction* (2nd ed.)": the title is the emphasis
        if lead and lead.end() < t1:
            t0, t1 = lead.start(), lead.end()
    ref.title = _strip_markup(w[t0:t1]) or None
    if not marked and ref.title and ref.title[0].islower() and w[:t0].rstrip(" \t,").endswith(")"):
        # "Smith et al. (2020) showed that ...": a sentence about a work, not its title
        ref.title = None
    rest = t1
    if w[rest : rest + 2] == " »":  # (French quotes close after a space: '« Title »')
        rest += 1
    while rest < len(w) and w[rest] in "\"”’'*_»]“":  # closing marks belong to the title ('„Title“' too)
        rest += 1
    if authors and not looks_like_names(_author_text(w, authors)):
        # Unexplained words before a marked title ('In 2020, the term "foundation model"'): prose.
        ref.title_marked = ref.title_marked and not _author_text(w, authors)
        authors = None
    if authors is None:
        authors, rest = _authors_after(w, rest)
    if authors:
        ref.authors, ref.et_al = parse_authors(_author_text(w, authors))
    ref.year = find_year(w, (t0, t1))
    ref.venue = _venue(w[rest:])
    return ref


_BY_RE = re.compile(r",\s(?:by|By)\s")  # the comma: "Object Detection by Points" is a title
_TRAILING_YEAR_RE = re.compile(r",?\s{1,3}" + YEAR + r"[a-z]?\.?$")


# What may stand between a title and the names after it: a blanked link target "(   )", a year
# ('Title (2019). Authors.'), a dash, and 'by' as English, French, Spanish, Portuguese, Italian, German,
# Dutch, Swedish and Polish lists write it ('« Title », de Youzhi Zhang, ...', '„Title“ von A und B').
_AFTER_TITLE_RE = re.compile(
    r"(?:\(\s{0,2000}\))?[\s,.:;]{0,10}(?:\(" + YEAR + r"[a-z]?\)[\s,.:;]{0,10})?"
    r"(?:[—–-]{1,2}|by\b|(?:de|par|por|von|di|da|door|av|przez)\s(?=[^\W\d_a-z]))?"
)


def _authors_after(w: str, pos: int) -> tuple[tuple[int, int] | None, int]:
    """Title-first styles ('**Title** — Authors (Venue Year)', 'Title. Authors. Venue.'): the author
    list is the first segment after the title, up to a parenthesis or bracket. Returns its span (or
    None) and where the rest of the reference starts."""
    # "(   )": a blanked link target; "(2019)": 'Title (2019). Authors. Venue.'
    m = _AFTER_TITLE_RE.match(w[pos:])
    a = pos + (m.end() if m else 0)
    paren = _LEAD_PAREN_RE.match(w, a)
    if paren:  # "**Title** (Devlin et al., 2019, *NAACL*)": names open the parenthetical
        # all of them: '*Title* (Sun, Mu & Hua, CVPR 2023)'
        end = _names_prefix(w, paren.start(1), paren.end(1))
        if end and looks_like_names(w[paren.start(1) : end]):
            return (paren.start(1), end), end
        names = re.split(r",\s|\s(?=" + YEAR + r")", paren.group(1))
        if names and looks_like_names(names[0]):
            return (paren.start(1), paren.start(1) + len(names[0])), paren.start(1) + len(names[0])
    stop = len(w)
    for ch in "([":
        i = w.find(ch, a)
        if i >= 0:
            stop = min(stop, i)
    segs = _segments(w[a:stop], False)
    if segs:
        s0, s1 = segs[0]
        if looks_like_names(w[a + s0 : a + s1]):
            return (a + s0, a + s1), a + s1
        end = _names_prefix(w, a + s0, a + s1)  # 'Title — Jain & Wallace, NAACL 2019'
        if end:
            return (a + s0, end), end
    return None, pos


def _names_prefix(w: str, a: int, b: int) -> int | None:
    """The end of the longest run of name pieces at the start of w[a:b] that stops at ', ' before
    something that is not a name ('Jain & Wallace, NAACL 2019'), or None."""
    pos, end = a, None
    for m in _PIECE_SEP_RE.finditer(w, a, b):
        piece = w[pos : m.start()]
        if not _name_piece(piece) or any(sum(ch.isupper() for ch in t[1:]) >= 2 for t in piece.split()):
            break  # an acronym ('NAACL') is a venue, not a name
        if m.group(0) == ", ":
            end = m.start()
        pos = m.end()
    return end


def _author_text(w: str, span: tuple[int, int]) -> str:
    """The author list in `span` with list markers, years and dangling punctuation removed."""
    s = w[span[0] : span[1]]
    s = _PAREN_YEAR_RE.sub(" ", s)
    s = re.sub(r"(?<![\w.])" + YEAR + r"[a-z]?(?![\w])|\(n\.\s?d\.\)", " ", s)
    s = re.sub(r"\s+[.,;:]+(?=\s|$)", " ", s)  # what a removed year leaves: 'Wallace. 2019.' -> 'Wallace.  .'
    s = s.replace("**", " ").replace("__", " ")
    return s.strip(" \t,;:—–-(\"“„«'‘*_")
