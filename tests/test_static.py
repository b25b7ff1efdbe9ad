"""static-minilm: distilled from the bundled MiniLM for real (once per session, 25-65 s on two cores),
then checked for determinism, normalisation, similarity order, checksum tampering, and use in an index."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from citeproof.connectors import read_records
from citeproof.errors import IndexModelMismatchError, ModelLoadError
from citeproof.index import Index, Query, build_index
from citeproof.index.embed import Embedder
from citeproof.index.static import (
    CHECKSUMS,
    PCA_DIMS,
    RECIPE_VERSION,
    STATIC_MODEL,
    TOKENIZER,
    WEIGHTS,
    load_static_model,
    static_model_dir,
    static_model_path,
)
from citeproof.models import Status
from citeproof.text import title_key
from tests.conftest import DATA, HALLMARK_TODAY, load_dev_sample, to_bibtex

pytestmark = pytest.mark.slow

CORPUS_DEV = DATA / "hallmark_corpus_dev.csl.jsonl.gz"


@pytest.fixture(scope="session")
def static_dir() -> Path:
    """The one distilled model of the session, in the session's CITEPROOF_CACHE_DIR (conftest)."""
    return static_model_path()


@pytest.fixture(scope="session")
def corpus_titles() -> list[str]:
    return [r.title for r in read_records(CORPUS_DEV, fmt="csl-json")]


@pytest.fixture(scope="session")
def static_index(static_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("static-idx") / "dev"
    build_index([CORPUS_DEV], out, fmt="csl-json", model=STATIC_MODEL)
    return out


def test_distilled_once_into_versioned_cache(static_dir: Path) -> None:
    assert static_dir == static_model_dir()
    assert static_dir.name == f"{STATIC_MODEL}-v{RECIPE_VERSION}"
    assert Path(os.environ["CITEPROOF_CACHE_DIR"]) in static_dir.parents
    info = json.loads((static_dir / CHECKSUMS).read_text())
    assert info["recipe"]["pca_dims"] == PCA_DIMS and info["dim"] == PCA_DIMS
    assert set(info["files"]) >= {WEIGHTS, TOKENIZER}
    # written atomically: no staging directory is left beside it, and a second call reuses it
    assert [p.name for p in static_dir.parent.iterdir()] == [static_dir.name]
    mtime = (static_dir / WEIGHTS).stat().st_mtime_ns
    assert static_model_path() == static_dir and (static_dir / WEIGHTS).stat().st_mtime_ns == mtime
    # the shipped tokenizer pads to 128 and truncates; the static one must do neither
    tok = json.loads((static_dir / TOKENIZER).read_text())
    assert tok["padding"] is None and tok["truncation"] is None


def test_embedder_interface(static_dir: Path, corpus_titles: list[str]) -> None:
    emb = Embedder(STATIC_MODEL)
    assert emb.name == STATIC_MODEL and emb.is_static and not emb.is_default
    assert emb.dim == PCA_DIMS
    vecs = emb.encode(corpus_titles)  # > 1024 titles: the threaded path
    assert vecs.dtype == np.float32 and vecs.flags.c_contiguous
    assert vecs.shape == (len(corpus_titles), PCA_DIMS)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert emb.encode([]).shape == (0, PCA_DIMS)
    # batching does not change a vector: one title alone, or among many
    np.testing.assert_allclose(emb.encode(corpus_titles[5:6])[0], vecs[5], atol=1e-6)
    # the default is untouched
    assert Embedder().name == "all-MiniLM-L6-v2" and not Embedder().is_static


def test_vectors_are_deterministic(static_dir: Path, corpus_titles: list[str]) -> None:
    titles = corpus_titles[:300]
    a = Embedder(STATIC_MODEL).encode(titles)
    b = Embedder(STATIC_MODEL).encode(titles)
    c = load_static_model(static_dir).encode(titles, normalize=True)  # a fresh load from disk
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c.astype(np.float32))


