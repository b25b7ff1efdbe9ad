"""From a citation and its retrieved candidates to a verdict with evidence.

Two questions, kept apart:
1. *Which real work is meant?* The candidate whose title is the cited title (exactly, or with a
   subtitle dropped), or nearly so while other fields confirm it, or which the cited DOI/arXiv id
   names while title or authors confirm it. If none: the citation is `fabricated` where the index
   covers where it places the work (`Context.covers`) or it is impossible on its own, else
   `unverifiable`; the nearest works become suggestions, never "the" answer.
2. *Does every stated field agree with it?* Each field is compared exactly after normalisation;
   any disagreement makes a `mismatch` that names the field and gives the record's value.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources

from citeproof.identifiers import norm_doi, web_page
from citeproof.index.core import Hit
from citeproof.models import Citation, CitationResult, FieldCheck, Record, Status, Suggestion
from citeproof.verifier.compare import (
    AuthorMatch,
    CitedAuthors,
    FoundAuthors,
    IdMatch,
    TitleMatch,
    cited_authors,
    cited_ids,
    compare_authors,
    compare_ids,
    compare_titles,
)
from citeproof.verifier.venues import VenueMatch, canonical_venue, compare_venues, venue_words

__all__ = [
    "SETTLE_HINT", "Assessment", "Cited", "Context", "assess", "decide", "keeps_tentative", "known_doi_prefix", "web_located",
]  # fmt: skip

# Venues that publish without registering DOIs (OpenReview, PMLR, NeurIPS proceedings, JMLR/TMLR):
# a DOI cited for one of their papers, other than its arXiv DOI, cannot be that paper's.
NO_DOI_VENUES = frozenset({"ICLR", "ICML", "NeurIPS", "COLT", "AISTATS", "UAI", "CoRL", "TMLR", "JMLR"})
NEAR_TITLE = 0.85  # a title this similar may be the same work if authors/ids confirm it
MAX_SUGGESTIONS = 5
# Confidence of `unverifiable` for a title not found outside the index's coverage, before calibration:
# whether the work exists is open either way, so it is stated as an even chance. The calibration table
# replaces it with the fitted probability that such a work is real (bucket "unverifiable|out_of_coverage",
# fitted on GPT-3.5 title lists by `bench/calibrate.py`); status never depends on it.
OUT_OF_COVERAGE_CONFIDENCE = 0.5
# How to settle a citation not found outside the index's coverage; the verifier replaces it with what the
# online sources said once it has asked them (`Verifier._settle_online`).
SETTLE_HINT = "to settle it: run with --online, or index a dump that covers it"


@lru_cache(maxsize=1)
def _curated_prefixes() -> frozenset[str]:
    data = json.loads(resources.files("citeproof.verifier").joinpath("doi_prefixes.json").read_text("utf-8"))
    return frozenset(p.split("/")[0] for p in data["prefixes"])


def known_doi_prefix(doi: str, index_prefixes: set[str]) -> bool:
    prefix = doi.split("/", 1)[0]
    return prefix in _curated_prefixes() or prefix in index_prefixes


@dataclass
class Context:
    """What a decision needs to know beyond the candidates."""

    today: date = field(default_factory=date.today)
    index_size: int = 0
    doi_prefixes: set[str] = field(default_factory=set)
    venue_known: Callable[[str], bool] = lambda v: False
    # a venue of a field the index does not hold (`Verifier._foreign_venue`): unknown, but no evidence
    # that it does not exist
    venue_foreign: Callable[[str], bool] = lambda v: False
    # where the index covers a citation's claim: None when the index keeps no coverage (an old index:
    # every unfound title is then `fabricated`, as before); else a callback giving (covered, reasons),
    # the reasons saying in words what the index holds there (`Verifier._covers`)
    covers: Callable[[Citation], tuple[bool, list[str]]] | None = None
    # strict: tolerated imprecision (a dropped subtitle, the preprint cited for a published work) is a
    # mismatch too, for CI gates that want every reference exact
    strict: bool = False
    # each candidate record's authors prepared once per batch (`found_authors`), by the record's
    # identity; the record is kept with them, so no other object takes its id while the batch lasts
    _found: dict[int, tuple[Record, FoundAuthors]] = field(default_factory=dict, repr=False)

    def found_authors(self, rec: Record) -> FoundAuthors:
        """`rec`'s authors as `compare_authors` reads them, prepared at the first need in this batch."""
        got = self._found.get(id(rec))
        if got is None:
            got = self._found[id(rec)] = (rec, FoundAuthors(rec.authors))
        return got[1]


