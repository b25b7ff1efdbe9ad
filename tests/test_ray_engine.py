"""The Ray engine (`build_index(..., engine="ray")`) on a local Ray instance, against the local engine
on real dumps: the same records in the same order, the same vectors (up to float noise), the same skip
counts and messages, and checkpoints that either engine can resume."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ray = pytest.importorskip("ray", reason="the ray engine needs ray[data] (pip install 'citeproof[ray]')")

from citeproof.errors import DumpFormatError, InputError  # noqa: E402
from citeproof.index import Index, Manifest, build_index  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
CORPUS = SHARED / "hallmark" / "corpus_dev.csl.jsonl.gz"
CROSSREF = SHARED / "records" / "crossref_items.jsonl.gz"
BIB = SHARED / "hallmark" / "dev_public.bib"
CLASSICS = ROOT / "data" / "demo_classics.csl.json"  # a JSON array: not split by lines
RAY: dict[str, Any] = {"engine": "ray", "engine_options": {"address": None, "workers": 1}}

pytestmark = [
    pytest.mark.slow,
    # Ray Data's own DataContext.copy() sets its deprecated fields
    pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context"),
    pytest.mark.skipif(not CORPUS.exists(), reason="shared HALLMARK data not present"),
]


@pytest.fixture(scope="module", autouse=True)
def local_ray() -> Iterator[None]:
    """One local Ray instance for the module (starting one takes seconds); the engine uses it as is."""
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def _contents(directory: Path) -> tuple[list[str], np.ndarray]:
    """An index's records (as JSON, in index order) and its vectors, to compare two builds."""
    with closing(Index(directory)) as index:
        return [r.model_dump_json() for r in index.iter_records()], index.all_vectors()


def _assert_same_index(a: Path, b: Path) -> None:
    assert _contents(a)[0] == _contents(b)[0]
    # Batches are cut differently (and torch may run another thread count): float noise only.
    np.testing.assert_allclose(_contents(a)[1], _contents(b)[1], atol=1e-5)


def _counts(m: Manifest) -> tuple[int, int, int, list[str]]:
    return m.count, m.duplicates, m.skipped, m.skipped_examples


def _interrupt_at(n_stop: int) -> Callable[[int], None]:
    """A progress callback that stops the build like Ctrl-C once `n_stop` records are done."""

    def progress(n: int) -> None:
        if n >= n_stop:
            raise KeyboardInterrupt

    return progress


