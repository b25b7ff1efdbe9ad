"""The index: exact/lexical/dense retrieval on real records, manifest checks, atomic writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from citeproof.errors import IndexCorruptError, IndexModelMismatchError, IndexNotFoundError
from citeproof.index import Index, Query, build_index
from citeproof.index.manifest import load_manifest


@pytest.fixture(scope="module")
def index(dev_index_dir: Path) -> Index:
    return Index(dev_index_dir)


def test_manifest_describes_the_build(index: Index) -> None:
    m = index.manifest
    assert m.count == 1008 + 19
    assert m.model == "static-minilm" and m.dim == 256  # the default model
    assert set(m.files) == {"records.sqlite", "vectors.faiss"}
    assert m.sources == ["hallmark_corpus_dev.csl.jsonl.gz", "demo_classics.csl.json"]


def test_csl_ids_are_kept(index: Index) -> None:
    rec = index.get("hm-Abbas2021combinatorial-1a36f8")
    assert rec is not None
    assert rec.title.startswith("Combinatorial Optimization for Panoptic Segmentation")


def test_exact_lexical_and_dense_retrieval(index: Index) -> None:
    [by_doi, by_arxiv, paraphrase] = index.search(
        [
            Query(doi="https://doi.org/10.1109/CVPR.2016.90"),
            Query(arxiv_id="arXiv:1706.03762v7"),
            Query(title="residual learning of deep networks for recognizing images"),
        ]
    )
    assert by_doi[0].record.title == "Deep Residual Learning for Image Recognition" and "doi" in by_doi[0].via
    assert by_arxiv[0].record.title == "Attention is All you Need"
    assert any(h.record.title == "Deep Residual Learning for Image Recognition" for h in paraphrase[:3])
    top = paraphrase[0]
    assert "dense" in top.via and top.dense > 0.5


def test_model_mismatch_is_a_clear_error(dev_index_dir: Path) -> None:
    with pytest.raises(IndexModelMismatchError, match="built with model"):
        Index(dev_index_dir, model="sentence-transformers/all-mpnet-base-v2")


def test_not_an_index(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError):
        Index(tmp_path)


def test_damaged_index_is_detected(dev_index_dir: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(dev_index_dir, copy)
    with (copy / "vectors.faiss").open("r+b") as fh:
        fh.truncate(100)
    with pytest.raises(IndexCorruptError):
        Index(copy)
    shutil.copy(dev_index_dir / "vectors.faiss", copy / "vectors.faiss")
    with (copy / "records.sqlite").open("r+b") as fh:
        fh.seek(5000)
        fh.write(b"\xff" * 16)  # same size, different bytes: only the checksum can tell
    load_manifest(copy)
    with pytest.raises(IndexCorruptError, match="checksum"):
        load_manifest(copy, verify_checksums=True)


def test_failed_build_leaves_previous_index_intact(tmp_path: Path) -> None:
    src = tmp_path / "a.csl.json"
    src.write_text(
        json.dumps(
            [{"id": "x1", "title": "A real enough title", "author": [{"family": "Doe", "given": "J"}]}]
        )
    )
    out = tmp_path / "idx"
    build_index([src], out, fmt="csl-json")
    before = (out / "manifest.json").read_text()

    def explode(n: int) -> None:
        raise KeyboardInterrupt  # as if the user hit Ctrl-C mid-build

    with pytest.raises(KeyboardInterrupt):
        build_index([src], out, fmt="csl-json", progress=explode)
    assert (out / "manifest.json").read_text() == before
    assert Index(out).manifest.count == 1
    # Only the checkpoint of the interrupted build stays, for a rerun to resume; that rerun clears it.
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [".idx.build"]
    build_index([src], out, fmt="csl-json")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("index_type", ["hnsw", "ivfpq"])
def test_approximate_index_types_find_what_flat_finds(index: Index, index_type: str) -> None:
    import faiss
    import numpy as np

    from citeproof.index.vectors import make_searchable, reindex

    flat = index.vectors
    approx = make_searchable(reindex(flat, index_type))
    queries = flat.reconstruct_n(0, 200)
    _, exact = flat.search(queries, 10)
    _, found = approx.search(queries, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, found, strict=True)])
    top1 = np.mean(exact[:, 0] == found[:, 0])
    assert top1 >= 0.95 and recall >= 0.6, (top1, recall)
    if index_type == "ivfpq":  # per record: a 48-byte code plus an 8-byte id (issue bar: <= 100 bytes)
        assert faiss.extract_index_ivf(approx).code_size + 8 <= 100


def test_build_with_hnsw_is_searchable(tmp_path: Path) -> None:
    from tests.conftest import DATA

    out = tmp_path / "hnsw"
    m = build_index([DATA / "demo_classics.csl.json"], out, fmt="csl-json", index_type="hnsw")
    assert m.index_type == "hnsw"
    [hits] = Index(out).search([Query(title="residual learning of deep networks for recognizing images")])
    assert hits[0].record.title == "Deep Residual Learning for Image Recognition"


def test_lexical_search_uses_rare_words_and_bounds_common_ones(index: Index) -> None:
    """BM25 picks a title's rarest words from the term statistics stored at build; with `max_df` a
    word that many records hold is not searched at all (the dense search covers such titles)."""
    store = index.store
    assert (
        store.conn.execute("SELECT df FROM term_df WHERE col = 'title' AND term = 'learning'").fetchone()[0]
        > 50
    )
    target = index.get("hm-Abbas2021combinatorial-1a36f8")
    assert target is not None
    typo = "Combinatorial Optimisation for Panoptc Segmentation: Fully Differentiable Approach"
    rowid = store.conn.execute("SELECT rowid FROM records WHERE id = ?", (target.id,)).fetchone()[0]
    assert store.lexical(typo)[0][0] == rowid  # one rare word misspelt, one changed: still first
    assert store.lexical("Deep Learning for Learning", max_df=50) == []  # only common words
    assert store.lexical("Deep Learning for Learning")  # unbounded: searched


def test_lexical_postings_rank_exactly_as_fts5_bm25(index: Index) -> None:
    """A bounded BM25 query is answered from the postings kept at build (`index.lexicon`): the same rows,
    the same scores to the bit and the same order of ties as FTS5's bm25() over the same query, for
    titles with a word dropped or misspelt, with and without author names (each record's title and
    the names of the record before it, so names and title words also disagree)."""
    from citeproof.index.core import LEXICAL_DF_CAP

    store = index.store
    lexicon = store._postings()
    assert lexicon is not None and lexicon.max_df >= LEXICAL_DF_CAP
    records = list(index.iter_records())
    assert (
        store.conn.execute("SELECT COUNT(*) FROM postings WHERE tfs IS NOT NULL").fetchone()[0] > 0
    )  # tf > 1 occurs
    compared = ranked = 0
    for i, rec in enumerate(records):
        words = rec.title.split()
        variants = [" ".join(words[1:]), " ".join(w[:-1] if j == 2 else w for j, w in enumerate(words))]
        names = [a.family for a in records[i - 1].authors[:3] if a.family]
        for title in variants:
            for authors in ((), names):
                fast = store.lexical(title, authors, k=10, max_df=LEXICAL_DF_CAP)
                store._lexicon = None  # as an index without postings: FTS5's bm25()
                slow = store.lexical(title, authors, k=10, max_df=LEXICAL_DF_CAP)
                store._lexicon = lexicon
                assert fast == slow, (title, authors)
                compared += 1
                ranked += len(fast) > 1
    assert compared == 4 * len(records) and ranked > len(records)


def test_lexical_as_a_batch_is_lexical_one_by_one(index: Index) -> None:
    """A batch's BM25 queries (`lexical_many`: term counts and postings read at once) get the rows and
    scores each gets alone, from the kept postings and from FTS5 (max_df None)."""
    from citeproof.index.core import LEXICAL_DF_CAP

    store = index.store
    records = list(index.iter_records())[:120]
    queries = [(" ".join(r.title.split()[1:]), [a.family for a in records[i - 1].authors[:3] if a.family]) for i, r in enumerate(records)]
    queries += [(r.title, []) for r in records[:20]] + [("zzzz qqqq", ["Nobody"]), (None, ["Vaswani"]), ("", [])]
    counts = store.lexical_counts(queries)
    assert counts["title"] and counts["authors"]
    for max_df in (LEXICAL_DF_CAP, None):
        batch = store.lexical_many([(t, a, max_df) for t, a in queries], k=10)
        alone = [store.lexical(t, a, k=10, max_df=max_df) for t, a in queries]
        assert batch == alone and sum(map(bool, batch)) > 100


def test_stale_postings_are_not_used(dev_index_dir: Path, tmp_path: Path) -> None:
    """Postings that no longer describe the FTS5 table (records added by a version that did not
    rewrite them) are ignored: the search falls back to FTS5 rather than miss the new records."""
    import shutil
    import sqlite3

    from citeproof.index.store import RecordStore

    db = tmp_path / "records.sqlite"
    shutil.copy(dev_index_dir / "records.sqlite", db)
    title = "Combinatorial Optimisation for Panoptc Segmentation"
    assert RecordStore.open(db)._postings() is not None
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO fts(rowid, title, authors) VALUES (100000, ?, '')", (title,))
    stale = RecordStore.open(db)
    assert stale._postings() is None
    assert stale.lexical(title, max_df=1000)[0][0] == 100000  # found by FTS5 itself


def test_lexical_search_works_on_indexes_built_before_term_statistics(
    dev_index_dir: Path, tmp_path: Path
) -> None:
    import shutil
    import sqlite3

    from citeproof.index.store import RecordStore

    db = tmp_path / "records.sqlite"
    shutil.copy(dev_index_dir / "records.sqlite", db)
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE term_df")
    old, new = RecordStore.open(db), RecordStore.open(dev_index_dir / "records.sqlite")
    title = "Combinatorial Optimization for Panoptic Segmentation"
    assert old.lexical(title) == new.lexical(title) != []


@pytest.mark.parametrize(("model", "version"), [(None, "recipe-"), ("all-MiniLM-L6-v2", "sha256:")])
def test_an_index_of_other_weights_under_the_same_model_name_is_refused(
    tmp_path: Path, model: str | None, version: str
) -> None:
    """The manifest records which weights the model name stood for (the default static model's recipe,
    MiniLM's checksum); vectors of two versions don't mix."""
    src = tmp_path / "a.csl.json"
    src.write_text(json.dumps([{"id": "x1", "title": "A real enough title"}]))
    out = tmp_path / "idx"
    manifest = build_index([src], out, fmt="csl-json", model=model)
    assert manifest.model_version and manifest.model_version.startswith(version)
    data = json.loads((out / "manifest.json").read_text())
    data["model_version"] = f"{version}0000000000000000"
    (out / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(IndexModelMismatchError, match="rebuild"):
        Index(out)
    data.pop("model_version")  # an index built before versions were recorded still opens
    (out / "manifest.json").write_text(json.dumps(data))
    assert len(Index(out)) == 1
