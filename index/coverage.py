"""What an index covers: how many records it holds per source, venue and year, DOI prefix, arXiv
month and author name, and the scopes its builder declared complete.

An index holds part of the literature, so "no record matches" means "not in this index", which is
evidence that a work does not exist only where the index covers the cited work's venue, year,
registrant or arXiv month well. The counts are kept in the record store (`coverage` and
`coverage_authors`, see `citeproof.index.store`), written at build and kept current by `index add`
and `index update`; this module reads them. Keys are normalised the way the store writes them
(`venue_key`, `author_key`, `arxiv_month`): canonicalising venue aliases is the verifier's job.

An index built before coverage was kept opens as before: its `Coverage.known` is False and every
count is None (unknown), never 0 (which would mean "covered, and nothing there").
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citeproof.errors import IndexCorruptError, InputError
from citeproof.identifiers import norm_arxiv_id
from citeproof.index.layout import RECORDS
from citeproof.index.manifest import load_manifest
from citeproof.index.store import RecordStore, arxiv_month, author_key, venue_key

__all__ = ["SCOPE_KINDS", "Coverage", "Scope", "arxiv_month", "author_key", "parse_scope", "venue_key"]

# Scopes a builder can declare complete (`citeproof index build --complete SCOPE`): a whole database,
# or one part of one. Absence from a complete scope is evidence; elsewhere it is only "not indexed".
SCOPE_KINDS: dict[str, str] = {
    "dblp": "all of DBLP",
    "arxiv": "all of arXiv, or one category: arxiv:cs.LG, arxiv:hep-th",
    "crossref": "all of Crossref",
    "s2": "all of Semantic Scholar",
    "crossref-member": "every work of one Crossref member: crossref-member:98",
    "doi-prefix": "every DOI of one registrant prefix: doi-prefix:10.1145",
    "venue": "every paper of one venue: venue:NeurIPS",
}
_BARE = frozenset({"dblp", "arxiv", "crossref", "s2"})  # kinds that may stand alone
_VALUE = {
    "arxiv": re.compile(r"[a-z][a-z\-]*(\.[A-Za-z\-]{2,})?"),  # cs.LG, hep-th, math.GT, q-bio.NC
    "crossref-member": re.compile(r"\d{1,9}"),
    "doi-prefix": re.compile(r"10\.\d{4,9}(\.\d+)*"),
}


@dataclass(frozen=True)
class Scope:
    """A part of the literature declared completely indexed: `kind` (a key of `SCOPE_KINDS`) and
    its `value` ('' for a whole database)."""

    kind: str
    value: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}" if self.value else self.kind


def parse_scope(text: str) -> Scope:
    """'dblp', 'crossref-member:98', 'doi-prefix:10.1145', 'venue:NeurIPS', 'arxiv:cs.LG' -> Scope.

    Kinds are case-insensitive and DOI prefixes are lower-cased; a venue is kept as written. Raises
    `InputError` naming the accepted forms."""
    kind, sep, value = text.strip().partition(":")
    kind, value = kind.strip().lower(), " ".join(value.split())
    if kind not in SCOPE_KINDS:
        raise InputError(f"unknown coverage scope {text!r}; use one of: {_forms()}")
    if not value:
        if sep or kind not in _BARE:
            raise InputError(f"coverage scope {text!r} needs a value after the colon ({SCOPE_KINDS[kind]})")
        return Scope(kind)
    if kind in ("dblp", "crossref", "s2"):
        raise InputError(f"coverage scope {kind!r} takes no value ({text!r}); use one of: {_forms()}")
    if kind == "doi-prefix":
        value = value.lower()
    pattern = _VALUE.get(kind)
    if pattern is not None and not pattern.fullmatch(value):
        raise InputError(f"coverage scope {text!r}: {value!r} is not valid here ({SCOPE_KINDS[kind]})")
    if kind == "venue" and not venue_key(value):
        raise InputError(f"coverage scope {text!r}: the venue name has no words")
    return Scope(kind, value)


def _forms() -> str:
    return "dblp, arxiv, crossref, s2, arxiv:CATEGORY, crossref-member:ID, doi-prefix:10.NNNN, venue:NAME"


def _month(month: str | int) -> int | None:
    """'2310' (as arXiv ids write it), '2023-10' or 202310 -> 202310; None if it is none of these."""
    if isinstance(month, int):
        return month if 100001 <= month <= 999912 and 1 <= month % 100 <= 12 else None
    m = re.fullmatch(r"\s*(\d{2})(\d{2})\s*", month) or re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", month)
    if not m:
        return None
    year, mm = int(m.group(1)), int(m.group(2))
    if year < 100:
        year = 2000 + year if year < 91 else 1900 + year
    return year * 100 + mm if 1 <= mm <= 12 else None


class Coverage:
    """Read access to an index's coverage counts. Each kind of count is loaded once, on first use,
    into dicts (per venue, DOI prefix, ...: thousands of rows, not millions), so a query is a dict
    lookup; author names (millions at scale) are looked up by primary key in SQLite.

    Every count is None when coverage is unknown (`known` is False: an index built before it was
    kept). Thread-safe: SQLite reads take `lock` (the `Index`'s, whose connection this shares)."""

    def __init__(
        self, store: RecordStore, complete: Sequence[str] = (), lock: threading.Lock | None = None
    ) -> None:
        """Coverage read from `store` (whose connection `lock` guards); `complete`: the manifest's scopes."""
        self._store = store
        self._lock = lock or threading.Lock()
        with self._lock:
            self.known: bool = store.has_coverage()
        scopes = []
        for text in complete:  # the manifest is untrusted: a scope this version cannot read is left out
            try:
                scopes.append(parse_scope(text))
            except InputError:
                continue
        self.complete: tuple[Scope, ...] = tuple(dict.fromkeys(scopes))
        self._tables: dict[str, dict[str, dict[int, int]]] = {}
        self._distinct_authors: tuple[int, int] | None = None
        self._arxiv_years: dict[int, int] | None = None
        self._owned = False

    @classmethod
    def open(cls, directory: str | os.PathLike[str], verify_checksums: bool = False) -> Coverage:
        """The coverage of the index in `directory`, without loading its vectors or model (for
        `citeproof index info`). Close it when done."""
        path = Path(directory)
        manifest = load_manifest(path, verify_checksums=verify_checksums)
        store = RecordStore.open(path / RECORDS)
        try:
            cov = cls(store, manifest.complete)
        except sqlite3.DatabaseError as e:
            store.close()
            raise IndexCorruptError(f"{path / RECORDS}: unreadable record store: {e}") from e
        cov._owned = True
        return cov

    def close(self) -> None:
        if self._owned:
            self._store.close()

    # -- loading -------------------------------------------------------------------------------
    def _table(self, kind: str) -> dict[str, dict[int, int]] | None:
        """key -> period -> records, for one kind; None when coverage is unknown."""
        if not self.known:
            return None
        table = self._tables.get(kind)
        if table is None:
            table = {}
            with self._lock:
                rows = self._store.conn.execute(
                    "SELECT key, period, n FROM coverage WHERE kind = ?", (kind,)
                ).fetchall()
            for key, period, n in rows:
                table.setdefault(key, {})[int(period)] = int(n)
            self._tables[kind] = table
        return table

    def _totals(self, kind: str) -> dict[str, int] | None:
        table = self._table(kind)
        return None if table is None else {k: sum(p.values()) for k, p in table.items()}

    def _count(self, kind: str, key: str, year: int | None) -> int | None:
        table = self._table(kind)
        if table is None:
            return None
        periods = table.get(key, {})
        return periods.get(year, 0) if year is not None else sum(periods.values())

    @staticmethod
    def _dated(periods: dict[int, int]) -> dict[int, int]:
        return {y: n for y, n in sorted(periods.items()) if y}

    # -- queries -------------------------------------------------------------------------------
    def records(self) -> int | None:
        """Records counted (every record has a source row, '' when its reader named none)."""
        totals = self._totals("source")
        return None if totals is None else sum(totals.values())

    def sources(self) -> dict[str, int] | None:
        """Records per `Record.source` (the reader: 'dblp', 'crossref', 'arxiv', 'csl-json', ...)."""
        return self._totals("source")

    def records_for_source(self, source: str, year: int | None = None) -> int | None:
        return self._count("source", source, year)

    def years(self) -> dict[int, int] | None:
        """Records per publication year (records without a year are left out: see `undated`)."""
        table = self._table("source")
        if table is None:
            return None
        out: dict[int, int] = {}
        for periods in table.values():
            for y, n in periods.items():
                if y:
                    out[y] = out.get(y, 0) + n
        return dict(sorted(out.items()))

    def undated(self) -> int | None:
        table = self._table("source")
        return None if table is None else sum(p.get(0, 0) for p in table.values())

    def records_for_year(self, year: int) -> int | None:
        years = self.years()
        return None if years is None else years.get(year, 0)

    def venues(self) -> dict[str, int] | None:
        """Records per venue key (`venue_key`: folded words, numbers dropped)."""
        return self._totals("venue")

    def records_for_venue_year(self, venue: str, year: int | None = None) -> int | None:
        """Records of `venue` (a venue key or a venue name: it is normalised by `venue_key`) in
        `year`, or in all years when `year` is None. 0: covered and not there; None: unknown."""
        return self._count("venue", venue_key(venue), year)

    def venue_years(self, venue: str) -> dict[int, int] | None:
        """Records of `venue` per year ({} when the index holds none)."""
        table = self._table("venue")
        return None if table is None else self._dated(table.get(venue_key(venue), {}))

    def doi_prefixes(self) -> dict[str, int] | None:
        return self._totals("doi_prefix")

    def records_for_doi_prefix(self, prefix: str, year: int | None = None) -> int | None:
        """Records whose DOI has registrant `prefix` ('10.1145', or a whole DOI), in `year` or all years."""
        return self._count("doi_prefix", prefix.strip().lower().split("/", 1)[0], year)

    def doi_prefix_years(self, prefix: str) -> dict[int, int] | None:
        table = self._table("doi_prefix")
        return None if table is None else self._dated(table.get(prefix.strip().lower().split("/", 1)[0], {}))

    def arxiv_months(self) -> dict[int, int] | None:
        """Records with an arXiv id per month of the id (YYYYMM), all categories together."""
        table = self._table("arxiv")
        if table is None:
            return None
        out: dict[int, int] = {}
        for periods in table.values():
            for m, n in periods.items():
                out[m] = out.get(m, 0) + n
        return dict(sorted(out.items()))

    def records_for_arxiv_year(self, year: int | None = None) -> int | None:
        """Records with an arXiv id of a month of `year` (of any month when None), all categories
        together: how the index covers preprints of a year, whatever venue their records name."""
        if self._arxiv_years is None:
            months = self.arxiv_months()
            if months is None:
                return None
            per_year: dict[int, int] = {}
            for m, n in months.items():
                per_year[m // 100] = per_year.get(m // 100, 0) + n
            self._arxiv_years = per_year
        return sum(self._arxiv_years.values()) if year is None else self._arxiv_years.get(year, 0)

    def arxiv_categories(self) -> dict[str, int] | None:
        """Records per arXiv category, as far as ids tell it: old-style ids only ('hep-th/9901001')."""
        totals = self._totals("arxiv")
        return None if totals is None else {k: n for k, n in totals.items() if k}

    def records_for_arxiv_month(self, month: str | int, category: str | None = None) -> int | None:
        """Records whose arXiv id is of `month` ('2310' as in '2310.01362', '2023-10' or 202310), of
        one category if given (only old-style ids name one). Raises ValueError on a malformed month."""
        period = _month(month)
        if period is None:
            raise ValueError(f"not a month: {month!r} (use YYMM, YYYY-MM or YYYYMM)")
        table = self._table("arxiv")
        if table is None:
            return None
        if category is not None:
            return table.get(category, {}).get(period, 0)
        return sum(p.get(period, 0) for p in table.values())

    def records_for_arxiv_id_month(self, arxiv_id: str) -> int | None:
        """Records of the month of an arXiv id ('2310.01362v2', 'arXiv:hep-th/9901001', an arxiv.org
        URL), all categories together; ValueError if it is no arXiv id with a month."""
        found = arxiv_month(norm_arxiv_id(arxiv_id))
        if found is None:
            raise ValueError(f"not an arXiv id with a month: {arxiv_id!r}")
        return self.records_for_arxiv_month(found[1])

    def author_count(self, family: str, initial: str | None = None) -> int | None:
        """Records with an author of this family name (folded by `author_key`), and of this initial
        of the given names if one is given."""
        if not self.known:
            return None
        fam, ini = author_key(family, initial)
        if not fam:
            return 0
        sql, args = "SELECT COALESCE(SUM(n), 0) FROM coverage_authors WHERE family = ?", [fam]
        if initial is not None:
            sql, args = sql + " AND initial = ?", [fam, ini]
        with self._lock:
            return int(self._store.conn.execute(sql, args).fetchone()[0])

    def has_author(self, family: str, initial: str | None = None) -> bool | None:
        n = self.author_count(family, initial)
        return None if n is None else n > 0

    def author_names(self) -> tuple[int, int] | None:
        """(distinct family names, distinct (family name, initial) pairs)."""
        if not self.known:
            return None
        if self._distinct_authors is None:
            with self._lock:
                row = self._store.conn.execute(
                    "SELECT COUNT(DISTINCT family), COUNT(*) FROM coverage_authors"
                ).fetchone()
            self._distinct_authors = (int(row[0]), int(row[1]))
        return self._distinct_authors

    def is_complete(self, kind: str, value: str = "") -> bool:
        """Whether the builder declared this scope complete (`Scope` kinds and values, as `parse_scope`
        writes them; a venue is compared by `venue_key`)."""
        for s in self.complete:
            if s.kind != kind:
                continue
            if s.value == value or (kind == "venue" and venue_key(s.value) == venue_key(value)):
                return True
            if kind == "doi-prefix" and s.value == value.lower():
                return True
        return False

    # -- display -------------------------------------------------------------------------------
    def summary(self, top: int = 10) -> dict[str, Any] | None:
        """What the index covers, for `citeproof index info`: totals and the `top` largest of each
        kind with their year ranges. None when coverage is unknown."""
        if not self.known:
            return None
        sources = self.sources() or {}
        years = self.years() or {}
        venues = self._table("venue") or {}
        prefixes = self._table("doi_prefix") or {}
        months = self.arxiv_months() or {}
        fams, pairs = self.author_names() or (0, 0)

        def largest(table: dict[str, dict[int, int]]) -> list[tuple[str, int, dict[int, int]]]:
            rows = [(k, sum(p.values()), self._dated(p)) for k, p in table.items()]
            return sorted(rows, key=lambda r: (-r[1], r[0]))[:top]

        top_venues = largest(venues)
        names = self._venue_names([k for k, _, _ in top_venues])

        def span(dated: dict[int, int]) -> list[int] | None:
            return [min(dated), max(dated)] if dated else None

        return {
            "records": sum(sources.values()),
            "sources": dict(sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))),
            "years": {"range": span(years), "undated": self.undated(), "per_year": years},
            "venues": {
                "distinct": len(venues),
                "top": [
                    {"key": k, "name": names.get(k, k), "records": n, "years": span(d)}
                    for k, n, d in top_venues
                ],
            },
            "doi_prefixes": {
                "distinct": len(prefixes),
                "top": [{"prefix": k, "records": n, "years": span(d)} for k, n, d in largest(prefixes)],
            },
            "arxiv": {
                "records": sum(months.values()),
                "months": [f"{min(months) // 100}-{min(months) % 100:02d}", f"{max(months) // 100}-{max(months) % 100:02d}"]
                if months
                else None,
                "distinct_months": len(months),
                "categories": dict(sorted((self.arxiv_categories() or {}).items(), key=lambda kv: (-kv[1], kv[0]))[:top]),
            },
            "authors": {"family_names": fams, "names_with_initial": pairs},
            "complete": [str(s) for s in self.complete],
        }

    def _venue_names(self, keys: list[str]) -> dict[str, str]:
        """A display name per venue key (the first spelling indexed)."""
        if not keys:
            return {}
        with self._lock:
            rows = self._store.conn.execute(
                f"SELECT key, name FROM venues WHERE key IN ({','.join('?' * len(keys))})", keys
            ).fetchall()
        return {k: name for k, name in rows}
