"""A batch shared among worker processes verifies exactly as one process does, and survives a worker
that dies: HALLMARK dev entries (real and hallucinated) against the real test index."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest

from citeproof.verifier import Verifier
from citeproof.verifier import core as verifier_core
from citeproof.verifier.extract import bibliography_cuts, extract_citations, is_bibliography
from tests.conftest import FAKE, HALLMARK_TODAY, REAL, load_dev_sample, to_bibtex


@pytest.fixture(scope="module")
def bib() -> str:
    return "".join(to_bibtex(e) for e in load_dev_sample())


@pytest.fixture(scope="module")
def shared(dev_index_dir: Path) -> Iterator[Verifier]:
    v = Verifier(dev_index_dir, today=HALLMARK_TODAY, workers=3)
    assert v.workers_ready(timeout=120) == 3, "the worker processes did not start"
    yield v
    v.close()


@pytest.fixture
def small_shares(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shares small enough that the 124-entry sample is cut into several."""
    monkeypatch.setattr(verifier_core, "MIN_SHARE_CHARS", 2_000)
    monkeypatch.setattr(verifier_core, "MIN_SHARE", 8)


def test_cut_bibliography_reads_as_the_whole(bib: str) -> None:
    # an entry whose braces never close, as LLMs write them, does not move the cuts' results
    broken = bib.replace("title = {", "title = {{", 3)
    for text in (bib, broken):
        whole = extract_citations(text)
        for parts, sizes in ((2, None), (5, None), (16, None), (8, verifier_core._guided(8, 2))):
            cuts = bibliography_cuts(text, parts, sizes)
            assert len(cuts) == parts - 1
            bounds = [0, *cuts, len(text)]
            got = []
            for a, b in pairwise(bounds):
                assert text.startswith("@", a)
                piece = extract_citations(text[a:b])
                assert is_bibliography(text[a:b], piece)
                got += [c.model_copy(update={"start": c.start + a, "end": c.end + a}) for c in piece]
            assert got == whole


def test_guided_shares_shrink_toward_the_end(bib: str) -> None:
    assert verifier_core._guided(8, 2) == [4, 4, 3, 3, 2, 2, 1, 1]
    assert verifier_core._guided(3, 1) == [3, 2, 1]
    cuts = bibliography_cuts(bib, 8, verifier_core._guided(8, 2))
    lengths = [b - a for a, b in pairwise([0, *cuts, len(bib)])]
    assert lengths[0] > 2.5 * lengths[-1]  # the first shares are about four times the last
    assert abs(lengths[0] / len(bib) - 4 / 20) < 0.05


def test_no_cuts_where_pieces_would_read_otherwise(bib: str) -> None:
    assert bibliography_cuts("@string{nips = {NeurIPS}}\n" + bib, 4) == []  # a macro serves later entries
    assert bibliography_cuts("% exported\n" + bib, 4) == []  # a comment may mention an entry
    assert bibliography_cuts("References:\n" + bib, 4) == []  # not a bibliography file
    assert bibliography_cuts("```bibtex\n" + bib + "```\n", 4) == []
    assert bibliography_cuts(bib, 1) == []
    prose = f"As Smith (2021) shows:\n{bib}"
    assert not is_bibliography(prose, extract_citations(prose))


def test_shared_bibliography_equals_one_process(shared: Verifier, verifier: Verifier, bib: str, small_shares: None) -> None:
    alone = verifier.verify(bib)
    together = shared.verify(bib)
    assert together.citations == alone.citations
    assert together.summary == alone.summary
    assert len(together.citations) == 124
    assert together.summary.verified and together.summary.fabricated and together.summary.mismatch
    assert set(together.timings) == {"extract_s", "verify_s", "total_s"}


