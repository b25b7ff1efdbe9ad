"""`Verifier` (load an index once, verify many texts) and `verify()` (one call, one text).

Modelled on arxiv.py's split between a reusable `Client` and a one-off call: a chat app or service
holds one `Verifier`; a script calls `verify()`.
"""

from __future__ import annotations

import os
import re
import time
import weakref
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Sequence
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from citeproof.errors import CiteproofError, LookupFailedError
from citeproof.identifiers import norm_doi
from citeproof.index import bf16
from citeproof.index.core import Hit, Index, Query
from citeproof.index.coverage import venue_key
from citeproof.models import Citation, CitationResult, Report, Status, Summary
from citeproof.text import clean_text
from citeproof.verifier.calibration import calibrated
from citeproof.verifier.decide import SETTLE_HINT, Context, decide, keeps_tentative, stated_venue, web_located
from citeproof.verifier.venues import canonical_venue, is_multidisciplinary

if TYPE_CHECKING:
    from citeproof.verifier.online import OnlineResolver
from citeproof.verifier.bare_mentions import is_bare_mention, settle_bare_mention
from citeproof.verifier.extract import bibliography_cuts, extract_citations, is_bibliography
from citeproof.verifier.gc_pause import gc_paused
from citeproof.verifier.stream import astream as astream_results
from citeproof.verifier.stream import stream as stream_results
from citeproof.verifier.workers import Encoded, Workers, WorkerSettings, citations_payload, decode_results

__all__ = ["Verifier", "verify"]

_UNSETTLED = (Status.fabricated, Status.unverifiable)
_WORD_RE = re.compile(r"[^\W_]+")
_FOREIGN_WORD_MAX = 5  # titles holding a venue's word, below which the word is of another field
MAX_TENTATIVE = 200  # tentative citations looked up per call; an answer quoting more phrases is junk or an attack
# With workers, the least a process's share of a batch is worth: sending and gathering a share costs
# about a millisecond, and a worker's results are rebuilt here (a tenth of what verifying them cost).
MIN_SHARE = 64  # citations
MIN_SHARE_CHARS = 16_000  # characters of text (about 60 BibTeX entries), for texts shared before extraction
# Shares per process: taken by whoever is free, so that a process slowed by other jobs does fewer.
# Each share is a batch of its own (a matrix product over every vector, SQLite statements, results
# sent back), so fewer, larger ones cost less: the dev entries with 2 processes took 323 ms in 3
# shares a process against 353 ms in 4 (2 shares: 329 ms), alternated ten times in one run.
SHARES_PER_PROCESS = 3

IndexLike = Index | str | os.PathLike[str] | None


