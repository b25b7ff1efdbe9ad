"""Growing an index copy-on-write: real Crossref records appended to a real index built from the bundled
classics, found by DOI and by dense search; duplicates; interruptions at every stage leave the old
index exactly as it was; the Crossref incremental update; and the `index add`/`index update` commands.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import click
import numpy as np
import pytest
import requests
import responses
from click.testing import CliRunner
from responses import matchers

from citeproof.cli.index_commands import register
from citeproof.connectors import read_records
from citeproof.connectors.live import Crossref, ManualClock
from citeproof.errors import IndexCorruptError, IndexModelMismatchError, IndexNotFoundError, LookupFailedError
from citeproof.index import Embedder, Index, Query, build_index
from citeproof.index.manifest import load_manifest
from citeproof.index.update import add_records, update_from_crossref
from citeproof.models import ReadStats, Record
from tests.test_live import MAILTO, body, page_walk, remap

ROOT = Path(__file__).resolve().parent.parent
CLASSICS = ROOT / "data" / "demo_classics.csl.json"
CROSSREF_ITEMS = ROOT / "tests" / "fixtures" / "dumps" / "crossref_items.jsonl.gz"  # 8 real Crossref items
SINCE = date(2024, 1, 1)
WORKS = "https://api.crossref.org/works"


@pytest.fixture(scope="module")
def classics_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("classics") / "idx"
    build_index(CLASSICS, out, fmt="csl-json")
    return out


@pytest.fixture
def index_dir(classics_index: Path, tmp_path: Path) -> Path:
    """A fresh copy of the 19-record classics index for each test."""
    return Path(shutil.copytree(classics_index, tmp_path / "idx"))


@pytest.fixture
def new_records() -> list[Record]:
    return list(read_records(CROSSREF_ITEMS, fmt="crossref"))


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as r:
        yield r


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.parent.iterdir() if p.name.startswith(f".{directory.name}."))


def test_added_records_are_found_by_doi_and_by_dense_search(index_dir: Path, new_records: list[Record]) -> None:
    before = Index(index_dir)
    manifest = add_records(index_dir, new_records, sources=[CROSSREF_ITEMS.name])
    assert manifest.count == 19 + 8 and manifest.duplicates == 0
    assert manifest.sources == ["demo_classics.csl.json", CROSSREF_ITEMS.name]
    assert len(before) == 19 and before.get("doi:10.1021/acs.jcim.0c00718") is None  # a reader of the old
    before.close()  # index kept working through the swap

    index = Index(index_dir, verify_checksums=True)  # the new manifest's sums describe the new files
    assert len(index) == 27 and index.vectors.ntotal == 27
    pypka = next(r for r in new_records if r.doi == "10.1021/acs.jcim.0c00718")
    [by_doi, paraphrase, old_doi] = index.search(
        [
            Query(doi="https://doi.org/10.1021/ACS.JCIM.0C00718"),
            Query(title="python module for poisson boltzmann pKa calculations"),
            Query(doi="10.1109/CVPR.2016.90"),
        ]
    )
    assert by_doi[0].record == pypka and "doi" in by_doi[0].via
    dense_top = max((h for h in paraphrase if "dense" in h.via), key=lambda h: h.dense)
    assert dense_top.record.id == pypka.id and dense_top.dense > 0.6
    # row id = vector position + 1 holds for appended rows: the stored vector is the title's embedding
    rowid = by_doi[0].rowid
    assert rowid > 19
    # the BM25 postings were rewritten with the new records: same answer as FTS5 itself
    lexicon = index.store._postings()
    assert lexicon is not None and lexicon.n_rows == 27
    typo = pypka.title.replace("Module", "Modul")
    fast = index.store.lexical(typo, max_df=1000)
    index.store._lexicon = None
    assert fast == index.store.lexical(typo, max_df=1000) and fast[0][0] == rowid
    index.store._lexicon = lexicon
    assert np.allclose(index.vectors.reconstruct(rowid - 1), index.embed([pypka.title])[0], atol=1e-5)
    assert old_doi[0].record.title == "Deep Residual Learning for Image Recognition"


def test_duplicates_are_skipped_and_counted(index_dir: Path, new_records: list[Record]) -> None:
    add_records(index_dir, new_records[:5])
    manifest = add_records(index_dir, new_records)  # 5 already there, 3 new
    assert manifest.count == 19 + 8 and manifest.duplicates == 5
    again = add_records(index_dir, new_records[:2])
    assert again.count == 27 and again.duplicates == 7
    Index(index_dir, verify_checksums=True).close()


def test_reader_stats_go_into_the_manifest(index_dir: Path, tmp_path: Path) -> None:
    dump = tmp_path / "mixed.jsonl"
    dump.write_text('{"DOI": "10.1000/untitled"}\nnot json\n', encoding="utf-8")
    stats = ReadStats()
    manifest = add_records(index_dir, read_records(dump, fmt="crossref", stats=stats), stats)
    assert manifest.count == 19 and manifest.skipped == 2 and len(manifest.skipped_examples) == 2


def _fail_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(self: Embedder, texts: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(Embedder, "encode", boom)


def _fail_writing_vectors(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("citeproof.index.update.faiss.write_index", boom)


def _fail_inside_the_swap(monkeypatch: pytest.MonkeyPatch) -> None:
    """The old index has been renamed away and the new one fails to take its place."""
    real = os.replace

    def replace(src: Any, dst: Any) -> None:
        if ".tmp-" in str(src):
            raise OSError("rename failed")
        real(src, dst)

    monkeypatch.setattr("citeproof.index.atomic.os.replace", replace)


@pytest.mark.parametrize("interrupt", [_fail_encoding, _fail_writing_vectors, _fail_inside_the_swap])
def test_an_interrupted_update_leaves_the_old_index_intact(
    index_dir: Path, new_records: list[Record], monkeypatch: pytest.MonkeyPatch, interrupt: Any
) -> None:
    before = snapshot(index_dir)
    interrupt(monkeypatch)
    with pytest.raises((KeyboardInterrupt, OSError)):
        add_records(index_dir, new_records)
    monkeypatch.undo()
    assert snapshot(index_dir) == before
    assert leftovers(index_dir) == []
    index = Index(index_dir, verify_checksums=True)
    assert len(index) == 19 and index.search([Query(doi="10.1021/acs.jcim.0c00718")])[0] == []


def test_refuses_what_it_cannot_safely_update(index_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError):
        add_records(tmp_path / "nothing", [])
    with pytest.raises(IndexModelMismatchError):
        add_records(index_dir, [], embedder=Embedder("sentence-transformers/all-mpnet-base-v2"))
    vectors = index_dir / "vectors.faiss"
    data = bytearray(vectors.read_bytes())
    data[-1] ^= 0xFF  # same size, different bytes: only the checksum notices
    vectors.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match="checksum"):
        add_records(index_dir, [])
    assert leftovers(index_dir) == []


def crossref_client() -> Crossref:
    return Crossref(MAILTO, clock=ManualClock(), cache=False, rng=random.Random(0))


def test_update_from_crossref_walks_from_index_date(index_dir: Path, rsps: responses.RequestsMock) -> None:
    page_walk(rsps, WORKS, {"rows": "500", "filter": "from-index-date:2024-01-01,type:journal-article"})
    manifest = update_from_crossref(index_dir, SINCE, MAILTO, filter="type:journal-article", client=crossref_client())
    assert manifest.count == 19 + 9 and manifest.skipped == 1  # one recorded item has no title
    assert manifest.sources[-1] == "crossref:from-index-date:2024-01-01,type:journal-article"
    index = Index(index_dir)
    assert index.get("doi:10.1111/dth.13147") is not None


def test_update_from_crossref_stops_at_max_records(index_dir: Path, rsps: responses.RequestsMock) -> None:
    page_walk(rsps, WORKS, {"rows": "3", "filter": "from-index-date:2024-01-01"})
    manifest = update_from_crossref(index_dir, SINCE, MAILTO, max_records=3, client=crossref_client())
    assert manifest.count == 19 + 3 and len(rsps.calls) == 1


def test_a_network_failure_midway_changes_nothing(index_dir: Path, rsps: responses.RequestsMock) -> None:
    params = {"rows": "500", "filter": "from-index-date:2024-01-01"}
    first = "members_98_works_rows_5_cursor_2A-00137f23.json"
    remap(rsps, WORKS, {**params, "cursor": "*"}, "crossref", first)
    cursor = json.loads(body("crossref", first))["message"]["next-cursor"]
    rsps.add("GET", WORKS, body=requests.exceptions.ReadTimeout("gone"),
             match=[matchers.query_param_matcher({**params, "cursor": cursor})])
    before = snapshot(index_dir)
    with pytest.raises(LookupFailedError):
        update_from_crossref(index_dir, SINCE, MAILTO, client=crossref_client())
    assert snapshot(index_dir) == before and leftovers(index_dir) == []


# ---------------------------------------------------------------------------------------------------
# CLI


@pytest.fixture
def cli() -> click.Group:
    @click.group()
    def index() -> None:
        """Stands in for `citeproof index`."""

    register(index)
    return index


def test_cli_index_add(cli: click.Group, index_dir: Path) -> None:
    result = CliRunner().invoke(cli, ["add", str(index_dir), str(CROSSREF_ITEMS), "--format", "crossref"])
    assert result.exit_code == 0, result.output
    assert "added 8 records" in result.output and "27 records in all" in result.output
    assert load_manifest(index_dir).count == 27


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "{idx}", "/no/such/file.json"], "no such file"),
        (["add", "{tmp}", str(CROSSREF_ITEMS)], "not a citeproof index"),
        (["add", "{idx}", "{tmp}/cut.jsonl.gz", "--format", "crossref"], "truncated"),
    ],
)
def test_cli_index_add_errors_exit_2(
    cli: click.Group, index_dir: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "cut.jsonl.gz").write_bytes(CROSSREF_ITEMS.read_bytes()[:300])  # an interrupted download
    before = snapshot(index_dir)
    args = [a.format(idx=index_dir, tmp=tmp_path) for a in args]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: ") and message in result.output
    assert "Traceback" not in result.output
    assert snapshot(index_dir) == before


def test_cli_index_update(cli: click.Group, index_dir: Path, rsps: responses.RequestsMock, tmp_path: Path,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITEPROOF_CACHE_DIR", str(tmp_path / "cache"))
    page_walk(rsps, WORKS, {"rows": "3", "filter": "from-index-date:2024-01-01"})
    args = ["update", str(index_dir), "--from", "crossref", "--since", "2024-01-01", "--max-records", "3"]
    result = CliRunner().invoke(cli, args, env={"CITEPROOF_MAILTO": MAILTO})
    assert result.exit_code == 0, result.output
    assert "added 3 records" in result.output
    assert MAILTO in rsps.calls[0].request.headers["User-Agent"]
    result = CliRunner().invoke(cli, [*args[:-2], "--mailto", "nobody"])
    assert result.exit_code == 2 and "e-mail" in result.output
