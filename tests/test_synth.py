"""bench/synth.py: the synthetic record generator for scale benchmarks (fitted on the shared real data)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench import synth
from citeproof.connectors import read_records

pytestmark = pytest.mark.skipif(
    not all((synth.DEFAULT_DATA / name).is_file() for name in synth.REAL_FILES),
    reason="shared HALLMARK data not mounted",
)
N = 2000
SEED = 7


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return list(synth.generate(N, seed=SEED))


def test_deterministic_per_seed(records: list[dict]) -> None:
    assert list(synth.generate(N, seed=SEED)) == records
    other = list(synth.generate(50, seed=SEED + 1))
    assert [r["title"] for r in other] != [r["title"] for r in records[:50]]


def test_written_file_reads_back_as_records(records: list[dict], tmp_path: Path) -> None:
    path = tmp_path / "synth.csl.jsonl.gz"
    assert synth.write(path, N, seed=SEED) == N
    read = list(read_records(path, fmt="csl-json"))
    assert [r.id for r in read] == [f"synth-{i}" for i in range(N)]
    assert [r.title for r in read] == [r["title"] for r in records]
    assert all(r.title and r.year for r in read)
    with_arxiv = [r for r in read if r.arxiv_id]
    assert 0.3 < len(with_arxiv) / N < 0.6  # the real share is 44 %
    assert all(re.fullmatch(r"9\d(0[1-9]|1[0-2])\.\d{5}", r.arxiv_id or "") for r in with_arxiv)
    assert all(r.doi.startswith(("10.5555/synth.", "10.48550/arxiv.9")) for r in read if r.doi)
    assert any(r.doi and r.doi.startswith("10.5555/synth.") for r in read)


def test_shapes_within_real_ranges(records: list[dict]) -> None:
    model = synth.load_model()
    real_authors = {p.n_authors for p in model.profiles}
    years = [p.date[0] for p in model.profiles if p.date]
    first, last = min(years), max(years)
    assert len({r["id"] for r in records}) == N
    titles = [synth._norm_title(r["title"]) for r in records]
    assert len(set(titles)) >= 0.98 * N
    assert not set(titles) & model.real_titles
    assert all(len(r.get("author", [])) in real_authors for r in records)
    assert all(first <= r["issued"]["date-parts"][0][0] <= last for r in records)
    mean_words = sum(len(r["title"].split()) for r in records) / N
    assert 8.5 < mean_words < 10.5  # the real mean is 9.5


def test_synthetic_arxiv_id_range() -> None:
    assert synth.synthetic_arxiv_id(0) == "9001.00001"
    assert synth.synthetic_arxiv_id(99_998) == "9001.99999"
    assert synth.synthetic_arxiv_id(99_999) == "9002.00001"
    assert synth.synthetic_arxiv_id(synth.ARXIV_CAPACITY - 1) == "9912.99999"
    with pytest.raises(ValueError):
        synth.synthetic_arxiv_id(synth.ARXIV_CAPACITY)
