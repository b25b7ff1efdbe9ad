"""The bundled demo index, what a user's first `citeproof verify` opens: built on first use with the
default model in seconds, nothing downloaded or distilled, reused afterwards."""

from __future__ import annotations

import time

import pytest

from citeproof.index import DEFAULT_MODEL, open_index
from citeproof.index.demo import demo_index_path
from citeproof.index.static import static_model_dir
from citeproof.verifier import Verifier
from tests.conftest import FAKE, HALLMARK_TODAY, REAL

pytestmark = pytest.mark.slow


def test_first_use_builds_the_demo_with_the_shipped_default_model() -> None:
    t0 = time.perf_counter()
    path = demo_index_path()
    first = time.perf_counter() - t0
    index = open_index(path)
    assert index.manifest.model == DEFAULT_MODEL == "static-minilm"
    assert index.manifest.count > 1000
    assert not static_model_dir().exists()  # the shipped model was used: nothing distilled into the cache
    assert first < 60, f"first use took {first:.0f}s"
    mtime = (path / "manifest.json").stat().st_mtime_ns
    assert demo_index_path() == path and (path / "manifest.json").stat().st_mtime_ns == mtime
    report = Verifier(index, today=HALLMARK_TODAY).verify(f"{REAL}\n\n{FAKE}")
    real, fake = (c.status.value for c in report.citations)
    assert real == "verified" and fake != "verified"
