"""static-minilm, the default model: shipped in the package (nothing distilled on first use), checked
for its recorded checksums, determinism, normalisation, similarity order, tampering, and use in an index;
the fallback distillation's plumbing; and all-MiniLM-L6-v2, one flag away, with the same guarantees."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from citeproof.connectors import read_records
from citeproof.errors import IndexModelMismatchError, ModelLoadError
from citeproof.index import Index, Query, build_index
from citeproof.index.bundled import minilm_dir
from citeproof.index.embed import DEFAULT_MODEL, MINILM_MODEL, Embedder
from citeproof.index.static import (
    CHECKSUMS,
    CONFIG,
    PCA_DIMS,
    RECIPE_VERSION,
    STATIC_MODEL,
    TOKENIZER,
    WEIGHTS,
    load_static_model,
    shipped_model_dir,
    static_model_dir,
    static_model_path,
    static_tokenizer_json,
)
from citeproof.models import Status
from citeproof.text import title_key
from tests.conftest import DATA, HALLMARK_TODAY, REAL, ROOT, load_dev_sample, to_bibtex

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = None

pytestmark = pytest.mark.slow

CORPUS_DEV = DATA / "hallmark_corpus_dev.csl.jsonl.gz"


@pytest.fixture(scope="session")
def static_dir() -> Path:
    """The shipped model."""
    return static_model_path()


@pytest.fixture(scope="session")
def corpus_titles() -> list[str]:
    return [r.title for r in read_records(CORPUS_DEV, fmt="csl-json")]


@pytest.fixture(scope="session")
def static_index(static_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("static-idx") / "dev"
    build_index([CORPUS_DEV], out, fmt="csl-json", model=STATIC_MODEL)
    return out


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_default_model_is_shipped(static_dir: Path) -> None:
    assert DEFAULT_MODEL == STATIC_MODEL
    assert (
        static_dir == shipped_model_dir() == ROOT / "index" / "models" / f"{STATIC_MODEL}-v{RECIPE_VERSION}"
    )
    # the float16 matrix and model2vec's config; the tokenizer is MiniLM's, derived, not copied
    assert sorted(p.name for p in static_dir.iterdir()) == sorted([CHECKSUMS, CONFIG, WEIGHTS])
    assert (static_dir / WEIGHTS).stat().st_size < 16_000_000
    info = json.loads((static_dir / CHECKSUMS).read_text())
    assert info["recipe"]["name"] == STATIC_MODEL and info["recipe"]["version"] == RECIPE_VERSION
    assert info["recipe"]["pca_dims"] == PCA_DIMS and info["dim"] == PCA_DIMS
    assert set(info["files"]) == {WEIGHTS, TOKENIZER, CONFIG}
    for name in (WEIGHTS, CONFIG):
        assert _sha256((static_dir / name).read_bytes()) == info["files"][name]
    tokenizer = json.dumps(static_tokenizer_json(), ensure_ascii=False).encode("utf-8")
    assert _sha256(tokenizer) == info["files"][TOKENIZER]
    # MiniLM's tokenizer pads to 128 and truncates; the static one must do neither
    tok = static_tokenizer_json()
    assert tok["padding"] is None and tok["truncation"] is None and tok["post_processor"] is None
    # loading it distils nothing and writes nothing to the cache
    load_static_model()
    assert not static_model_dir().exists()


@pytest.mark.skipif(tomllib is None, reason="tomllib is Python 3.11+")
def test_the_shipped_model_is_package_data(static_dir: Path) -> None:
    """The wheel carries it: pyproject's package data for citeproof.index matches every file of it."""
    import fnmatch

    assert tomllib is not None
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["citeproof.index"]
    assert config["tool"]["setuptools"]["package-dir"]["citeproof.index"] == "index"
    for f in static_dir.iterdir():
        rel = f.relative_to(ROOT / "index").as_posix()
        assert any(fnmatch.fnmatch(rel, pat) for pat in patterns), rel


def test_embedder_interface(static_dir: Path, corpus_titles: list[str]) -> None:
    emb = Embedder(STATIC_MODEL)
    assert emb.name == STATIC_MODEL and emb.is_static and not emb.is_minilm
    assert emb.dim == PCA_DIMS
    vecs = emb.encode(corpus_titles)  # > 1024 titles: the threaded path
    assert vecs.dtype == np.float32 and vecs.flags.c_contiguous
    assert vecs.shape == (len(corpus_titles), PCA_DIMS)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert emb.encode([]).shape == (0, PCA_DIMS)
    # batching does not change a vector: one title alone, or among many
    np.testing.assert_allclose(emb.encode(corpus_titles[5:6])[0], vecs[5], atol=1e-6)
    # it is the default; MiniLM is one name away, under any of its names
    assert Embedder().name == Embedder("default").name == STATIC_MODEL and Embedder().is_static
    for name in ("all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2", "minilm"):
        assert Embedder(name).name == MINILM_MODEL and Embedder(name).is_minilm


def test_vectors_are_deterministic(static_dir: Path, corpus_titles: list[str]) -> None:
    titles = corpus_titles[:300]
    a = Embedder(STATIC_MODEL).encode(titles)
    b = Embedder(STATIC_MODEL).encode(titles)
    c = load_static_model(static_dir).encode(titles, normalize=True)  # a fresh load from disk
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c.astype(np.float32))
    # the same vectors as when the model was shipped (to float precision: other CPUs round differently)
    [v] = Embedder(STATIC_MODEL).encode(["Attention is all you need"])
    assert v.shape == (PCA_DIMS,)
    np.testing.assert_allclose(v[:4], ATTENTION_HEAD, atol=1e-4)


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