class Verifier:
    """Holds a loaded index and checks every citation in the texts it is given.

    `index` is an index directory (or an open `Index`); None uses the bundled demo index.
    `today` fixes the date used to judge future years (tests, reproducible runs). `strict` turns
    tolerated imprecision (dropped subtitle, preprint cited for a published work) into `mismatch`.
    `calibration=False` keeps the heuristic confidence instead of the calibrated one (for refitting).
    `online=True` (or an `OnlineResolver`) looks up live what the index cannot settle; `mailto`
    identifies you to Crossref/OpenAlex.

    `workers=N` shares large batches (a bibliography file, many answers, hundreds of citations) among
    N processes: this one and N - 1 worker processes started now, each opening the same index
    (`citeproof.verifier.workers`); 0 means one per CPU core. Results are those of one process.
    Small batches, and any batch while the workers are still loading, are verified here alone, so a
    single citation never pays for them. Not with `online` (live lookups are bounded by the
    sources' rate limits, not by CPU). `close()` (or `with Verifier(...)`) stops the workers; they
    also stop when the verifier is garbage-collected or the process exits. With workers, the batch
    screen multiplies in bfloat16 (`citeproof.index.bf16`, where the CPU makes it faster: the same
    results), for which every process imports torch once, about a second and 230 MB (each worker
    before it is ready, this one in the background): worth it for a verifier that verifies many
    batches (a service); `bf16_screen=False` spares it a one-off run (the CLI's `verify`).
    """

    def __init__(
        self,
        index: IndexLike = None,
        *,
        model: str | None = None,
        k: int = 10,
        today: date | None = None,
        strict: bool = False,
        calibration: bool = True,
        online: bool | OnlineResolver = False,
        mailto: str | None = None,
        workers: int = 1,
        bf16_screen: bool = True,
    ):
        if isinstance(index, Index):
            self.index = index
        else:
            if index is None:
                from citeproof.index.demo import demo_index_path

                index = demo_index_path()
            self.index = Index(Path(index), model=model)
        self.k = k
        self.today = today
        self.strict = strict
        self._by_canonical: dict[str, list[str]] | None = None
        self._venue_words: frozenset[str] | None = None
        self.calibration = calibration
        # online: citations the local index cannot settle are looked up live (Crossref, DataCite,
        # OpenAlex, arXiv); a failed lookup makes them unverifiable, never fabricated.
        if online is True:
            from citeproof.verifier.online import OnlineResolver

            self.online: OnlineResolver | None = OnlineResolver(mailto=mailto)
        else:
            self.online = online or None
        if workers < 0:
            raise ValueError(f"workers must be 0 (one per CPU core) or more, not {workers}")
        self.workers = (workers or os.cpu_count() or 1) if self.online is None else 1
        self._pool: Workers | None = None
        if self.workers > 1:
            settings = WorkerSettings(
                str(self.index.directory), self.k, self.today, self.strict, self.calibration, bf16_screen
            )
            self._pool = Workers(settings, self.workers - 1)
            weakref.finalize(self, self._pool.close)
            if bf16_screen:
                bf16.load(background=True)  # (while the workers start)

    def close(self) -> None:
        """Stop the worker processes, if any (the index stays open: it may be shared)."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def __enter__(self) -> Verifier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _shares(self, most: int) -> int:
        """Into how many shares a batch that could be cut into at most `most` is cut now: a few per
        process that could take one (below 2, the batch is not worth sharing)."""
        return min(self.workers_ready() * SHARES_PER_PROCESS, most)

    def workers_ready(self, timeout: float = 0.0) -> int:
        """How many processes would share a batch now (this one included), waiting up to `timeout`
        seconds for the workers to finish loading."""
        return 1 + (self._pool.ready(timeout) if self._pool is not None else 0)

    def _context(self) -> Context:
        return Context(
            today=self.today or date.today(),
            index_size=len(self.index),
            doi_prefixes=self.index.doi_prefixes(),
            venue_known=self.index.has_venue,
            venue_foreign=self._foreign_venue,
            covers=self._covers if self.index.coverage.known else None,
            strict=self.strict,
        )

    def _foreign_venue(self, venue: str) -> bool:
        """Whether `venue` belongs to a field the index does not hold: unknown to the alias table and
        to the index, and naming it takes a word no venue of the index uses ('Journal of Applied
        Ecology', 'The Lancet', 'Harvard Law Review' against an index of computer science). An unknown
        venue in the index's own words ('International Conference on Advanced Neural Computing') is
        not: the index covers that field, so a venue it has never seen there does not exist."""
        if canonical_venue(venue) is not None or self.index.has_venue(venue):
            return False
        if self._venue_words is None:
            venues = self.index.coverage.venues() or {}
            self._venue_words = frozenset(w for key in venues for w in _WORD_RE.findall(key.lower()))
        if not self._venue_words:
            return False
        words = [w for w in _WORD_RE.findall(venue_key(venue).lower()) if len(w) > 2 and not w.isdigit()]
        unknown = [w for w in words if w not in self._venue_words]
        if not unknown:
            return False
        # a word of the field is in its titles too ('Advanced', 'Computing'); one of another field is in
        # few or none ('ecology' 3, 'lancet' 0 of 31,008 computer science titles)
        counts = self.index.store.term_counts(unknown)
        return any(counts[w] < _FOREIGN_WORD_MAX for w in unknown)

    def _venue_keys(self, canonical: str) -> list[str]:
        """The index's venue keys whose names are the canonical venue `canonical` (alias table)."""
        if self._by_canonical is None:
            table: dict[str, list[str]] = {}
            for key, (name, _n) in self.index.venues().items():
                canon = canonical_venue(name)
                if canon:
                    table.setdefault(canon, []).append(key)
            self._by_canonical = table
        return self._by_canonical.get(canonical, [])

    def _covers(self, c: Citation) -> tuple[bool, list[str]]:
        """Does the index cover where `c` says its work is? Covered: its venue has records in its year
        (in any year when it states none), its DOI registrant has records that year, its arXiv id's
        month is held (a preprint cited without one: any month of its year; arXiv is placed by the
        index's arXiv months, not by a venue name, as records read from arXiv name no venue), its first
        author (family name and initial) is known to the index and it states a year the index holds
        records of (unless it names a venue of a field the index holds nothing of, a real venue it
        holds nothing of in any year, a journal of every field that it holds nothing of that year, or
        locates the work only by a web page: `decide.web_located`), or a scope declared complete
        contains it. Returns the answer
        and, in words, what the index holds there."""
        cov = self.index.coverage
        n = len(self.index)
        year = c.year
        when = f" {year}" if year is not None else ""
        venue = stated_venue(c)
        preprint = bool(venue) and canonical_venue(venue) == "arXiv"
        held: list[str] = []
        foreign = False  # a venue the index and the alias table know nothing of
        elsewhere = False  # a real venue the index does not cover (below)
        if venue and not preprint:
            canon = canonical_venue(venue)
            keys = self._venue_keys(canon) if canon else []
            keys = keys or [venue_key(venue)]
            count = sum(cov.records_for_venue_year(k, year) or 0 for k in keys)
            if count or cov.is_complete("venue", canon or venue) or any(cov.is_complete("venue", k) for k in keys):
                return True, [f"the index holds {count:,} records of {canon or venue}{when}"]
            held.append(f"{count} records of {canon or venue}{when}")
            foreign = self._foreign_venue(venue)
            # a real venue (the alias table knows it) the index holds nothing of in any year, or a journal
            # of every field (Nature, Science) it holds nothing of that year: the work is placed there,
            # outside what the index holds, whoever wrote it
            elsewhere = is_multidisciplinary(canon) or (canon is not None and not any(cov.records_for_venue_year(k) for k in keys))
        doi = norm_doi(c.doi)
        if doi:
            prefix = doi.split("/", 1)[0]
            count = cov.records_for_doi_prefix(prefix, year) or 0
            if count or cov.is_complete("doi-prefix", prefix):
                return True, [f"the index holds {count:,} records of DOI registrant {prefix}{when}"]
            held.append(f"{count} records of DOI registrant {prefix}{when}")
        month: int | None = None
        if c.arxiv_id:
            try:
                month = cov.records_for_arxiv_id_month(c.arxiv_id) or 0
            except ValueError:
                month = None if preprint else 0
        if month is not None:
            if month or cov.is_complete("arxiv"):
                return True, [f"the index holds {month:,} records of that arXiv month"]
            held.append(f"{month} records of the arXiv month of {c.arxiv_id}")
        elif preprint:
            count = cov.records_for_arxiv_year(year) or 0
            of_year = f" of {year}" if year is not None else ""
            if count or cov.is_complete("arxiv"):
                return True, [f"the index holds {count:,} arXiv records{of_year}"]
            held.append(f"{count} arXiv records{of_year}")
        # a work located only by a web page (a blog post, a repository, documentation): the index holds
        # no web pages, so neither does a name it knows place the work in it
        web = web_located(c)
        if web:
            held.append(f"no web pages (the work is located at {web})")
        if c.authors and not foreign and not web and not elsewhere:
            # (a venue of another field, 'Journal of Applied Ecology': the index holds none of its works,
            # whoever wrote them; a name it knows from its own field does not place the work there)
            first = c.authors[0]
            initial = first.given[:1] if first.given else None
            known = cov.author_count(first.family, initial) or 0
            # a known name alone is weak evidence (many share one): it places the work only written with
            # an initial ('Jones (2019)', a publisher read as a name, 'O'Reilly 2022', place nothing) and
            # with a year the index holds records of
            in_year = (cov.records_for_year(year) or 0) if year is not None else 0
            if known and in_year and initial:
                return True, [f"the index holds {known:,} records by {first.family} and {in_year:,} of {year}"]
            held.append(f"{known} records by {first.family}" + (f", {in_year} of {year}" if year is not None else ""))
        if not held:
            if year is not None:
                return False, [f"not in this index ({n:,} records); a title with only a year cannot be placed in its coverage"]
            return False, [f"not in this index ({n:,} records); a bare title cannot be placed in its coverage"]
        return False, ["not in this index, which holds " + "; ".join(held)]

    @staticmethod
    def _bounded(citations: Sequence[Citation]) -> Sequence[Citation]:
        """`citations` with at most `MAX_TENTATIVE` tentative ones (the first)."""
        tentative = [i for i, c in enumerate(citations) if c.tentative]
        if len(tentative) > MAX_TENTATIVE:  # speculative lookups are bounded: the first ones are made
            extra = set(tentative[MAX_TENTATIVE:])
            return [c for i, c in enumerate(citations) if i not in extra]
        return citations

    def check(self, citations: Sequence[Citation], text: str | None = None) -> list[CitationResult]:
        """Verify already-extracted citations (one batched retrieval for all of them).

        `text` (the answer they came from) lets author-year mentions without a reference entry be
        checked against the topic around them. A tentative citation (`Citation.tentative`: a
        title-like span with no other sign of citing) is returned only if the index holds a work with
        its title (`decide.keeps_tentative`); otherwise it was no citation and is left out. At most
        `MAX_TENTATIVE` of them are looked up."""
        citations = self._bounded(citations)
        with gc_paused():
            results = self._shared_check(citations, text)
            if results is None:
                results = self._check(citations, text)
        return _kept(citations, results)

    def verdicts(self, citations: Sequence[Citation]) -> list[CitationResult]:
        """One verdict per citation, in order, tentative ones included and not bounded (`check` drops
        the tentative ones the index does not hold): a worker process's answer for its share."""
        with gc_paused():
            return self._check(citations)

    def _shared_check(self, citations: Sequence[Citation], text: str | None) -> list[CitationResult] | None:
        """`_check` of `citations` shared with the worker processes; None when not worth it (few
        citations, no worker ready, the workers busy with another batch). Author-year mentions are
        judged here, against `text`."""
        if self._pool is None or len(citations) < 2 * MIN_SHARE:
            return None
        mention = [text is not None and is_bare_mention(c) for c in citations]
        batch = [c for c, m in zip(citations, mention, strict=True) if not m]
        parts = self._shares(len(batch) // MIN_SHARE)
        if parts < 2:
            return None
        chunks = _split(batch, [1] * len(batch), parts)
        answers = self._pool.run(
            chunks, self._check, lambda chunk: ("check", citations_payload(chunk)), lambda _chunk, enc: self._decoded(enc)
        )
        if answers is None:
            return None
        settled: list[CitationResult] = []
        for answer, chunk in zip(answers, chunks, strict=True):
            got = answer.value if answer.ok else None
            settled.extend(got if got is not None else self._check(chunk))
        others = iter(settled)
        return [
            self._mention(c, text) if m and text is not None else next(others)
            for c, m in zip(citations, mention, strict=True)
        ]

    def _decoded(self, encoded: Encoded) -> list[CitationResult] | None:
        """A worker's results, with this process's records; None if one is missing (the index changed)."""
        try:
            return decode_results(encoded, self.index.get_many)
        except KeyError:
            return None

    def _check(self, citations: Sequence[Citation], text: str | None = None, distinct: bool = False) -> list[CitationResult]:
        """`check` with one result per citation, tentative ones included (`distinct`: no two of them
        make the same claim, as the caller found)."""
        if not citations:
            return []
        if not distinct:
            claims, unique = _distinct(citations)
            if len(unique) < len(citations):  # the same claim twice is verified once, reported at each span
                settled = dict(zip(unique, self._check(list(unique.values()), text, distinct=True), strict=True))
                # (the first citation of each claim is the one verified: its result is already its own)
                return [settled[k] if unique[k] is c else _at(settled[k], c) for k, c in zip(claims, citations, strict=True)]
        if text is not None and any(is_bare_mention(c) for c in citations):
            others = iter(self._check([c for c in citations if not is_bare_mention(c)], distinct=True))
            return [self._mention(c, text) if is_bare_mention(c) else next(others) for c in citations]
        queries = [
            Query(
                title=clean_text(c.title) or None,
                authors=tuple(a.family for a in c.authors),
                doi=c.doi,
                arxiv_id=c.arxiv_id,
                pmid=c.pmid,
            )
            for c in citations
        ]
        ctx = self._context()
        try:
            candidates = self.index.search(queries, k=self.k)
        except CiteproofError as e:
            return [self._failed(c, e) for c in citations]
        except Exception as e:  # a failed lookup never becomes "fabricated"
            return [self._failed(c, LookupFailedError(f"lookup failed: {e}")) for c in citations]
        results = [decide(c, hits, ctx) for c, hits in zip(citations, candidates, strict=True)]
        if self.online is not None:
            # not for tentative citations: a phrase the local index does not hold is no citation, and
            # looking up every quoted phrase live would flood the sources
            results = [
                self._settle_online(c, hits, r, ctx) if r.status in _UNSETTLED and not c.tentative else r
                for c, hits, r in zip(citations, candidates, results, strict=True)
            ]
        if self.calibration:
            for r in results:
                conf = calibrated(r)
                if conf is not None:
                    r.confidence = conf
        return results

    def _settle_online(self, c: Citation, hits: list[Hit], local: CitationResult, ctx: Context) -> CitationResult:
        """Ask the live sources about a citation the index could not settle, and decide again.

        Unsettled is `fabricated` or `unverifiable`, so a work not in this index where it covers
        nothing (`out_of_coverage`) is looked up live before its verdict stands. A failed lookup leaves
        it `unverifiable`, never `fabricated`; a live record that decides it names its source in
        `settled_by`; found nowhere, its reasons name the sources asked."""
        from citeproof.verifier.online import as_hits, source_of

        assert self.online is not None
        try:
            found = self.online.candidates(c)
        except LookupFailedError as e:
            return local.model_copy(
                update={
                    "status": Status.unverifiable,
                    "confidence": 0.0,
                    "reasons": [*local.reasons, f"not settled by the local index, and {e}"],
                }
            )
        online_hits = as_hits(found)
        r = decide(c, [*hits, *online_hits], ctx)
        source = next((source_of(h) for h in online_hits if r.record is not None and h.record == r.record), None)
        if source:
            r.settled_by = source
        asked = f"online sources checked too ({', '.join(s.name for s in self.online.sources)}): no match"
        if r.status is Status.fabricated:
            r.reasons.append(asked)
        elif r.out_of_coverage:  # the hint to go online is spent: say what online said instead
            r.reasons = [x for x in r.reasons if x != SETTLE_HINT] + [f"{asked}; to settle it, index a dump that covers it"]
        return r

    def _mention(self, c: Citation, text: str) -> CitationResult:
        try:
            return settle_bare_mention(c, text, self.index)
        except Exception as e:  # a failed lookup never becomes "fabricated"
            return self._failed(c, LookupFailedError(f"lookup failed: {e}"))

    @staticmethod
    def _failed(c: Citation, err: Exception) -> CitationResult:
        return CitationResult(**c.model_dump(), status=Status.unverifiable, confidence=0.0, reasons=[str(err)])

    def stream(self, chunks: Iterable[str]) -> Iterator[CitationResult]:
        """Verify citations while text arrives (e.g. LLM tokens); yields each result once its citation is complete."""
        return stream_results(self.check, chunks)

    def astream(self, chunks: AsyncIterable[str]) -> AsyncIterator[CitationResult]:
        """Async `stream`: for async chat apps; verification runs off the event loop."""
        return astream_results(self.check, chunks)

    def verify(self, text: str, citations: Sequence[Citation] | None = None) -> Report:
        """Extract every citation in `text` and verify each one.

        `citations` skips extraction when the caller already extracted them (e.g. to enforce a limit)."""
        with gc_paused():
            if citations is None:
                shared = self._shared_verify(text)
                if shared is not None:
                    return shared
            t0 = time.perf_counter()
            if citations is None:
                citations = extract_citations(text)
            t1 = time.perf_counter()
            results = self.check(citations, text)
            t2 = time.perf_counter()
            return self.report(text, results, {"extract_s": t1 - t0, "verify_s": t2 - t1})

    def _shared_verify(self, text: str) -> Report | None:
        """`verify(text)` of a bibliography file cut into pieces (`extract.bibliography_cuts`), each read
        and verified by one process. None when `text` is no such file or too small, no worker is ready,
        or a piece was not read as the whole would be (`extract.is_bibliography`): then the whole is
        read here (and its citations may still be checked in shares, `check`)."""
        if self._pool is None or len(text) < 2 * MIN_SHARE_CHARS:
            return None
        parts = self._shares(len(text) // MIN_SHARE_CHARS)
        cuts = bibliography_cuts(text, parts, _guided(parts, self.workers_ready())) if parts >= 2 else []
        if not cuts:
            return None
        t0 = time.perf_counter()
        bounds = [0, *cuts, len(text)]
        pieces = [text[a:b] for a, b in pairwise(bounds)]

        def here(piece: str) -> tuple[list[CitationResult], dict[str, float], bool]:
            r = self._many_here([piece])[0]  # (`verify(piece)` in this process alone)
            return r.citations, r.timings, is_bibliography(piece, r.citations)

        answers = self._pool.run(pieces, here, lambda piece: ("verify", [piece]), lambda _piece, value: self._answer_of(value))
        if answers is None:
            return None
        results: list[CitationResult] = []
        spent = {"extract_s": 0.0, "verify_s": 0.0}
        for answer, piece, start in zip(answers, pieces, bounds, strict=False):
            got = answer.value if answer.ok else None
            if got is None:
                got = here(piece)
            piece_results, timings, whole = got
            if not whole:
                return None
            for r in piece_results:
                r.start += start
                r.end += start
            results.extend(piece_results)
            for k in spent:
                spent[k] += timings.get(k, 0.0)
        return self.report(text, results, _wall_shares(spent, time.perf_counter() - t0))

    def _answer_of(self, value: Any) -> tuple[list[CitationResult], dict[str, float], bool] | None:
        """A worker's answer for one text of a "verify" task, decoded; None if a record is missing."""
        encoded: Encoded
        timings: dict[str, float]
        whole: bool
        ((encoded, timings, whole),) = value
        results = self._decoded(encoded)
        return None if results is None else (results, timings, whole)

    def verify_many(self, texts: Sequence[str]) -> list[Report]:
        """`verify` of each text, as one batch: the citations of every text are looked up together (one
        model call, one dense search, a few SQLite statements), as a service that receives many
        answers at once would. The reports are those `verify(text)` gives one by one (with a flat
        index, the default below a million records: its search is the same whatever the batch; an
        approximate one may rank near-equal candidates differently in another batch), except their
        timings: `verify_s` is the batch's, shared among the texts by their number of citations.
        With workers, the texts are shared among the processes in runs of similar length."""
        with gc_paused():
            shared = self._shared_many(texts)
            return shared if shared is not None else self._many_here(texts)

    def _shared_many(self, texts: Sequence[str]) -> list[Report] | None:
        if self._pool is None or len(texts) < 2:
            return None
        parts = self._shares(min(len(texts), sum(len(t) for t in texts) // MIN_SHARE_CHARS))
        if parts < 2:
            return None
        groups = _split(texts, [len(t) for t in texts], parts)
        answers = self._pool.run(groups, self._many_here, lambda group: ("verify", list(group)), self._reports_of)
        if answers is None:
            return None
        reports: list[Report] = []
        for answer, group in zip(answers, groups, strict=True):
            reports.extend(answer.value if answer.ok and answer.value is not None else self._many_here(group))
        return reports

    def _reports_of(self, texts: Sequence[str], value: Any) -> list[Report] | None:
        """A worker's answer for the texts of a "verify" task, as reports; None if a record is missing."""
        decoded = [self._decoded(enc) for enc, _t, _w in value]
        if any(d is None for d in decoded):
            return None
        return [
            self.report(text, results or [], timings)
            for text, results, (_e, timings, _w) in zip(texts, decoded, value, strict=True)
        ]

    def _many_here(self, texts: Sequence[str]) -> list[Report]:
        """`verify_many(texts)` in this process alone."""
        extracted: list[Sequence[Citation]] = []
        extract_s: list[float] = []
        for text in texts:
            t0 = time.perf_counter()
            extracted.append(self._bounded(extract_citations(text)))
            extract_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        # author-year mentions are judged against their own text; every other citation in one batch
        batch = [c for cs in extracted for c in cs if not is_bare_mention(c)]
        settled = iter(self._check(batch))
        per_text = [
            [self._mention(c, text) if is_bare_mention(c) else next(settled) for c in cs]
            for text, cs in zip(texts, extracted, strict=True)
        ]
        verify_s = time.perf_counter() - t0
        total = sum(len(cs) for cs in extracted) or 1
        return [
            self.report(text, _kept(cs, results), {"extract_s": ex, "verify_s": verify_s * len(cs) / total})
            for text, cs, results, ex in zip(texts, extracted, per_text, extract_s, strict=True)
        ]

    def report(self, text: str, results: Sequence[CitationResult], timings: dict[str, float] | None = None) -> Report:
        """A `Report` on `text` from results obtained any way (`check`, `stream`), in text order."""
        summary = Summary(total=len(results), not_in_index=sum(r.out_of_coverage for r in results))
        for r in results:
            setattr(summary, r.status.value, getattr(summary, r.status.value) + 1)
        t = {k: round(v, 6) for k, v in (timings or {}).items()}
        t.setdefault("total_s", round(sum(t.values()), 6))
        return Report(
            text=text,
            citations=sorted(results, key=lambda r: r.start),
            summary=summary,
            index=self.index.info(),
            timings=t,
        )


def verify(text: str, index: IndexLike = None, **kwargs: object) -> Report:
    """Verify every citation in `text` against `index` (a directory; None: the bundled demo index)."""
    return Verifier(index, **kwargs).verify(text)  # type: ignore[arg-type]


# What a citation claims, apart from where it stands: `decide` reads only these fields, so two citations
# equal on them get the same verdict. An answer (or a hostile input) repeating one reference thousands
# of times then costs one lookup, not thousands. A bare author-year mention is the exception: it is
# judged against the text around it, so its place is part of its claim.
_WHERE = frozenset({"raw", "start", "end", "key", "mentions"})


def _claim(c: Citation) -> tuple[object, ...]:
    """The values of every field but `_WHERE` (lists as tuples, to be hashed; each author as the tuple
    of its fields, which hashes in C: a frozen model's hash is a Python call, and a claim is hashed
    three times), then the span of a bare mention: equal exactly when the citations' JSON without
    those fields is, at a tenth of its cost."""
    values = tuple(
        (tuple(tuple(a.__dict__.values()) for a in v) if name == "authors" else tuple(v)) if isinstance(v, list) else v
        for name, v in c.__dict__.items()
        if name not in _WHERE
    )
    return (*values, c.start, c.end) if is_bare_mention(c) else values


def _distinct(citations: Sequence[Citation]) -> tuple[list[tuple[object, ...]], dict[tuple[object, ...], Citation]]:
    """Each citation's claim, and the first citation of each distinct claim (in order)."""
    claims = [_claim(c) for c in citations]
    unique: dict[tuple[object, ...], Citation] = {}
    for k, c in zip(claims, citations, strict=True):
        unique.setdefault(k, c)
    return claims, unique


def _at(result: CitationResult, c: Citation) -> CitationResult:
    """`result` (the verdict on an equal claim) for the citation `c`, at its own span. Its lists are its
    own (a caller may append a reason to one result); the records in them are shared, as a copy of
    each would cost more than the lookup saved."""
    update: dict[str, object] = {name: getattr(c, name) for name in _WHERE}
    update.update(
        mentions=list(c.mentions), reasons=list(result.reasons), fields=list(result.fields),
        suggestions=list(result.suggestions),
    )
    return result.model_copy(update=update)


def _kept(citations: Sequence[Citation], results: Sequence[CitationResult]) -> list[CitationResult]:
    """The results to report: a tentative citation's only if the index holds its title."""
    return [r for c, r in zip(citations, results, strict=True) if not c.tentative or keeps_tentative(r)]


_T = TypeVar("_T")


def _split(items: Sequence[_T], sizes: Sequence[int], parts: int) -> list[Sequence[_T]]:
    """`items` in `parts` runs, in order, of about equal total size."""
    total = sum(sizes) or 1
    bounds = [0]
    acc = 0
    for i, size in enumerate(sizes):
        acc += size
        if len(bounds) < parts and acc * parts >= total * len(bounds) and i + 1 < len(items):
            bounds.append(i + 1)
    bounds.append(len(items))
    return [items[a:b] for a, b in pairwise(bounds) if b > a]


def _guided(parts: int, processes: int) -> list[int]:
    """Relative sizes of `parts` shares of a batch among `processes`, largest first (4, 4, 3, 3, 2, 2,
    1, 1 for 8 among 2): shares are taken in order by whoever is free, so the last ones are small and
    a process that finishes first waits a short share for the other, not a full one."""
    return [-(-(parts - j) // max(processes, 1)) for j in range(parts)]


def _wall_shares(spent: dict[str, float], wall: float) -> dict[str, float]:
    """Phase timings of work done side by side in several processes: each phase's share of the time
    all of them spent, applied to the wall-clock time of the call."""
    total = sum(spent.values()) or 1.0
    return {k: wall * v / total for k, v in spent.items()}
