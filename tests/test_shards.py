"""Sharded, resumable builds on real records: an interrupted build resumes where it stopped and gives
the same index as an uninterrupted one; shards are whole or absent; the checkpoint belongs to one
build at a time and to one plan."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from citeproof.connectors import read_records
from citeproof.errors import IndexStoreError, InputError
from citeproof.index import Index, Query, build_index
from citeproof.index.embed import Embedder
from citeproof.index.shards import BuildPlan, Checkpoint, Shard, merge_shards, write_shard
from citeproof.index.store import RecordStore

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "from citeproof.cli import main; main()"]
CORPUS = ROOT.parent / "shared" / "data" / "hallmark" / "corpus_dev.csl.jsonl.gz"
CROSSREF = ROOT.parent / "shared" / "data" / "records" / "crossref_items.jsonl.gz"

pytestmark = pytest.mark.skipif(not CORPUS.exists(), reason="shared HALLMARK data not present")


class CountingEmbedder(Embedder):
    """The real model, counting the titles it embeds (resuming must not embed done shards again)."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded = 0

    def encode(self, texts):  # type: ignore[no-untyped-def]
        self.embedded += len(texts)
        return super().encode(texts)


def _contents(directory: Path) -> tuple[list[str], np.ndarray]:
    """An index's records (as JSON, in index order) and its vectors, to compare two builds."""
    with closing(Index(directory)) as index:
        return [r.model_dump_json() for r in index.iter_records()], index.all_vectors()


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("whole") / "idx"
    build_index([CORPUS, CROSSREF], out, fmt=None, shard_size=1_000_000)
    return out


def test_an_interrupted_build_resumes_and_equals_an_uninterrupted_one(whole: Path, tmp_path: Path) -> None:
    out = tmp_path / "idx"
    stop_after = 600  # records: shards 0-1 of 250 are done, shard 2 is half embedded

    def interrupt(n: int) -> None:
        if n >= stop_after:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_index([CORPUS, CROSSREF], out, fmt=None, shard_size=250, batch_size=100, progress=interrupt)
    assert not out.exists()
    checkpoint = tmp_path / ".idx.build" / "shards"
    assert sorted(p.name for p in checkpoint.iterdir()) == ["00000", "00001", "00002.tmp"] or sorted(
        p.name for p in checkpoint.iterdir()
    ) == ["00000", "00001"]

    emb = CountingEmbedder()
    manifest = build_index([CORPUS, CROSSREF], out, fmt=None, shard_size=250, batch_size=100, embedder=emb)
    assert (
        emb.embedded == manifest.count + manifest.duplicates - 500
    )  # the two done shards were not embedded again
    assert not (tmp_path / ".idx.build").exists()
    assert _contents(out)[0] == _contents(whole)[0]
    np.testing.assert_allclose(_contents(out)[1], _contents(whole)[1], atol=1e-5)  # batches differ: float noise only
    assert manifest.count == Index(whole).manifest.count == 1008 + 352


def test_a_changed_input_starts_over(tmp_path: Path) -> None:
    src = tmp_path / "a.csl.json"
    recs = [{"id": f"x{i}", "title": f"A real enough title number {i}"} for i in range(30)]
    src.write_text(json.dumps(recs), encoding="utf-8")
    out = tmp_path / "idx"

    def interrupt(n: int) -> None:
        if n >= 20:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_index([src], out, fmt="csl-json", shard_size=10, batch_size=10, progress=interrupt)
    src.write_text(
        json.dumps([*recs[:5], {"id": "new", "title": "Something else entirely"}]), encoding="utf-8"
    )
    os.utime(src, ns=(0, 0))
    emb = CountingEmbedder()
    manifest = build_index([src], out, fmt="csl-json", shard_size=10, batch_size=10, embedder=emb)
    assert manifest.count == 6 and emb.embedded == 6
    assert Index(out).get("new") is not None