def test_shared_citations_of_other_text_equal_one_process(shared: Verifier, verifier: Verifier, bib: str, small_shares: None) -> None:
    # a markdown answer is not cut: it is read here, and its citations checked in shares
    text = "Sources I used:\n\n" + "\n".join(f"{i}. {ref}" for i, ref in enumerate([REAL, FAKE] * 20, 1))
    text += "\n\nAnd in BibTeX:\n\n```bibtex\n" + bib + "```\n"
    assert bibliography_cuts(text, 4) == []
    alone = verifier.verify(text)
    together = shared.verify(text)
    assert together.citations == alone.citations
    assert len(together.citations) >= 124 + 2


def test_shared_many_equals_one_by_one(shared: Verifier, verifier: Verifier, small_shares: None) -> None:
    entries = load_dev_sample()
    texts = [f"See:\n1. {REAL}\n2. {FAKE}\n"] + [to_bibtex(e) for e in entries[:40]] + ["no citation here"]
    together = shared.verify_many(texts)
    assert [r.citations for r in together] == [verifier.verify(t).citations for t in texts]


def test_a_dead_worker_leaves_its_share_to_the_caller(dev_index_dir: Path, verifier: Verifier, bib: str, small_shares: None) -> None:
    v = Verifier(dev_index_dir, today=HALLMARK_TODAY, workers=2)
    try:
        assert v.workers_ready(timeout=120) == 2
        assert v._pool is not None
        for w in v._pool._workers:
            w.proc.kill()
            w.proc.wait()
        assert v.verify(bib).citations == verifier.verify(bib).citations
        assert v.workers_ready() == 1  # the dead worker takes no more shares
    finally:
        v.close()


def test_close_stops_the_workers(dev_index_dir: Path) -> None:
    with Verifier(dev_index_dir, today=HALLMARK_TODAY, workers=2) as v:
        assert v._pool is not None
        procs = [w.proc for w in v._pool._workers]
    assert all(p.poll() is not None for p in procs)
    assert v.workers_ready() == 1


def test_workers_setting() -> None:
    with pytest.raises(ValueError):
        Verifier(workers=-1)
    assert Verifier(workers=1).workers == 1
    assert Verifier(workers=3, online=True).workers == 1  # live lookups are bound by the sources, not CPUs


def test_cli_workers_give_the_one_process_report(dev_index_dir: Path, bib: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from click.testing import CliRunner

    from citeproof.cli import main
    from citeproof.cli import verify as verify_cli

    monkeypatch.setattr(verify_cli, "_WORTH_WAITING_FOR_WORKERS", 10_000)  # the sample is 32 kB: wait for them
    monkeypatch.setattr(verifier_core, "MIN_SHARE_CHARS", 2_000)
    args = ["verify", "-", "--index", str(dev_index_dir), "--format", "json", "--exit-zero"]
    alone = CliRunner().invoke(main, args, input=bib, catch_exceptions=False)
    shared = CliRunner().invoke(main, [*args, "--workers", "3"], input=bib, catch_exceptions=False)
    assert alone.exit_code == shared.exit_code == 0
    a, b = json.loads(alone.output), json.loads(shared.output)
    assert a["citations"] == b["citations"] and len(a["citations"]) == 124


def test_service_over_a_verifier_with_workers(shared: Verifier, verifier: Verifier, bib: str, small_shares: None) -> None:
    from fastapi.testclient import TestClient

    from citeproof.models import Report
    from citeproof.service import create_app

    with TestClient(create_app(shared)) as c:
        resp = c.post("/verify/bibtex", content=bib, headers={"Content-Type": "text/plain"})
    assert resp.status_code == 200, resp.text
    assert Report.model_validate(resp.json()).citations == verifier.verify(bib).citations


def test_split_keeps_order_and_balances_size() -> None:
    from citeproof.verifier.core import _split

    items = list(range(10))
    parts = _split(items, [1] * 10, 3)
    assert [x for p in parts for x in p] == items and len(parts) == 3
    assert _split(["a" * 100, "b", "c", "d"], [100, 1, 1, 1], 2) == [["a" * 100], ["b", "c", "d"]]
    assert _split([1], [5], 4) == [[1]]