# the first components of the shipped model's vector for "Attention is all you need"
ATTENTION_HEAD = [-0.10938143, -0.35758033, 0.09979782, -0.12562066]


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


def test_checksum_rejects_tampered_tokenizer_and_missing_record(
    static_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tokenizer is derived from the bundled MiniLM's: a changed one fails the recorded checksum."""
    copy = _copy(static_dir, tmp_path)
    base = tmp_path / "minilm"
    base.mkdir()
    tok = json.loads((minilm_dir() / TOKENIZER).read_text(encoding="utf-8"))
    tok["normalizer"]["lowercase"] = False
    (base / TOKENIZER).write_text(json.dumps(tok), encoding="utf-8")
    monkeypatch.setattr("citeproof.index.static.minilm_dir", lambda: base)
    with pytest.raises(ModelLoadError, match=f"checksum mismatch for {base / TOKENIZER}"):
        load_static_model(copy)
    monkeypatch.undo()
    (copy / CHECKSUMS).unlink()
    with pytest.raises(ModelLoadError, match="unreadable"):
        load_static_model(copy)


def test_shipped_model_damage_says_reinstall(
    static_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = _copy(static_dir, tmp_path)
    (copy / CONFIG).write_text("{}")
    monkeypatch.setattr("citeproof.index.static.shipped_model_dir", lambda: copy)
    with pytest.raises(ModelLoadError, match="reinstall citeproof"):
        load_static_model(copy)


def test_fallback_distillation_when_not_shipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An installation without the shipped files distils once into the cache, saying so; the folder it
    writes loads with its checksums (the MiniLM forward passes are replaced by fixed random vectors
    here: the real ones take a minute, and `python -m bench.static_model --ship` checks them)."""
    monkeypatch.setenv("CITEPROOF_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr("citeproof.index.static.shipped_model_dir", lambda: tmp_path / "not-shipped")
    tok = static_tokenizer_json()
    vocab = tok["model"]["vocab"]
    keep = np.array([i for t, i in sorted(vocab.items(), key=lambda x: x[1]) if not t.startswith("[unused")])
    hidden = np.random.default_rng(0).standard_normal((len(keep), 384)).astype(np.float32)
    monkeypatch.setattr("citeproof.index.static.token_vectors", lambda: (hidden, keep, tok))
    with caplog.at_level(logging.WARNING, logger="citeproof.index.static"):
        folder = static_model_path()
    assert folder == static_model_dir() and "distilling it" in caplog.text
    assert sorted(p.name for p in folder.iterdir()) == sorted([CHECKSUMS, CONFIG, WEIGHTS])
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # no staging directory left
    vecs = load_static_model(folder).encode(["Attention is all you need", "Deep residual learning"])
    assert vecs.shape == (2, PCA_DIMS)
    # a second call reuses it
    monkeypatch.setattr(
        "citeproof.index.static.distill_static_model", lambda target: pytest.fail("distilled twice")
    )
    assert static_model_path() == folder


def test_incomplete_cache_dir_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITEPROOF_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr("citeproof.index.static.shipped_model_dir", lambda: tmp_path / "not-shipped")
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
    assert index.manifest.model_version == f"recipe-{RECIPE_VERSION}"
    assert index.embedder.is_static
    Index(static_index, model=STATIC_MODEL)
    Index(static_index, model="default")
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


@pytest.fixture(scope="session")
def minilm_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index built with MiniLM, as every index was before static-minilm became the default."""
    out = tmp_path_factory.mktemp("minilm-idx") / "classics"
    build_index([DATA / "demo_classics.csl.json"], out, fmt="csl-json", model="minilm")
    return out


def test_minilm_is_one_flag_away(minilm_index: Path) -> None:
    """Built with `--model minilm` (or all-MiniLM-L6-v2), an index records MiniLM and its checksum, and
    opens and is queried with MiniLM without being told: the manifest, not the default, decides."""
    from citeproof.index import open_index
    from citeproof.index.bundled import MINILM_WEIGHTS_SHA256
    from citeproof.verifier import Verifier

    index = open_index(minilm_index)
    m = index.manifest
    assert (
        m.model == MINILM_MODEL and m.dim == 384 and m.model_version == f"sha256:{MINILM_WEIGHTS_SHA256[:16]}"
    )
    assert index.embedder.is_minilm and not index.embedder.is_static
    Index(minilm_index, model="all-MiniLM-L6-v2")
    with pytest.raises(IndexModelMismatchError, match=MINILM_MODEL):
        Index(minilm_index, model=STATIC_MODEL)
    with pytest.raises(IndexModelMismatchError):
        Index(minilm_index, model="default")
    [hits] = index.search([Query(title="residual learning of deep networks for recognizing images")])
    assert hits[0].record.title == "Deep Residual Learning for Image Recognition" and "dense" in hits[0].via
    verifier = Verifier(index, today=HALLMARK_TODAY)
    assert [c.status for c in verifier.verify(REAL).citations] == [Status.verified]
    # an author-year mention whose context paraphrases the title, sharing almost no word with it: MiniLM
    # finds it on topic (cosine 0.31, threshold 0.25); the static model does not (0.38, threshold 0.42)
    paraphrase = "Transformers replaced recurrence with self-attention, as Vaswani et al. (2017) showed for translation."
    [c] = verifier.verify(paraphrase).citations
    assert (
        c.status is Status.verified and c.record is not None and c.record.title == "Attention is All you Need"
    )