def test_similar_titles_are_closer_than_unrelated(static_dir: Path) -> None:
    emb = Embedder(STATIC_MODEL)
    anchor, near, reworded, far = emb.encode(
        [
            "Attention is all you need",
            "Attention Is All You Need.",
            "Self-attention is all you need for neural machine translation",
            "Protein structure prediction with deep residual networks in yeast",
        ]
    )
    assert anchor @ near > 0.99
    assert anchor @ reworded > anchor @ far + 0.2
    assert near @ reworded > near @ far


def _copy(static_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "model"
    shutil.copytree(static_dir, copy)
    return copy


def test_checksum_rejects_tampered_weights(static_dir: Path, tmp_path: Path) -> None:
    copy = _copy(static_dir, tmp_path)
    load_static_model(copy)  # the untouched copy loads
    weights = bytearray((copy / WEIGHTS).read_bytes())
    weights[-7] ^= 0x01  # one bit of one float16
    (copy / WEIGHTS).write_bytes(bytes(weights))
    with pytest.raises(ModelLoadError, match="checksum mismatch"):
        load_static_model(copy)


def test_checksum_rejects_tampered_tokenizer_and_missing_record(static_dir: Path, tmp_path: Path) -> None:
    copy = _copy(static_dir, tmp_path)
    tok = json.loads((copy / TOKENIZER).read_text())
    tok["normalizer"]["lowercase"] = False
    (copy / TOKENIZER).write_text(json.dumps(tok))
    with pytest.raises(ModelLoadError, match="checksum mismatch"):
        load_static_model(copy)
    (copy / CHECKSUMS).unlink()
    with pytest.raises(ModelLoadError, match="unreadable"):
        load_static_model(copy)


def test_incomplete_cache_dir_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITEPROOF_CACHE_DIR", str(tmp_path))
    target = static_model_dir()
    target.mkdir(parents=True)  # e.g. a copy that lost its files
    # what a distillation killed by SIGKILL leaves: cleared before distilling again (a pid above
    # Linux's pid_max belongs to no process)
    stale = target.parent / f".{target.name}.tmp-4194305-1"
    stale.mkdir()
    with pytest.raises(ModelLoadError, match="incomplete"):
        static_model_path()
    assert stale.is_dir()  # nothing is distilled, or cleared, while the target is in the way
    target.rmdir()
    monkeypatch.setattr("citeproof.index.static.distill_static_model", lambda target: target.mkdir())
    static_model_path()
    assert not stale.exists()


def test_index_built_with_static_model(static_index: Path) -> None:
    index = Index(static_index)
    assert index.manifest.model == STATIC_MODEL and index.manifest.dim == PCA_DIMS
    assert index.embedder.is_static
    Index(static_index, model=STATIC_MODEL)
    with pytest.raises(IndexModelMismatchError, match=STATIC_MODEL):
        Index(static_index, model="all-MiniLM-L6-v2")
    # dense retrieval alone finds a record from a reworded title
    rec = next(r for r in read_records(CORPUS_DEV, fmt="csl-json") if len(r.title.split()) >= 6)
    reworded = " ".join(rec.title.lower().split()[:-1])  # last word dropped, lower-cased
    _, idx = index.vectors.search(index.embed([reworded]), 1)
    assert index.get(rec.id) is not None
    [hits] = index.search([Query(title=reworded, exhaustive=True)])
    assert hits[0].record.id == rec.id and "dense" in hits[0].via
    assert idx[0][0] + 1 == next(h.rowid for h in hits if h.record.id == rec.id)


def test_verifier_verifies_real_citations_on_static_index(static_index: Path) -> None:
    from citeproof.verifier import Verifier

    titles = {title_key(r.title) for r in read_records(CORPUS_DEV, fmt="csl-json")}
    sample = load_dev_sample()
    valid = [e for e in sample if e["label"] == "VALID" and title_key(e["fields"]["title"]) in titles][:3]
    assert valid
    report = Verifier(static_index, today=HALLMARK_TODAY).verify("\n".join(to_bibtex(e) for e in valid))
    reasons = [c.reasons for c in report.citations]
    assert [c.status for c in report.citations] == [Status.verified] * len(valid), reasons