def record_venue(rec: Record) -> str | None:
    """A record's venue; an arXiv record without one is a preprint."""
    if rec.venue:
        return rec.venue
    doi = norm_doi(rec.doi) or ""
    if doi.startswith("10.48550/") or (rec.arxiv_id and rec.source in (None, "arxiv")):
        return "arXiv"
    return None


_GENERIC_VENUE_WORDS = frozenset({"conference", "journal", "symposium", "workshop", "transactions", "meeting", "publication"})


def stated_venue(c: Citation) -> str | None:
    """The venue a citation claims; a bare "Proceedings" or "In Conference" claims none."""
    words = set(venue_words(c.venue)) if c.venue else set()
    return c.venue if words - _GENERIC_VENUE_WORDS else None


# Words by which a venue name says it is a scholarly one, not a website's or a blog's name.
_SCHOLARLY_VENUE_WORDS = frozenset({
    "conference", "journal", "symposium", "workshop", "transactions", "proceedings", "letters", "annals", "bulletin",
    "review", "reviews", "congress", "colloquium",
})  # fmt: skip


def web_located(c: Citation) -> str | None:
    """The host of the web page by which alone `c` locates its work (`identifiers.web_page`: a blog, a
    repository, documentation): it gives no DOI, arXiv id, PMID or ISBN, and names no venue as a
    scholarly one (a conference, a journal, proceedings). None otherwise.

    Why: an index of bibliographic records holds no web pages, so such a work is outside its
    coverage, and the name of the site it is on ('Towards Data Science', 'Medium') is no venue that
    the index's field would list, so that the index not knowing it proves nothing."""
    if c.doi or c.arxiv_id or c.pmid or c.isbn or not c.url:
        return None
    if c.venue and not _SCHOLARLY_VENUE_WORDS.isdisjoint(venue_words(c.venue)):
        return None
    return web_page(c.url)


@dataclass
class Assessment:
    """One candidate compared with the citation, field by field."""

    record: Record
    title: TitleMatch | None = None
    authors: AuthorMatch | None = None
    year: bool | None = None
    venue: VenueMatch | None = None
    venue_note: str | None = None
    ident: IdMatch | None = None
    via: set[str] = field(default_factory=set)
    dense: float = 0.0

    @property
    def score(self) -> float:
        t = self.title.similarity if self.title else (0.6 if self.ident and self.ident.agrees else 0.0)
        a = self.authors.similarity if self.authors else 0.5
        s = 0.6 * t + 0.25 * a
        s += 0.08 * (1.0 if self.year else 0.0 if self.year is False else 0.5)
        s += 0.04 * (1.0 if self.venue and self.venue.agrees else 0.0 if self.venue else 0.5)
        s += 0.03 * (1.0 if self.ident and self.ident.agrees else 0.0 if self.ident and self.ident.agrees is False else 0.5)
        if self.title and self.title.exact:
            s += 0.1
        return round(min(s, 1.0), 4)

    @property
    def identifies(self) -> bool:
        """Is this record the work the citation means (even if some fields are wrong)?"""
        t, a, i = self.title, self.authors, self.ident
        if t and t.agrees:
            return True
        confirmed_by_authors = a is not None and a.matched > 0 and a.similarity >= 0.5
        if t and t.similarity >= NEAR_TITLE and (confirmed_by_authors or (i and i.agrees)):
            return True
        # an identifier names the work only if the cited title (when given) is recognisably its title;
        # a real DOI attached to an unrelated title is a fabrication, not a typo
        if i and i.agrees and (t is None or t.similarity >= 0.6):
            return True
        return False


@dataclass(frozen=True)
class Cited:
    """What `assess` reads of a citation besides its title, prepared once for all its candidates."""

    authors: CitedAuthors | None
    venue: str | None  # `stated_venue`
    venue_is_preprint: bool
    ids: tuple[str | None, str | None]  # `compare.cited_ids`

    @classmethod
    def of(cls, c: Citation) -> Cited:
        venue = stated_venue(c)
        return cls(
            authors=cited_authors(c.authors) if c.authors else None,
            venue=venue,
            venue_is_preprint=bool(venue) and canonical_venue(venue) == "arXiv",
            ids=cited_ids(c.doi, c.arxiv_id),
        )