def test_a_live_build_owns_its_checkpoint(tmp_path: Path) -> None:
    out = tmp_path / "idx"
    plan = BuildPlan.for_paths([CORPUS], "csl-json", "m", 4, 10)
    root = tmp_path / ".idx.build"
    root.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (root / "owner").write_text(str(holder.pid))
        with pytest.raises(IndexStoreError, match="another build"):
            Checkpoint(out, plan).open()
    finally:
        holder.kill()
        holder.wait()
    assert Checkpoint(out, plan).open() == []  # its owner is gone: taken over


def test_a_half_written_shard_is_not_done(tmp_path: Path) -> None:
    recs = list(read_records([str(CROSSREF)], fmt="crossref"))[:20]
    vecs = np.random.default_rng(0).standard_normal((20, 8)).astype(np.float32)
    cp = Checkpoint(tmp_path / "idx", BuildPlan.for_paths([CROSSREF], "crossref", "m", 8, 10))
    cp.open()
    write_shard(cp.shard_path(0), recs[:10], vecs[:10])
    half = cp.shard_path(1).with_name("00001.tmp")
    half.mkdir()
    (half / "records.jsonl").write_text("{")
    assert [s.count for s in cp.done()] == [10]
    with pytest.raises(ValueError):
        write_shard(cp.shard_path(1), recs[:3], vecs[:2])


def test_merge_drops_duplicate_records_with_their_vectors(tmp_path: Path) -> None:
    recs = list(read_records([str(CROSSREF)], fmt="crossref"))[:30]
    vecs = np.eye(30, 32, dtype=np.float32)
    a = write_shard(tmp_path / "a", recs[:20], vecs[:20])
    b = write_shard(tmp_path / "b", recs[10:], vecs[10:])  # records 10-19 again
    store = RecordStore.create(tmp_path / "r.sqlite")
    merged = merge_shards([a, b], store, 32, "flat", batch_size=7)
    assert (merged.count, merged.duplicates) == (30, 10)
    np.testing.assert_array_equal(merged.vectors.reconstruct_n(0, 30), vecs)
    assert store.get_rows([30])[30].id == recs[29].id


def test_ivfpq_is_trained_on_a_sample_across_shards(tmp_path: Path) -> None:
    """The compressed index streams shard by shard and still finds a record by its own vector."""
    rng = np.random.default_rng(1)
    recs = list(read_records([str(CORPUS)], fmt="csl-json"))
    vecs = rng.standard_normal((len(recs), 64)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    shards: list[Shard] = [
        write_shard(tmp_path / f"s{k}", recs[k : k + 400], vecs[k : k + 400])
        for k in range(0, len(recs), 400)
    ]
    merged = merge_shards(shards, RecordStore.create(tmp_path / "r.sqlite"), 64, "ivfpq")
    assert merged.index_type == "ivfpq" and merged.vectors.ntotal == len(recs)
    _, ids = merged.vectors.search(vecs[:50], 10)
    assert sum(i in row for i, row in enumerate(ids)) >= 45


def test_bad_build_arguments_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="engine"):
        build_index([CORPUS], tmp_path / "idx", engine="spark")
    with pytest.raises(InputError, match="shard_size"):
        build_index([CORPUS], tmp_path / "idx", shard_size=0)


def test_cli_build_resumes(tmp_path: Path) -> None:
    """`citeproof index build` run again after an interruption finishes from the checkpoint and says so."""
    out = tmp_path / "idx"

    def interrupt(n: int) -> None:
        if n >= 700:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_index([CORPUS], out, fmt="csl-json", shard_size=300, progress=interrupt)
    args = ["index", "build", str(CORPUS), "--format", "csl-json", "--out", str(out), "--shard-size", "300"]
    done = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "resumed from 600 records" in done.stderr
    index = Index(out)
    assert index.manifest.count == 1008 and index.manifest.resumed == 600
    rec = index.get(json.loads(_contents(out)[0][-1])["id"])
    assert rec is not None and rec.id in {h.record.id for h in index.search([Query(title=rec.title)])[0]}