@pytest.fixture(scope="module")
def dumps(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Real records in three layouts the engine treats differently: CSL-JSON lines with broken lines
    (parsed line by line on the workers), a slice of HALLMARK's BibTeX with three broken entries and a
    CSL-JSON array (both parsed whole by the reader in a Ray task)."""
    d = tmp_path_factory.mktemp("dumps")
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        real = [next(fh).rstrip("\n") for _ in range(40)]
    two = json.dumps({"items": [json.loads(real[30]), json.loads(real[31])]})
    lines = [
        *real[:12],
        real[12][: len(real[12]) // 2],  # cut off: invalid JSON line
        "not json at all",
        *real[13:19],
        "",  # blank lines are not records
        '{"id": "no-title", "type": "article"}',  # no title: skipped by record_from_csl
        "[1, 2, 3]",  # an array on a line: three items, none an object, three unusable records
        real[19] + " {}",  # extra data after the value
        *real[20:29],
        two,  # one line, two records: the 28th and 29th, so the second shard of 14 ends inside it
        *real[32:40],
        json.dumps({"id": "n", "title": 12345}),  # a number as title: read as text, kept
    ]
    jsonl = d / "broken.csl.jsonl"
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    bib_lines = BIB.read_text(encoding="utf-8").splitlines()
    starts = [i for i, ln in enumerate(bib_lines) if ln.startswith("@")]
    a = next(i for i in starts if i >= 3380)
    b = next(i for i in starts if i >= 3720)
    bib = d / "slice.bib"
    bib.write_text("\n".join(bib_lines[a:b]) + "\n", encoding="utf-8")
    return [jsonl, bib, CLASSICS]


@pytest.fixture(scope="module")
def local_dev(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    out = tmp_path_factory.mktemp("local") / "idx"
    return out, build_index([CORPUS, CROSSREF], out, fmt=None, shard_size=300)


@pytest.fixture(scope="module")
def local_mixed(tmp_path_factory: pytest.TempPathFactory, dumps: list[Path]) -> tuple[Path, Manifest]:
    out = tmp_path_factory.mktemp("local-mixed") / "idx"
    return out, build_index(dumps, out, fmt=None, shard_size=14, batch_size=7)


def test_ray_builds_the_same_index_as_the_local_engine(
    local_dev: tuple[Path, Manifest], tmp_path: Path
) -> None:
    """Several shards of two real dumps: the merge is engine-blind, so equal shards mean equal indexes."""
    out = tmp_path / "idx"
    seen: list[int] = []
    manifest = build_index([CORPUS, CROSSREF], out, fmt=None, shard_size=300, progress=seen.append, **RAY)
    local, local_manifest = local_dev
    _assert_same_index(out, local)
    assert _counts(manifest) == _counts(local_manifest) == (1008 + 352, 0, 0, [])
    assert seen == sorted(seen) and seen[-1] == 1360
    assert manifest.timings["embed"] > 0 and manifest.timings["parse"] > 0
    assert not (tmp_path / ".idx.build").exists()
    assert ray.is_initialized()  # the engine did not start this Ray instance: it leaves it running


def test_broken_lines_and_entries_are_skipped_as_the_local_reader_skips_them(
    dumps: list[Path], local_mixed: tuple[Path, Manifest], tmp_path: Path
) -> None:
    local, local_manifest = local_mixed
    manifest = build_index(dumps, tmp_path / "idx", fmt=None, shard_size=14, **RAY)
    _assert_same_index(tmp_path / "idx", local)
    assert _counts(manifest) == _counts(local_manifest)
    # 2 lines that are not JSON, 1 with extra data, 1 record without title, the 3 items of [1, 2, 3];
    # 3 broken BibTeX entries
    assert local_manifest.skipped == 7 + 3 and local_manifest.count == 38 + 49 + 19
    examples = "\n".join(local_manifest.skipped_examples)
    assert (
        "broken.csl.jsonl:13: invalid JSON line" in examples
        and "slice.bib:42: unterminated entry" in examples
    )


def _done_shards(tmp_path: Path) -> int:
    return sum(1 for p in (tmp_path / ".idx.build" / "shards").iterdir() if not p.name.endswith(".tmp"))


def test_either_engine_resumes_the_other(
    dumps: list[Path], local_mixed: tuple[Path, Manifest], tmp_path: Path
) -> None:
    """One build, interrupted three times and finished by the other engine each time."""
    out = tmp_path / "idx"

    def build(engine: dict[str, Any], stop: int | None = None) -> Manifest:
        progress = _interrupt_at(stop) if stop else None
        return build_index(dumps, out, fmt=None, shard_size=14, batch_size=7, progress=progress, **engine)

    with pytest.raises(KeyboardInterrupt):
        build({}, stop=35)
    # Shards of 14: the 28th record, last of shard 1, is the first of the line holding two records,
    # so Ray resumes between the two items of one line.
    assert _done_shards(tmp_path) == 2
    with pytest.raises(KeyboardInterrupt):
        build(RAY, stop=60)
    assert _done_shards(tmp_path) == 4  # progress comes every 7 rows: stopped at 60-66 records
    with pytest.raises(KeyboardInterrupt):
        build({}, stop=85)
    # 84 records done: the cut lies in the BibTeX file, which Ray parses whole in one task.
    assert _done_shards(tmp_path) == 6
    manifest = build(RAY)
    assert manifest.resumed == 84
    _assert_same_index(out, local_mixed[0])
    assert _counts(manifest) == _counts(local_mixed[1])


def test_a_dump_in_the_wrong_format_raises_the_readers_error(tmp_path: Path) -> None:
    with pytest.raises(DumpFormatError) as local:
        build_index([CORPUS], tmp_path / "idx", fmt="crossref")
    with pytest.raises(
        DumpFormatError, match="none of the first 100 records could be read as crossref"
    ) as on_ray:
        build_index([CORPUS], tmp_path / "idx", fmt="crossref", **RAY)
    assert str(on_ray.value) == str(local.value)  # the reader's own message, without Ray's wrapping
    assert not (tmp_path / ".idx.build").exists()  # the input is wrong: nothing kept to resume


def test_without_ray_the_engine_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from citeproof.index import ray_engine

    monkeypatch.setattr(ray_engine, "_RAY_MISSING", ImportError("No module named 'ray'"))
    with pytest.raises(InputError, match=r"pip install 'citeproof\[ray\]'"):
        build_index([CLASSICS], tmp_path / "idx", fmt="csl-json", **RAY)