@lru_cache(maxsize=1 << 14)
def _venue_match(cited: str, found: str) -> VenueMatch:
    # cached: a batch compares a few dozen venue names with each other thousands of times
    return compare_venues(cited, found)


def assess(c: Citation, hit: Hit, cited: Cited | None = None, ctx: Context | None = None) -> Assessment:
    """`hit`'s record compared with `c` field by field; `cited`: `Cited.of(c)`, when `c` has many hits;
    `ctx`, the batch's context, when its records are candidates of many citations."""
    rec = hit.record
    cited = cited or Cited.of(c)
    out = Assessment(record=rec, via=set(hit.via), dense=hit.dense)
    if c.title:
        out.title = compare_titles(c.title, rec.title)
    if cited.authors is not None:
        found = ctx.found_authors(rec) if ctx is not None else rec.authors
        out.authors = compare_authors(cited.authors, c.et_al, found)
    if c.year is not None and rec.year is not None:
        out.year = c.year == rec.year
    cited_venue = cited.venue
    rv = record_venue(rec) if cited_venue else None
    if cited_venue and rv:
        vm = _venue_match(cited_venue, rv)
        rec_is_preprint = canonical_venue(rv) == "arXiv"
        if not vm.agrees and cited.venue_is_preprint and not rec_is_preprint:
            # citing the arXiv version of a published work is legitimate, just less precise
            vm = VenueMatch(True, vm.similarity, vm.cited_canonical, vm.found_canonical)
            out.venue_note = f"cites the preprint; published in {rv}"
        elif not vm.agrees and rec_is_preprint:
            out.venue_note = f"venue: the work is a preprint (arXiv), not published in {cited_venue} per this index"
        out.venue = vm
    out.ident = compare_ids(cited.ids, rec.doi, rec.arxiv_id)
    return out


def _fmt_authors(authors: list) -> str:
    return _fmt_names([a.display() for a in authors[:8]], len(authors))


def _fmt_names(displays: list[str], count: int) -> str:
    """The first eight of `count` names (their `Author.display()`), then "et al." if there are more."""
    return ", ".join(displays[:8]) + (" et al." if count > 8 else "")


def _field_checks(c: Citation, a: Assessment, ctx: Context, cited: Cited) -> tuple[list[FieldCheck], list[str]]:
    rec = a.record
    checks: list[FieldCheck] = []
    problems: list[str] = []
    if a.title is not None:
        checks.append(FieldCheck(field="title", cited=c.title, found=rec.title, similarity=a.title.similarity, agrees=a.title.agrees))
        if not a.title.agrees:
            problems.append(f"title differs from the real title {rec.title!r}")
    if a.authors is not None:
        checks.append(
            FieldCheck(
                field="authors",
                cited=(_fmt_names(cited.authors.displays, len(c.authors)) if cited.authors else _fmt_authors(c.authors))
                + (" et al." if c.et_al else ""),
                found=_fmt_authors(rec.authors),
                similarity=min(max(a.authors.similarity, 0.0), 1.0),
                agrees=a.authors.agrees,
            )
        )
        problems += [f"authors: {p}" for p in a.authors.problems]
    if c.year is not None:
        found_year = str(rec.year) if rec.year is not None else None
        agrees = a.year is not False
        checks.append(FieldCheck(field="year", cited=str(c.year), found=found_year, similarity=1.0 if a.year else 0.0, agrees=agrees))
        if a.year is False:
            problems.append(f"year is {rec.year}, not {c.year}")
    cited_venue = cited.venue
    if cited_venue:
        rv = record_venue(rec)
        vm = a.venue
        checks.append(
            FieldCheck(field="venue", cited=cited_venue, found=rv, similarity=vm.similarity if vm else 0.0, agrees=vm.agrees if vm else True)
        )
        if vm and not vm.agrees:
            problems.append(a.venue_note or f"venue is {rv!r}, not {cited_venue!r}")
            if vm.cited_canonical is None and not ctx.venue_known(cited_venue):
                problems.append(f"venue {cited_venue!r} is not a known venue")
    if a.ident is not None:
        name = "doi" if c.doi else "arxiv_id"
        checks.append(
            FieldCheck(field=name, cited=a.ident.cited, found=a.ident.found, similarity=1.0 if a.ident.agrees else 0.0, agrees=a.ident.agrees is not False)
        )
        if a.ident.agrees is False:
            problems.append(f"{'DOI' if c.doi else 'arXiv id'} {a.ident.cited} is not this work's ({a.ident.found})")
    return checks, problems


