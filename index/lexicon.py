"""BM25 over rare words from postings kept beside the FTS5 table: FTS5's ranking, without its cost.

Verifying looks up each non-verbatim title by BM25 on its rarest words (`RecordStore.lexical`). FTS5
answers that query in about a millisecond, most of it in `bm25()`: before scoring, it counts the
records of every phrase of the query again (`xQueryPhrase`), and the query has up to 22 phrases
(each pair of five title words, the rarest title word with each of two names). That was a fifth of
the time of verifying a reference list. The words searched are rare by construction (each held by at
most `POSTINGS_MAX_DF` records), so their postings are small: written at build from FTS5's own index
(`fts5vocab` 'instance' rows, so the tokens are exactly FTS5's), read per query in one statement,
and scored here with numpy.

The scores are FTS5's to the last bit, so the candidates and every verdict stay the same: the same
formula (fts5_aux.c, `fts5Bm25Function`: k1 = 1.2, b = 0.75, IDF log((N - n + 0.5) / (n + 0.5)) with a
floor of 1e-6, a phrase's frequency the column weight times its instances, D the row's tokens in all
columns, avgdl the tokens of all rows over N), the same operations in the same order (one phrase
after another, in query order), and FTS5's rule that a phrase counts in a row only where its own
AND group matched (the phrase's iterator sits on that row only then). Ties keep FTS5's order, row id
ascending. An index built before postings existed, or a word above the cap, is searched by FTS5.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence

import numpy as np

__all__ = ["POSTINGS_MAX_DF", "Lexicon", "Phrase", "write_postings"]

POSTINGS_MAX_DF = 1000  # postings are kept for words that at most this many records hold (per column)
K1 = 1.2  # FTS5 bm25's constants
B = 0.75
COLUMNS = ("title", "authors")  # the FTS5 table's columns, in order
WEIGHTS = {"title": 1.0, "authors": 0.5}  # the column weights `RecordStore.lexical` gives bm25()

Phrase = tuple[str, str]  # (column, term): one `column:"term"` of an FTS5 query

_SCHEMA = """
DROP TABLE IF EXISTS postings;
DROP TABLE IF EXISTS lexicon;
CREATE TABLE postings (col TEXT NOT NULL, term TEXT NOT NULL, rows BLOB NOT NULL, tfs BLOB, PRIMARY KEY (col, term)) WITHOUT ROWID;
CREATE TABLE lexicon (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE VIRTUAL TABLE temp.postings_vocab USING fts5vocab(main, 'fts', 'instance');
"""
_INT = np.dtype("<i4")
_PHRASE_BITS = 5  # a query has at most 7 distinct phrases (5 title words, 2 names); room for 32
_PHRASE_MASK = (1 << _PHRASE_BITS) - 1
_ZERO = np.zeros(1, dtype=np.int64)
_CHUNK_TERMS = 50_000  # terms whose postings are sorted and written at once


def _varints(blob: bytes) -> list[int]:
    """The integers of an FTS5 record (SQLite varints: 7 bits a byte, most significant first)."""
    out: list[int] = []
    v = 0
    for byte in blob:
        v = (v << 7) | (byte & 0x7F)
        if not byte & 0x80:
            out.append(v)
            v = 0
    return out


def write_postings(conn: sqlite3.Connection, max_df: int = POSTINGS_MAX_DF) -> None:
    """Write the postings of every (column, term) that at most `max_df` records hold, with each row's
    token count and the table's totals, from the FTS5 table `fts` and the `term_df` table (written
    first). The row ids of a term are int32, ascending; its frequencies likewise, or NULL when each
    is 1 (nearly always, in titles and names)."""
    conn.executescript(_SCHEMA)
    df = {(col, term): n for col, term, n in conn.execute("SELECT col, term, df FROM term_df")}
    terms: list[str] = []
    texts: list[str] = []
    counts: list[int] = []
    # One row per term (FTS5 lists instances by term, so SQLite groups them as they come, without a
    # sort), each instance as its row id * 2 + column: repeats are the term frequency. Parsed by numpy
    # a chunk of terms at a time (memory stays flat at a million records).
    reader = conn.cursor()  # (streamed: the inserts go through the connection's own cursor)
    for term, docs, n in reader.execute(
        f"SELECT term, group_concat(doc * 2 + (col = '{COLUMNS[1]}'), ' '), count(*) FROM temp.postings_vocab GROUP BY term"
    ):
        if any(df.get((col, term), max_df + 1) <= max_df for col in COLUMNS):
            terms.append(term)
            texts.append(docs)
            counts.append(n)
            if len(terms) >= _CHUNK_TERMS:
                _write_chunk(conn, terms, texts, counts, df, max_df)
                terms, texts, counts = [], [], []
    _write_chunk(conn, terms, texts, counts, df, max_df)
    conn.execute("DROP TABLE temp.postings_vocab")
    last = conn.execute("SELECT COALESCE(MAX(id), 0) FROM fts_docsize").fetchone()[0]
    doclen = np.zeros(last + 1, dtype=_INT)
    for rowid, sz in conn.execute("SELECT id, sz FROM fts_docsize"):
        doclen[rowid] = sum(_varints(sz))
    n_rows, n_tokens = _fts_totals(conn)
    conn.executemany(
        "INSERT INTO lexicon(key, value) VALUES (?, ?)",
        [("max_df", max_df), ("rows", n_rows), ("tokens", n_tokens), ("doclen", doclen.tobytes())],
    )


def _fts_totals(conn: sqlite3.Connection) -> tuple[int, int]:
    """(rows, tokens in all columns) of the FTS5 table, from its averages record: what bm25() reads
    as N and, over N, avgdl."""
    averages = conn.execute("SELECT block FROM fts_data WHERE id = 1").fetchone()
    n_rows, *col_tokens = _varints(averages[0]) if averages else [0]
    return n_rows, sum(col_tokens)


def _write_chunk(
    conn: sqlite3.Connection,
    terms: list[str],
    texts: list[str],
    counts: list[int],
    df: dict[Phrase, int],
    max_df: int,
) -> None:
    """Insert the postings of `terms` in each column where at most `max_df` records hold them, from
    their instances (`texts`: row id * 2 + column number, `counts` of each)."""
    if not terms:
        return
    coded = np.array(" ".join(texts).split(), dtype=np.int64)
    pair = np.repeat(np.arange(len(terms), dtype=np.int64) * 2, np.asarray(counts, dtype=np.int64)) + (
        coded & 1
    )
    docs = coded >> 1
    pairs = [(COLUMNS[p & 1], terms[p >> 1]) for p in range(2 * len(terms))]
    wanted = np.array([df.get(p, max_df + 1) <= max_df for p in pairs])
    keep = wanted[pair]
    pair, docs = pair[keep], docs[keep]
    order = np.lexsort((docs, pair))
    pair, docs = pair[order], docs[order]
    first = np.flatnonzero(np.r_[True, (pair[1:] != pair[:-1]) | (docs[1:] != docs[:-1])])
    rows = docs[first].astype(_INT)
    tfs = np.diff(np.r_[first, len(docs)]).astype(_INT)
    kept = np.flatnonzero(wanted)  # every kept pair has at least one instance (its df is at least 1)
    bounds = np.asarray(np.searchsorted(pair[first], np.r_[kept, 2 * len(terms)]))
    ones = np.maximum.reduceat(tfs, bounds[:-1]) <= 1
    row_bytes, tf_bytes = rows.tobytes(), tfs.tobytes()
    conn.executemany(
        "INSERT INTO postings(col, term, rows, tfs) VALUES (?,?,?,?)",
        (
            (*pairs[p], row_bytes[4 * a : 4 * b], None if one else tf_bytes[4 * a : 4 * b])
            for p, a, b, one in zip(
                kept.tolist(), bounds[:-1].tolist(), bounds[1:].tolist(), ones.tolist(), strict=True
            )
        ),
    )


class Lexicon:
    """The postings of a store (`load`), searched as FTS5 would search and rank them (`search`)."""

    def __init__(
        self, conn: sqlite3.Connection, max_df: int, n_rows: int, n_tokens: int, doclen: np.ndarray
    ) -> None:
        self.conn = conn
        self.max_df = max_df
        self.n_rows = n_rows
        self.avgdl = n_tokens / n_rows if n_rows else 1.0
        self.doclen = doclen.astype(np.float64)

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> Lexicon | None:
        """The store's postings, or None in an index built before they were kept, or whose FTS5 table
        has changed since (records appended by a version that did not rewrite them): FTS5's totals,
        its averages record, must be those the postings were written with."""
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'lexicon'").fetchone():
            return None
        meta = dict(conn.execute("SELECT key, value FROM lexicon"))
        if _fts_totals(conn) != (meta.get("rows"), meta.get("tokens")) or "doclen" not in meta:
            return None
        return cls(
            conn,
            int(meta["max_df"]),
            int(meta["rows"]),
            int(meta["tokens"]),
            np.frombuffer(meta["doclen"], dtype=_INT),
        )

    def search(
        self,
        groups: Sequence[Sequence[Phrase]],
        df: dict[Phrase, int],
        k: int,
        found: dict[Phrase, tuple[np.ndarray, np.ndarray | None]] | None = None,
    ) -> list[tuple[int, float]]:
        """The `k` best rows for the FTS5 query "(p AND q) OR (r AND s) OR ..." of `groups` (phrases in
        query order), by FTS5's bm25 with `WEIGHTS`: (row id, score, higher is better). `df`: the
        records holding each phrase, each at most `max_df`. `found`: the postings of a batch's phrases,
        read at once (`postings`); else this query's are read now."""
        phrases = list(dict.fromkeys(p for g in groups for p in g))
        if len(phrases) > 1 << _PHRASE_BITS:
            raise ValueError(f"at most {1 << _PHRASE_BITS} distinct phrases in a query, not {len(phrases)}")
        if found is None:
            found = self.postings(phrases)
        lists = [found[p][0] for p in phrases]
        if not any(len(x) for x in lists):
            return []
        # every posting of the query's phrases as one sorted key, row id and phrase number: the rows
        # each phrase is in, as a bit mask per row
        keys = np.concatenate(lists) << _PHRASE_BITS
        keys |= np.repeat(np.arange(len(phrases), dtype=np.int64), [len(x) for x in lists])
        keys.sort()
        rows_all = keys >> _PHRASE_BITS
        starts = np.flatnonzero(rows_all[1:] != rows_all[:-1]) + 1
        starts = np.concatenate((_ZERO, starts))
        masks = np.bitwise_or.reduceat(np.left_shift(1, keys & _PHRASE_MASK), starts)
        index = {p: i for i, p in enumerate(phrases)}
        wanted = np.array([sum(1 << index[p] for p in g) for g in groups])[:, None]
        matched = (masks & wanted) == wanted  # group x row
        hit = matched.any(axis=0)
        if not hit.any():
            return []
        rows, masks, matched = rows_all[starts][hit], masks[hit], matched[:, hit]
        freq = ((masks >> np.arange(len(phrases))[:, None]) & 1).astype(np.float64)  # phrase x row
        for i, p in enumerate(phrases):
            prow, ptf = found[p]
            if ptf is not None:  # a word more than once in a title or name list (rare)
                at = np.minimum(np.searchsorted(prow, rows), len(prow) - 1)
                freq[i] = np.where(prow[at] == rows, ptf[at], 0.0)
        freq *= np.array([WEIGHTS[col] for col, _ in phrases])[:, None]
        norm = K1 * (1 - B + B * self.doclen[rows] / self.avgdl)
        idf = np.array([math.log((self.n_rows - df[p] + 0.5) / (df[p] + 0.5)) for p in phrases])
        idf[idf <= 0.0] = 1e-6
        part = idf[:, None] * ((freq * (K1 + 1.0)) / (freq + norm))  # phrase x row
        # the query's phrases one after another (a phrase of an unmatched group adds 0), summed in that
        # order as FTS5 sums them: add.accumulate adds row by row, unlike sum's pairwise summation
        seq_group = [gi for gi, g in enumerate(groups) for _ in g]
        seq_phrase = [index[p] for g in groups for p in g]
        terms = np.where(matched[seq_group], part[seq_phrase], 0.0)
        score = np.add.accumulate(terms, axis=0)[-1]
        best = np.lexsort((rows, -score))[:k]
        return [(int(r), float(s)) for r, s in zip(rows[best].tolist(), score[best].tolist(), strict=True)]

    def postings(self, phrases: Sequence[Phrase]) -> dict[Phrase, tuple[np.ndarray, np.ndarray | None]]:
        """Row ids (int64) and frequencies (float64, None when all are 1) of each phrase (one statement
        per 500 distinct ones)."""
        wanted = list(dict.fromkeys(phrases))
        out: dict[Phrase, tuple[np.ndarray, np.ndarray | None]] = {}
        for i in range(0, len(wanted), 500):
            out.update(self._postings(wanted[i : i + 500]))
        return out

    def _postings(self, phrases: Sequence[Phrase]) -> dict[Phrase, tuple[np.ndarray, np.ndarray | None]]:
        out: dict[Phrase, tuple[np.ndarray, np.ndarray | None]] = {
            p: (np.zeros(0, np.int64), None) for p in phrases
        }
        by_col: dict[str, list[str]] = {}
        for col, term in phrases:
            by_col.setdefault(col, []).append(term)
        # one statement; each column's terms looked up by the primary key (a row-value IN would scan)
        query = " UNION ALL ".join(
            f"SELECT col, term, rows, tfs FROM postings WHERE col = ? AND term IN ({','.join('?' * len(terms))})"
            for terms in by_col.values()
        )
        args = [x for col, terms in by_col.items() for x in (col, *terms)]
        for col, term, rows, tfs in self.conn.execute(query, args):
            out[(col, term)] = (
                np.frombuffer(rows, dtype=_INT).astype(np.int64),
                None if tfs is None else np.frombuffer(tfs, dtype=_INT).astype(np.float64),
            )
        return out
