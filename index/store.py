"""SQLite metadata store: records, exact-identifier tables and an FTS5 lexical index.

One file holds everything that is not a vector. Row ids are dense (1..N) and equal the FAISS
vector position + 1, so a dense hit maps to its record without any extra table.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal, NamedTuple, TypeVar

from citeproof.identifiers import norm_arxiv_id, norm_doi
from citeproof.index.lexicon import Lexicon, Phrase, write_postings
from citeproof.models import Record
from citeproof.text import fold, title_key, tokens

__all__ = ["COVERAGE_TABLES", "RecordStore", "arxiv_month", "author_key", "venue_key"]

K = TypeVar("K", int, str)

_SCHEMA = """
CREATE TABLE records (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    data TEXT NOT NULL,
    title_key TEXT NOT NULL,
    doi TEXT,
    arxiv TEXT,
    pmid TEXT,
    year INTEGER
);
CREATE TABLE venues (key TEXT PRIMARY KEY, name TEXT NOT NULL, n INTEGER NOT NULL);
CREATE TABLE doi_prefixes (prefix TEXT PRIMARY KEY, n INTEGER NOT NULL);
CREATE VIRTUAL TABLE fts USING fts5(title, authors, content='', tokenize='unicode61 remove_diacritics 2');
"""
# What the index covers (citeproof.index.coverage reads it): record counts per (kind, key, period),
# kind 'source' (Record.source, per year), 'venue' (`venue_key`, per year), 'doi_prefix' (per year),
# 'arxiv' (category of an old-style id, '' for a new-style one; per month as YYYYMM); period 0 = no
# year. And records per author name: `author_key` (folded family name, initial of the given names).
# Counted as records are added and upserted in batches, so `add_records` keeps them current.
COVERAGE_TABLES = ("coverage", "coverage_authors")
_COVERAGE_SCHEMA = """
CREATE TABLE IF NOT EXISTS coverage (
    kind TEXT NOT NULL, key TEXT NOT NULL, period INTEGER NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (kind, key, period)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS coverage_authors (
    family TEXT NOT NULL, initial TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (family, initial)
) WITHOUT ROWID;
"""
_COVERAGE_FLUSH = 200_000  # distinct keys counted in memory before they are upserted (memory stays flat)
# IF NOT EXISTS: `finish` also closes a store that was appended to (index/update.py), whose indexes exist.
_INDEXES = """
CREATE INDEX IF NOT EXISTS records_doi ON records(doi) WHERE doi IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_arxiv ON records(arxiv) WHERE arxiv IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_pmid ON records(pmid) WHERE pmid IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_title_key ON records(title_key);
"""

# How many records hold each word, per column: lexical search picks a title's rarest words with it.
# A table, not fts5vocab at query time: fts5vocab answers a term lookup in ~1 ms at 1M records.
_TERM_DF = """
DROP TABLE IF EXISTS term_df;
CREATE VIRTUAL TABLE temp.build_vocab USING fts5vocab(main, 'fts', 'col');
CREATE TABLE term_df (col TEXT NOT NULL, term TEXT NOT NULL, df INTEGER NOT NULL, PRIMARY KEY (col, term)) WITHOUT ROWID;
INSERT INTO term_df SELECT col, term, doc FROM temp.build_vocab;
DROP TABLE temp.build_vocab;
"""

LEXICAL_TERMS = 5  # rarest title words searched by BM25, two at a time
LEXICAL_NAMES = 2  # rarest name words, each with the rarest title word
_FTS_SAFE = re.compile(r"[^\w]+", re.UNICODE)
_STOPWORDS = frozenset(
    "a an and are as at by for from in into is of on or the to via with without towards toward using based".split()
)


class _LexicalPlan(NamedTuple):
    groups: list[list[Phrase]]  # a row must hold every phrase of one group
    df: dict[Phrase, int]  # the records holding each phrase
    pairs: bool  # groups of two title words (ORed), not one group of all the query's words
    from_postings: bool  # answered from the postings kept at build, not by FTS5


def _lexical_words(title: str | None, authors: Sequence[str]) -> tuple[list[str], list[str]]:
    """The title words and name words a BM25 query may use, in order, before the rarest are chosen."""
    words = list(dict.fromkeys(w for w in _FTS_SAFE.split(fold(title or "")) if len(w) > 1 and w not in _STOPWORDS))[:24]
    names = list(dict.fromkeys(w for a in authors for w in _FTS_SAFE.split(fold(a)) if len(w) > 1))[:8]
    return words, names


def venue_key(venue: str | None) -> str:
    """Venue name folded to its word tokens, digits dropped ("Proceedings of the 38th ICML" and 39th share a key)."""
    return " ".join(t for t in tokens(venue) if not t.isdigit() and not re.fullmatch(r"\d+(st|nd|rd|th)", t))


_WORD = re.compile(r"[^\W_]+")


def author_key(family: str | None, given: str | None = None) -> tuple[str, str]:
    """(folded family name, folded initial of the given names or ''): how coverage counts authors.
    "O'Brien" and "O Brien", "Schölkopf" and "Scholkopf", "Smith-Jones" and "Smith Jones" share a key.
    Names are taken as cleaned text (readers clean them; LaTeX is not decoded here)."""
    return _folded_author_key(fold(family or ""), fold(_initial(given or "")))


def _initial(given: str) -> str:
    """What of the given names decides the initial: the first character, or all of them when that is
    no letter or digit (the initial is then the first letter or digit after folding)."""
    first = given[:1]
    return first if first.isalnum() else given


def _folded_author_key(family: str, given: str) -> tuple[str, str]:
    # isalnum(): one word, which the pattern would find whole (most names; a shortcut, same result)
    fam = family if family.isalnum() else " ".join(_WORD.findall(family))
    if given[:1].isalnum():
        return fam, given[0]
    first = _WORD.search(given)
    return fam, first.group(0)[0] if first else ""


_ARXIV_NEW_MONTH = re.compile(r"(\d\d)(\d\d)\.\d{4,5}$")
_ARXIV_OLD_MONTH = re.compile(r"([a-z][a-z\-]*(?:\.[A-Za-z]{2})?)/(\d\d)(\d\d)\d{3}$")


def arxiv_month(arxiv_id: str | None) -> tuple[str, int] | None:
    """(category, YYYYMM) of a normalised arXiv id: '2310.01362' -> ('', 202310) (new-style ids name no
    category), 'hep-th/9901001' -> ('hep-th', 199901), 'math.GT/0309136' -> ('math.GT', 200309)."""
    if not arxiv_id:
        return None
    m = _ARXIV_NEW_MONTH.match(arxiv_id)
    if m:
        cat, yy, mm = "", int(m.group(1)), int(m.group(2))
    else:
        m = _ARXIV_OLD_MONTH.match(arxiv_id)
        if not m:
            return None
        cat, yy, mm = m.group(1), int(m.group(2)), int(m.group(3))
    if not 1 <= mm <= 12:
        return None
    return cat, (2000 + yy if yy < 91 else 1900 + yy) * 100 + mm


class _Tally:
    """Coverage counts of the records added since the last flush (see `_COVERAGE_SCHEMA`)."""

    def __init__(self) -> None:
        self.coverage: Counter[tuple[str, str, int]] = Counter()
        # records per (family name, `_initial` of the given names) as the records spell them: folded
        # into `author_key`s when written, once per distinct spelling rather than once per author
        self.authors: Counter[tuple[str, str]] = Counter()

    def count(self, rec: Record, vkey: str, doi: str | None, arxiv: str | None) -> str:
        """Count `rec`, and return its authors' names as the FTS index holds them (one pass over them)."""
        year = rec.year or 0
        cov = self.coverage
        cov["source", rec.source or "", year] += 1
        if vkey:
            cov["venue", vkey, year] += 1
        if doi:
            cov["doi_prefix", doi.split("/", 1)[0], year] += 1
        month = arxiv_month(arxiv)
        if month:
            cov["arxiv", month[0], month[1]] += 1
        if not rec.authors:
            return ""
        folded, names = [], set()
        for a in rec.authors:
            family, given = a.family, a.given
            folded.append(fold(f"{given} {family}"))
            first = given[:1]
            names.add((family, first if first.isalnum() else given))  # `_initial`, inlined
        counts = self.authors
        for name in names:  # a name twice on one record counts that record once
            counts[name] += 1
        return " ".join(folded)

    def full(self) -> bool:
        return len(self.coverage) + len(self.authors) > _COVERAGE_FLUSH

    def flush(self, conn: sqlite3.Connection) -> None:
        conn.executemany(
            "INSERT INTO coverage(kind, key, period, n) VALUES (?,?,?,?) "
            "ON CONFLICT(kind, key, period) DO UPDATE SET n = n + excluded.n",
            ((k, key, p, n) for (k, key, p), n in self.coverage.items()),
        )
        authors: Counter[tuple[str, str]] = Counter()
        for (family, initial), n in self.authors.items():
            # fold() inlined for ASCII (most names; the same result): once per distinct spelling
            key = _folded_author_key(
                family.lower() if family.isascii() else fold(family),
                initial.lower() if initial.isascii() else fold(initial),
            )
            if key[0]:
                authors[key] += n
        conn.executemany(
            "INSERT INTO coverage_authors(family, initial, n) VALUES (?,?,?) "
            "ON CONFLICT(family, initial) DO UPDATE SET n = n + excluded.n",
            ((f, i, n) for (f, i), n in authors.items()),
        )
        self.coverage.clear()
        self.authors.clear()


class RecordStore:
    """Read/write access to `records.sqlite`. Writers use `create`; readers `open` read-only."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._vocab: str | None = None  # `_df_query`, chosen at the first lexical search
        self._lexicon: Lexicon | Literal[False] | None = False  # `_postings`, read at the first need
        self._tally = _Tally()  # coverage counts of added records not yet written (writers only)

    @classmethod
    def create(cls, path: Path) -> RecordStore:
        conn = sqlite3.connect(str(path))
        conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA + _COVERAGE_SCHEMA)
        return cls(conn)

    @classmethod
    def append(cls, path: Path) -> RecordStore:
        """Open an existing store to add records to (index/update.py works on a copy, so no journal:
        a crash discards the copy anyway). A store written before coverage was kept gets its coverage
        tables now, counted from the records it holds, so that they describe the whole index."""
        conn = sqlite3.connect(str(path))
        store = cls(conn)
        try:
            conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
            if not store.has_coverage():  # (a lone table of the two would be counted twice: both are redone)
                conn.executescript(
                    "DROP TABLE IF EXISTS coverage; DROP TABLE IF EXISTS coverage_authors;" + _COVERAGE_SCHEMA
                )
                for (data,) in conn.execute("SELECT data FROM records ORDER BY rowid"):
                    rec = Record.model_validate_json(data)
                    store._tally.count(rec, venue_key(rec.venue), norm_doi(rec.doi), norm_arxiv_id(rec.arxiv_id))
                    if store._tally.full():
                        store._tally.flush(conn)
        except BaseException:
            conn.close()
            raise
        return store

    @classmethod
    def open(cls, path: Path) -> RecordStore:
        # check_same_thread=False: the service shares one loaded index across worker threads;
        # the connection is read-only, which SQLite serialises safely.
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        return cls(conn)

    # -- writing -------------------------------------------------------------------------------
    def add(self, records: Sequence[Record], start_rowid: int) -> list[Record]:
        """Insert records with consecutive row ids from `start_rowid`; return those inserted.

        A record whose id is already stored is a duplicate and is not inserted (the caller counts it).
        """
        kept: list[Record] = []
        cur = self.conn.cursor()
        tally = self._tally
        rowid = start_rowid
        for rec in records:
            doi = norm_doi(rec.doi)
            arxiv = norm_arxiv_id(rec.arxiv_id)
            try:
                cur.execute(
                    "INSERT INTO records(rowid, id, data, title_key, doi, arxiv, pmid, year) VALUES (?,?,?,?,?,?,?,?)",
                    (
                        rowid,
                        rec.id,
                        rec.model_dump_json(exclude_none=True),
                        title_key(rec.title),
                        doi,
                        arxiv,
                        rec.pmid,
                        rec.year,
                    ),
                )
            except sqlite3.IntegrityError:
                continue
            vk = venue_key(rec.venue) if rec.venue else ""
            authors = tally.count(rec, vk, doi, arxiv)  # the coverage counts, and the authors' folded names
            cur.execute("INSERT INTO fts(rowid, title, authors) VALUES (?,?,?)", (rowid, rec.title, authors))
            if vk:
                cur.execute(
                    "INSERT INTO venues(key, name, n) VALUES (?,?,1) ON CONFLICT(key) DO UPDATE SET n = n + 1",
                    (vk, rec.venue),
                )
            if doi:
                cur.execute(
                    "INSERT INTO doi_prefixes(prefix, n) VALUES (?,1) ON CONFLICT(prefix) DO UPDATE SET n = n + 1",
                    (doi.split("/", 1)[0],),
                )
            kept.append(rec)
            rowid += 1
        if tally.full():
            tally.flush(self.conn)
        return kept

    def finish(self) -> None:
        self._tally.flush(self.conn)
        self.conn.executescript(_INDEXES + "INSERT INTO fts(fts) VALUES('optimize');" + _TERM_DF)
        write_postings(self.conn)
        self.conn.commit()
        self.conn.execute("VACUUM")
        self.conn.close()

    # -- reading -------------------------------------------------------------------------------
    def count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM records").fetchone()[0])

    def get_rows(self, rowids: Iterable[int]) -> dict[int, Record]:
        return self._records_by("rowid", [int(r) for r in rowids])

    def get_id(self, record_id: str) -> Record | None:
        row = self.conn.execute("SELECT data FROM records WHERE id = ?", (record_id,)).fetchone()
        return Record.model_validate_json(row[0]) if row else None

    def get_ids(self, record_ids: Iterable[str]) -> dict[str, Record]:
        """The records of `record_ids` (those the store holds), by id."""
        return self._records_by("id", list(record_ids))

    def _records_by(self, column: str, keys: list[K]) -> dict[K, Record]:
        """The records whose `column` ('rowid' or 'id') is one of `keys`, in one statement per 500."""
        wanted = list(dict.fromkeys(keys))
        out: dict[K, Record] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            q = f"SELECT {column}, data FROM records WHERE {column} IN ({','.join('?' * len(chunk))})"
            for key, data in self.conn.execute(q, chunk):
                out[key] = Record.model_validate_json(data)
        return out

    def _by(self, column: str, value: str | None) -> list[int]:
        if not value:
            return []
        return [r[0] for r in self.conn.execute(f"SELECT rowid FROM records WHERE {column} = ? LIMIT 20", (value,))]

    def by_doi(self, doi: str | None) -> list[int]:
        return self._by("doi", norm_doi(doi))

    def by_arxiv(self, arxiv_id: str | None) -> list[int]:
        return self._by("arxiv", norm_arxiv_id(arxiv_id))

    def by_pmid(self, pmid: str | None) -> list[int]:
        return self._by("pmid", pmid)

    def by_title_key(self, title: str | None) -> list[int]:
        key = title_key(title)
        return self._by("title_key", key) if len(key) >= 8 else []

    def _by_many(self, column: str, values: Sequence[str | None]) -> list[list[int]]:
        """`_by(column, v)` for each of `values`, in one statement per 500 distinct values: a reference
        list of a thousand entries costs a few round trips to SQLite, not thousands. The same rows in
        the same order (row id order: what the column's index yields), at most 20 per value."""
        wanted = list(dict.fromkeys(v for v in values if v))
        found: dict[str, list[int]] = {v: [] for v in wanted}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            q = f"SELECT {column}, rowid FROM records WHERE {column} IN ({marks}) ORDER BY {column}, rowid"
            for value, rowid in self.conn.execute(q, chunk):
                rows = found[value]
                if len(rows) < 20:
                    rows.append(rowid)
        return [list(found[v]) if v else [] for v in values]

    def by_title_keys(self, titles: Sequence[str | None]) -> list[list[int]]:
        """`by_title_key` of each title, batched."""
        keys = [title_key(t) for t in titles]
        return self._by_many("title_key", [k if len(k) >= 8 else None for k in keys])

    def by_dois(self, dois: Sequence[str | None]) -> list[list[int]]:
        """`by_doi` of each DOI, batched."""
        return self._by_many("doi", [norm_doi(d) for d in dois])

    def by_arxiv_ids(self, arxiv_ids: Sequence[str | None]) -> list[list[int]]:
        """`by_arxiv` of each arXiv id, batched."""
        return self._by_many("arxiv", [norm_arxiv_id(a) for a in arxiv_ids])

    def by_pmids(self, pmids: Sequence[str | None]) -> list[list[int]]:
        """`by_pmid` of each PMID, batched."""
        return self._by_many("pmid", list(pmids))

    def lexical(
        self, title: str | None, authors: Sequence[str] = (), k: int = 20, max_df: int | None = None
    ) -> list[tuple[int, float]]:
        """BM25 search over titles (and author names); returns (rowid, bm25 score, higher is better).

        BM25 scores every record the query matches, so an OR of all the title's words would make each
        query score every title with 'learning' in it (one in nine): tens of ms at 100k records,
        hundreds at 1M. Instead a record must hold two of the title's `LEXICAL_TERMS` rarest words
        (any two: a misspelt or missing word is tolerated), or the rarest word and one of the
        `LEXICAL_NAMES` rarest author names. Rare words are what decide the ranking anyway, and FTS5
        answers an AND by walking the shorter posting list. Words in no record are dropped (a typo
        matches nothing); a title with a single usable word searches that word alone. With `max_df`,
        only words held by at most that many records are searched, which bounds the cost of a query
        (a title of common words only is then left to the dense search); such a query is answered
        from the postings kept at build (`index.lexicon`: the same rows and scores, a fraction of the
        cost), where the index has them."""
        return self.lexical_many([(title, authors, max_df)], k)[0]

    def lexical_many(
        self, queries: Sequence[tuple[str | None, Sequence[str], int | None]], k: int = 20
    ) -> list[list[tuple[int, float]]]:
        """`lexical(title, authors, k, max_df)` of each query, as a batch (a reference list's titles not
        found verbatim): the term counts of all read at once (`lexical_counts`), then the postings of
        all that the kept postings answer, so the batch makes a few round trips to SQLite, not three
        a query. The same rows and scores as one by one."""
        terms = [_lexical_words(t, a) for t, a, _ in queries]
        counts = self._term_counts_of(terms) if len(queries) > 1 else None
        lexicon = self._postings()
        plans = [
            self._lexical_plan(words, names, max_df, counts, lexicon)
            for (words, names), (_, _, max_df) in zip(terms, queries, strict=True)
        ]
        phrases = [ph for p in plans if p is not None and p.from_postings for g in p.groups for ph in g]
        found = lexicon.postings(phrases) if lexicon is not None and phrases else {}
        out: list[list[tuple[int, float]]] = []
        for p in plans:
            if p is None:
                out.append([])
            elif p.from_postings and lexicon is not None:
                out.append(lexicon.search(p.groups, p.df, k, found))
            else:
                ands = [" AND ".join(f'{col}:"{term}"' for col, term in g) for g in p.groups]
                query = " OR ".join(f"({a})" for a in ands) if p.pairs else ands[0]
                rows = self.conn.execute(
                    "SELECT rowid, bm25(fts, 1.0, 0.5) AS s FROM fts WHERE fts MATCH ? ORDER BY s LIMIT ?", (query, k)
                ).fetchall()
                out.append([(int(r), -float(s)) for r, s in rows])
        return out

    def _lexical_plan(
        self,
        words: list[str],
        names: list[str],
        max_df: int | None,
        counts: dict[str, dict[str, int]] | None,
        lexicon: Lexicon | None,
    ) -> _LexicalPlan | None:
        """What `lexical` searches for a query of these words (`_lexical_words`): its groups of
        phrases (None: nothing to search)."""
        df: dict[Phrase, int] = {}
        words = self._rarest(words, "title", LEXICAL_TERMS, max_df, df, counts)
        names = self._rarest(names, "authors", LEXICAL_NAMES, max_df, df, counts)
        t: list[Phrase] = [("title", w) for w in words]
        n: list[Phrase] = [("authors", w) for w in names]
        groups: list[list[Phrase]]
        if len(t) >= 2:
            groups = [[x, y] for i, x in enumerate(t) for y in t[i + 1 :]] + [[t[0], m] for m in n]
        elif t:
            groups = [t]
        else:
            groups = [n] if n else []
        if not groups:
            return None
        from_postings = lexicon is not None and max_df is not None and max_df <= lexicon.max_df
        return _LexicalPlan(groups, df, len(t) >= 2, from_postings)

    def _postings(self) -> Lexicon | None:
        """The postings written at build (`index.lexicon`), read at the first need; None in an older index."""
        if self._lexicon is False:
            self._lexicon = Lexicon.load(self.conn)
        return self._lexicon

    def _rarest(
        self,
        words: list[str],
        column: str,
        n: int,
        max_df: int | None = None,
        counted: dict[Phrase, int] | None = None,
        counts: dict[str, dict[str, int]] | None = None,
    ) -> list[str]:
        """The `n` words of `words` that fewest records hold in `column` (at least one, at most `max_df`);
        their counts go into `counted`, by (column, word); read from `counts` when given."""
        if not words or (len(words) == 1 and max_df is None):
            return words  # nothing to choose between (a word no record holds just matches nothing)
        df = counts[column] if counts is not None else self.term_counts(words, column)
        present = [w for w in words if df[w] and (max_df is None or df[w] <= max_df)]
        if len(present) > n:
            present = sorted(present, key=lambda w: df[w])[:n]
        if counted is not None:
            counted.update(((column, w), df[w]) for w in present)
        return present

    def lexical_counts(self, queries: Sequence[tuple[str | None, Sequence[str]]]) -> dict[str, dict[str, int]]:
        """The term counts `lexical` reads for each (title, authors) of `queries`, by column and word,
        in one statement per column and 500 words: a batch's BM25 queries then make no round trip each."""
        return self._term_counts_of([_lexical_words(t, a) for t, a in queries])

    def _term_counts_of(self, terms: Sequence[tuple[list[str], list[str]]]) -> dict[str, dict[str, int]]:
        """`lexical_counts` of queries already split into (title words, name words)."""
        title_words: dict[str, None] = {}
        name_words: dict[str, None] = {}
        for words, names in terms:
            title_words.update(dict.fromkeys(words))
            name_words.update(dict.fromkeys(names))
        out: dict[str, dict[str, int]] = {}
        for column, wanted in (("title", list(title_words)), ("authors", list(name_words))):
            out[column] = {}
            for i in range(0, len(wanted), 500):
                out[column].update(self.term_counts(wanted[i : i + 500], column))
        return out

    def term_counts(self, words: Sequence[str], column: str = "title") -> dict[str, int]:
        """How many records hold each of `words` (lower-case terms, as the full-text index splits text)
        in `column` ('title' or 'authors'); 0 for a word none holds."""
        if not words:
            return {}
        marks = ",".join("?" * len(words))
        df = dict(self.conn.execute(f"{self._df_query()} WHERE col = ? AND term IN ({marks})", (column, *words)).fetchall())
        return {w: int(df.get(w, 0)) for w in words}

    def _df_query(self) -> str:
        """How to read (term, document frequency) rows: the `term_df` table written at build, or, in
        an index built before it existed, FTS5's own vocabulary (about 1 ms a term at 1M records)."""
        if self._vocab is None:
            if self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'term_df'").fetchone():
                self._vocab = "SELECT term, df FROM term_df"
            else:
                self.conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_vocab USING fts5vocab(main, 'fts', 'col')")
                self._vocab = "SELECT term, doc FROM temp.fts_vocab"
        return self._vocab

    def by_author_year(self, family: str, year: int, limit: int = 50) -> list[int]:
        """Records with an author of this family name published in `year` (for author-year mentions)."""
        words = [w for w in _FTS_SAFE.split(fold(family)) if len(w) > 1]
        if not words:
            return []
        query = " AND ".join(f'authors:"{w}"' for w in words)
        rows = self.conn.execute(
            "SELECT f.rowid FROM fts f JOIN records r ON r.rowid = f.rowid WHERE fts MATCH ? AND r.year = ? LIMIT ?",
            (query, year, limit),
        ).fetchall()
        return [int(r) for (r,) in rows]

    def venues(self) -> dict[str, tuple[str, int]]:
        return {k: (name, n) for k, name, n in self.conn.execute("SELECT key, name, n FROM venues")}

    def doi_prefixes(self) -> set[str]:
        return {p for (p,) in self.conn.execute("SELECT prefix FROM doi_prefixes")}

    def has_coverage(self) -> bool:
        """Whether the store keeps coverage counts (an index built before they existed does not)."""
        marks = ",".join("?" * len(COVERAGE_TABLES))
        found = self.conn.execute(
            f"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ({marks})", COVERAGE_TABLES
        ).fetchone()[0]
        return bool(found == len(COVERAGE_TABLES))

    def years(self) -> tuple[int | None, int | None]:
        lo, hi = self.conn.execute("SELECT MIN(year), MAX(year) FROM records").fetchone()
        return lo, hi

    def close(self) -> None:
        self.conn.close()