def _impossible_year(c: Citation, ctx: Context) -> str | None:
    if c.year is None:
        return None
    if c.year > ctx.today.year:
        return f"year {c.year} is in the future"
    if c.year < 1450:
        return f"year {c.year} is impossible"
    return None


def _doi_problem(c: Citation, a: Assessment | None, ctx: Context) -> str | None:
    """A cited DOI that the matched record cannot confirm: is it even plausible?"""
    doi = norm_doi(c.doi)
    if not doi or (a and a.ident and a.ident.agrees is not None):
        return None
    if not known_doi_prefix(doi, ctx.doi_prefixes):
        return f"DOI prefix {doi.split('/', 1)[0]} belongs to no known registrant; the DOI is likely fabricated"
    if a is not None and a.ident is not None and a.ident.agrees is None:
        venue = record_venue(a.record)
        if venue and canonical_venue(venue) in NO_DOI_VENUES:
            if not doi.startswith("10.48550/"):
                return f"{venue} does not register DOIs; DOI {doi} cannot be this work's"
    return None


def _result(c: Citation, status: Status, **kw: object) -> CitationResult:
    # the citation's own field values, not `model_dump()`: its authors are frozen models, kept as they
    # are instead of turned into dicts and built again (lists are still new lists); 13 -> 5 us a result
    return CitationResult(**c.__dict__, status=status, **kw)


def decide(c: Citation, hits: list[Hit], ctx: Context) -> CitationResult:
    if not (c.title or c.doi or c.arxiv_id or c.pmid):
        if c.url or c.isbn:
            what = f"ISBN {c.isbn}" if c.isbn else c.url
            return _result(
                c,
                Status.unverifiable,
                confidence=0.5,
                reasons=[f"{what} names a work this index cannot look up offline (try --online, or cite it with its title)"],
            )
        return _result(
            c,
            Status.unverifiable,
            confidence=0.5,
            reasons=["too little to check: the citation states no title and no identifier"],
        )
    cited = Cited.of(c)
    assessments = sorted((assess(c, h, cited, ctx) for h in hits), key=lambda a: -a.score)
    best = next((a for a in assessments if a.identifies), None)
    if best is None:
        return _no_work_identified(c, assessments, ctx, cited)
    return _judge_fields(c, best, assessments, ctx, cited)


def keeps_tentative(r: CitationResult) -> bool:
    """Whether a tentative citation (`Citation.tentative`: a title-like span, such as a quoted phrase or
    a bare list item, that the extractor saw no other sign of citing) is a citation after all: the
    index holds a work whose title agrees with it (equal after normalisation, or with a subtitle
    dropped), so it is `verified`, or a `mismatch` on a field it states. Anything else (no such work,
    a merely similar title, a failed lookup) means it was a phrase, a slogan, a game or song name: it
    is dropped from the report rather than called fabricated."""
    return r.record is not None and any(f.field == "title" and f.agrees for f in r.fields)


