"""Shared fixtures: a real index built once per test session from the bundled real records."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
FIXTURES = ROOT / "tests" / "fixtures"
SHARED = ROOT.parent / "shared" / "data"
# One real work the test index holds, cited correctly, and one that does not exist.
REAL = (
    "Vaswani, A., Shazeer, N., Parmar, N., Uszkoreit, J., Jones, L., Gomez, A. N., Kaiser, L., & Polosukhin, I. "
    "(2017). Attention is all you need. Advances in Neural Information Processing Systems, 30."
)
FAKE = (
    "Smith, J., & Doe, R. (2021). Quantum gradient routing for sparse mixture-of-experts transformers. "
    "Advances in Neural Information Processing Systems, 34, 1-20."
)
# HALLMARK's labels were made in early 2026: "future" years are judged against that date.
HALLMARK_TODAY = date(2026, 2, 15)


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the demo index and any cache out of the user's home during tests."""
    import os

    os.environ["CITEPROOF_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def dev_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """HALLMARK's 1,008 real corpus_dev records plus the bundled classics, as a real FAISS+SQLite index."""
    from citeproof.index import build_index

    out = tmp_path_factory.mktemp("idx") / "dev"
    build_index([DATA / "hallmark_corpus_dev.csl.jsonl.gz", DATA / "demo_classics.csl.json"], out, fmt="csl-json")
    return out


@pytest.fixture(scope="session")
def verifier(dev_index_dir: Path):
    from citeproof.verifier import Verifier

    return Verifier(dev_index_dir, today=HALLMARK_TODAY)


def load_dev_sample() -> list[dict]:
    with (FIXTURES / "hallmark" / "dev_sample.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def to_bibtex(entry: dict) -> str:
    fields = ",\n".join(f"  {k} = {{{v}}}" for k, v in entry["fields"].items())
    return f"@{entry['type']}{{{entry['key']},\n{fields}\n}}\n"


def assert_extracts_linearly(text: str) -> None:
    """A hostile 1 MB text: extraction finishes in under 4 s of CPU (a quadratic regex or loop on 1 MB
    takes minutes to hours; the densest of these texts, 30,303 genuine possessive-title citations,
    takes 1.5-1.9 s on the 2-core dev machine), every span points into the text, and so does every
    mention."""
    import time

    from citeproof.verifier.extract import extract_citations

    # CPU time of this process, not wall time: other jobs on a shared machine do not make it slower
    t0 = time.process_time()
    cites = extract_citations(text)
    assert time.process_time() - t0 < 4.0
    assert all(c.raw == text[c.start : c.end] for c in cites)
    assert all(text[s:e] for c in cites for s, e in c.mentions)
