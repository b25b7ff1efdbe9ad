"""Online lookups: ask Crossref, DataCite, OpenAlex and arXiv for the works a local index lacks.

A local index is a slice of the scholarly record, so a citation it cannot match may still be real.
`OnlineResolver.candidates` asks the services, within a fixed time per citation, for records that
might be the cited work; the verifier judges them exactly as it judges index hits (`as_hits` turns
them into `Hit`s for `decide`). What was found can be appended to an index
(`found_records()` -> `citeproof.index.update.add_records`) so that the next check stays local.

The contract that matters: an empty list means every service asked answered and none has the work;
if a service failed and the cited work was not found elsewhere, `LookupFailedError` is raised,
because "the network was down" must make a citation `unverifiable`, never `fabricated`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from citeproof.connectors.live import Arxiv, Clock, Crossref, DataCite, LiveClient, OpenAlex, SystemClock
from citeproof.errors import CiteproofError, LookupFailedError
from citeproof.identifiers import arxiv_id_from, norm_arxiv_id, norm_doi
from citeproof.index.core import Hit
from citeproof.models import Citation, Record
from citeproof.text import clean_text, title_key

__all__ = ["OnlineResolver", "as_hits", "default_sources", "source_of"]

VIA = "online"


def default_sources(mailto: str | None = None, **options: Any) -> tuple[LiveClient, ...]:
    """Crossref, DataCite, OpenAlex and arXiv clients sharing `options` (`HttpOptions`: clock, cache,
    retry, ...).

    The order is the order of asking: for a DOI, Crossref (most scholarly DOIs) then DataCite
    (datasets, software, arXiv's own DOIs); for a title, Crossref then OpenAlex (conference papers
    and preprints Crossref lacks); arXiv for arXiv ids.
    """
    return (
        Crossref(mailto, **options),
        DataCite(mailto, **options),
        OpenAlex(mailto, **options),
        Arxiv(mailto, **options),
    )


def as_hits(records: Iterable[Record], via: str = VIA) -> list[Hit]:
    """Records found online as retrieval `Hit`s, so that `decide` judges them like index hits.

    They have no row in any index (rowid 0) and no dense score; their order is kept in `rrf`.
    """
    return [
        Hit(record=r, rowid=0, via={via, f"{via}:{r.source or 'unknown'}"}, rrf=1.0 / (60 + rank))
        for rank, r in enumerate(records)
    ]


def source_of(hit: Hit, via: str = VIA) -> str | None:
    """The live source that found `hit` ("crossref", "openalex", ...; from the `via` tag `as_hits`
    gives it), or None for a hit from the local index: what a verdict on its record was settled by."""
    prefix = f"{via}:"
    return next((v[len(prefix) :] for v in sorted(hit.via) if v.startswith(prefix)), None)


@dataclass(frozen=True)
class _Step:
    group: str  # "doi", "arxiv" or "title"
    key: str  # the normalised DOI, arXiv id or title key looked for
    label: str
    run: Callable[[float], list[Record]]  # the lookup, given its share of the budget in seconds


def _get(source: Any, key: str) -> Callable[[float], list[Record]]:
    def run(budget_s: float) -> list[Record]:
        rec = source.get(key, budget_s=budget_s)
        return [rec] if rec is not None else []

    return run


def _search(source: Any, text: str) -> Callable[[float], list[Record]]:
    return lambda budget_s: list(source.search(text, budget_s=budget_s))


class OnlineResolver:
    """Candidate records for a citation from live services, in at most `budget_s` seconds.

    DOI -> `get` on the DOI sources (Crossref, then DataCite) until one knows it; arXiv id (given,
    or read from an arXiv DOI) -> arXiv, unless a record with that id was already found; then,
    unless a record with the cited title was already found, title search (Crossref, then OpenAlex)
    until one returns the cited title (the DOI may be wrong or the work may lack one). Each lookup gets
    an equal share of what is left of the budget, so a service that hangs cannot starve the next.
    Which sources serve which lookup is each client's `lookups` attribute.

    One resolver may serve many threads; records found are remembered for `found_records()`.
    """

    def __init__(
        self,
        sources: Sequence[LiveClient] | None = None,
        *,
        mailto: str | None = None,
        budget_s: float = 10.0,
        clock: Clock | None = None,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.sources: tuple[LiveClient, ...] = (
            tuple(sources) if sources is not None else default_sources(mailto, clock=self.clock)
        )
        self.budget_s = budget_s
        self._found: dict[str, Record] = {}
        self._lock = threading.Lock()

    def _plan(self, c: Citation) -> list[_Step]:
        doi = norm_doi(c.doi)
        arxiv = norm_arxiv_id(c.arxiv_id) or arxiv_id_from(doi)
        title = clean_text(c.title)
        steps: list[_Step] = []
        for group, key in (("doi", doi), ("arxiv", arxiv)):
            if key:
                steps += [
                    _Step(group, key, f"{s.name} {key}", _get(s, key)) for s in self.sources if group in s.lookups
                ]
        if title_key(title):
            steps += [
                _Step("title", title_key(title), f"{s.name} title search", _search(s, title))
                for s in self.sources
                if "title" in s.lookups
            ]
        return steps

    @staticmethod
    def _settled(step: _Step, found: dict[str, Record]) -> bool:
        """Whether the question `step` would answer is already answered: a record with the DOI, the
        arXiv id or the exact title looked for was found (by this or an earlier group). A DOI is
        registered with one agency only, and a title match is what the verifier needs."""
        if step.group == "doi":
            return any(r.doi == step.key for r in found.values())
        if step.group == "arxiv":
            return any(r.arxiv_id == step.key for r in found.values())
        return any(title_key(r.title) == step.key for r in found.values())

    def candidates(self, citation: Citation) -> list[Record]:
        """Records that may be the cited work, best sources first, without duplicates.

        Raises `LookupFailedError` when a lookup failed (timeout, connection error, 5xx, exhausted
        budget) and no record with the cited DOI, arXiv id or exact title was found: the failed
        service might have held the work, so neither "not found" nor loosely related search hits
        may stand as the answer.
        """
        deadline = self.clock.monotonic() + self.budget_s
        steps = self._plan(citation)
        found: dict[str, Record] = {}
        failures: list[str] = []
        for i, step in enumerate(steps):
            if self._settled(step, found):
                continue
            remaining = deadline - self.clock.monotonic()
            if remaining <= 0:
                failures += [f"{s.label}: not tried, the {self.budget_s:g}s budget is spent" for s in steps[i:]]
                break
            try:
                records = step.run(remaining / (len(steps) - i))
            except Exception as e:  # any failure of one service is that service's failure, not a verdict
                detail = str(e) if isinstance(e, CiteproofError) else f"{type(e).__name__}: {e}"
                failures.append(f"{step.label}: {detail}")
                continue
            for r in records:
                found.setdefault(r.id, r)
        if failures and not any(self._settled(step, found) for step in steps):
            raise LookupFailedError("online lookup failed: " + "; ".join(failures))
        with self._lock:
            for r in found.values():
                self._found.setdefault(r.id, r)
        return list(found.values())

    def found_records(self, clear: bool = False) -> list[Record]:
        """Every distinct record found so far (e.g. to `add_records` to an index); `clear` forgets them."""
        with self._lock:
            out = list(self._found.values())
            if clear:
                self._found.clear()
        return out

    def close(self) -> None:
        for s in self.sources:
            s.close()