def _no_work_identified(c: Citation, assessments: list[Assessment], ctx: Context, cited: Cited) -> CitationResult:
    """No candidate is the cited work: fabricated (with the nearest works as suggestions), unless the
    citation is a bare identifier the local index simply does not hold, or the index does not cover
    where it places the work and nothing about it is impossible (then unverifiable, saying so)."""
    suggestions = [Suggestion(record=a.record, score=a.score) for a in assessments[:MAX_SUGGESTIONS]]
    top = assessments[0].score if assessments else 0.0
    if not c.title:
        # only an identifier, and the index does not hold it
        doi_problem = _doi_problem(c, None, ctx)
        if doi_problem:
            return _result(c, Status.fabricated, confidence=0.8, suggestions=suggestions, reasons=[doi_problem])
        ident = c.doi or c.arxiv_id or f"PMID {c.pmid}"
        return _result(
            c,
            Status.unverifiable,
            confidence=0.5,
            reasons=[f"{ident} is not in the local index ({ctx.index_size:,} records); it may still exist"],
        )
    reasons = [f"no record in the index ({ctx.index_size:,} records) matches this title"]
    id_hits = [a for a in assessments if a.ident and a.ident.agrees]
    if id_hits:
        reasons.append(f"its identifier belongs to a different work: {id_hits[0].record.reference()}")
    year_problem = _impossible_year(c, ctx)
    if year_problem:
        reasons.append(year_problem)
    cited_venue = cited.venue
    unknown_venue = bool(cited_venue and canonical_venue(cited_venue) is None and not ctx.venue_known(cited_venue))
    if unknown_venue:
        reasons.append(f"venue {cited_venue!r} is not a known venue")
    # impossible on its own: a future year, the identifier of another work, a venue that does not exist
    # (unknown in the index's own field; one of a field the index does not hold may well exist, and so
    # may the website a work located by a web page is on)
    impossible = bool(
        id_hits or year_problem or (unknown_venue and not ctx.venue_foreign(cited_venue or "") and not web_located(c))
    )
    if ctx.covers is not None and not impossible:
        covered, where = ctx.covers(c)
        if not covered:
            # open world: the index does not cover where the citation says the work is, so its absence
            # is no evidence that the work does not exist
            return _result(
                c,
                Status.unverifiable,
                confidence=OUT_OF_COVERAGE_CONFIDENCE,
                suggestions=suggestions,
                out_of_coverage=True,
                reasons=[
                    *where,
                    *(["closest works in the index are listed as suggestions"] if suggestions else []),
                    SETTLE_HINT,
                ],
            )
        reasons[1:1] = where
    if suggestions:
        reasons.append("closest real works are listed as suggestions, not as the answer")
    return _result(c, Status.fabricated, confidence=round(max(0.5, min(0.99, 1.0 - 0.6 * top)), 3), suggestions=suggestions, reasons=reasons)


def _judge_fields(c: Citation, best: Assessment, assessments: list[Assessment], ctx: Context, cited: Cited) -> CitationResult:
    """The cited work is `best`: verified if every stated field agrees, else a mismatch naming them."""
    checks, problems = _field_checks(c, best, ctx, cited)
    year_problem = _impossible_year(c, ctx)
    if year_problem:
        problems = [f"{p} ({year_problem})" if p.startswith("year is") else p for p in problems]
        if not any(p.startswith("year is") for p in problems):
            problems.append(year_problem)
    owner = next((a for a in assessments if a is not best and a.via & {"doi", "arxiv"}), None)
    if owner is not None and best.ident is not None and not best.ident.agrees:
        problems.append(f"the cited identifier belongs to another work: {owner.record.reference()}")
    doi_problem = _doi_problem(c, best, ctx)
    if doi_problem:
        problems.append(doi_problem)
        for fc in checks:
            if fc.field == "doi":
                fc.agrees = False
    if ctx.strict:
        if best.title and best.title.variant:
            problems.append(f"title: {best.title.variant} (strict); the full title is {best.record.title!r}")
        if best.venue_note and best.venue and best.venue.agrees:
            problems.append(f"venue: {best.venue_note} (strict)")
    others = [Suggestion(record=a.record, score=a.score) for a in [a for a in assessments if a is not best][: MAX_SUGGESTIONS - 1]]
    if not problems:
        conf = 0.8 + 0.2 * best.score
        reasons = [f"matches {best.record.id} on every stated field"]
        if best.title and best.title.variant:
            reasons.append(best.title.variant)
        if best.venue_note:
            reasons.append(best.venue_note)
        return _result(c, Status.verified, record=best.record, fields=checks, confidence=round(min(conf, 0.99), 3), reasons=reasons, suggestions=others)
    conf = 0.6 + 0.35 * (best.title.similarity if best.title else 0.7)
    return _result(
        c,
        Status.mismatch,
        record=best.record,
        fields=checks,
        confidence=round(min(conf, 0.99), 3),
        reasons=[f"real work {best.record.id} is meant, but: " + "; ".join(problems)],
        suggestions=[Suggestion(record=best.record, score=best.score), *others],
    )


