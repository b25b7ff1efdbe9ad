"""What an index covers (issue 15): records per source, venue and year, DOI prefix, arXiv month and
author name, counted at build, kept current by `index add`/`update`, unknown (not zero) in an index
built before coverage was kept; and the scopes a builder declares complete (`--complete`).

Every count is checked against the same count made from the index's own records.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from citeproof.cli import main
from citeproof.connectors import read_records
from citeproof.errors import InputError
from citeproof.index import Index, Query, build_index, load_manifest
from citeproof.index.coverage import Coverage, Scope, arxiv_month, author_key, parse_scope, venue_key
from citeproof.index.layout import MANIFEST, RECORDS
from citeproof.index.manifest import file_entry
from citeproof.index.update import add_records
from citeproof.models import Author, Record
from tests.conftest import DATA, FIXTURES

DUMPS = FIXTURES / "dumps"
# one file per reader that keeps something coverage counts: sources, venues, DOIs, arXiv ids of both styles
MIXED = [
    DUMPS / "arxiv_snapshot_sample.jsonl",  # 0704.0001, 0704.0002, astro-ph/0601001, 1706.03762
    DUMPS / "dblp_sample.xml",
    DUMPS / "corpus_dev_head.csl.jsonl.gz",
    DATA / "demo_classics.csl.json",
]
CROSSREF_ITEMS = DUMPS / "crossref_items.jsonl.gz"


@pytest.fixture(scope="module")
def mixed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("coverage") / "idx"
    build_index(MIXED, out, fmt=None, complete=["dblp", "Venue: NeurIPS", "doi-prefix:10.1145", "arxiv:hep-th"])
    return out


@pytest.fixture
def mixed_copy(mixed_index: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(mixed_index, tmp_path / "idx"))


def expected(records: Iterable[Record]) -> dict[str, Any]:
    """Coverage counted the slow way, record by record, from the records an index holds."""
    out: dict[str, Any] = {k: Counter() for k in ("source", "venue", "doi", "arxiv", "authors")}
    for r in records:
        y = r.year or 0
        out["source"][r.source or "", y] += 1
        if venue_key(r.venue):
            out["venue"][venue_key(r.venue), y] += 1
        if r.doi:
            out["doi"][r.doi.split("/", 1)[0], y] += 1
        if m := arxiv_month(r.arxiv_id):
            out["arxiv"][m] += 1
        for fam, ini in {author_key(a.family, a.given) for a in r.authors}:
            if fam:
                out["authors"][fam, ini] += 1
    return out


def assert_coverage_matches(index: Index) -> None:
    cov, want = index.coverage, expected(index.iter_records())
    assert cov.known and cov.records() == len(index)
    sources: Counter[str] = Counter()
    years: Counter[int] = Counter()
    for (s, y), n in want["source"].items():
        sources[s] += n
        years[y] += n
        assert cov.records_for_source(s, y) == n
    assert cov.sources() == dict(sources)
    assert cov.years() == {y: n for y, n in sorted(years.items()) if y}
    assert cov.undated() == years[0]
    venues: Counter[str] = Counter()
    for (v, y), n in want["venue"].items():
        venues[v] += n
        assert cov.records_for_venue_year(v, y) == n
    assert cov.venues() == dict(venues)
    for v in venues:
        assert cov.venue_years(v) == {y: n for (k, y), n in sorted(want["venue"].items()) if k == v and y}
        assert cov.records_for_venue_year(v) == venues[v]
    prefixes: Counter[str] = Counter()
    for (p, y), n in want["doi"].items():
        prefixes[p] += n
        assert cov.records_for_doi_prefix(p, y) == n
    assert cov.doi_prefixes() == dict(prefixes)
    months: Counter[int] = Counter()
    for (cat, m), n in want["arxiv"].items():
        months[m] += n
        assert cov.records_for_arxiv_month(m, category=cat) == n
    assert cov.arxiv_months() == dict(sorted(months.items()))
    for m, n in months.items():
        assert cov.records_for_arxiv_month(m) == n
        assert cov.records_for_arxiv_month(f"{m // 100}-{m % 100:02d}") == n
    families: Counter[str] = Counter()
    for (fam, ini), n in want["authors"].items():
        families[fam] += n
        assert cov.author_count(fam, ini) == n
    for fam, n in families.items():
        assert cov.author_count(fam) == n and cov.has_author(fam)
    assert cov.author_names() == (len(families), len(want["authors"]))


def test_coverage_counts_match_the_records_of_a_mixed_index(mixed_index: Path) -> None:
    index = Index(mixed_index)
    assert_coverage_matches(index)
    cov = index.coverage
    assert set(cov.sources() or {}) == {"arxiv", "dblp", "csl-json"}
    # an old-style id names its category; new-style ids are counted by month only
    assert cov.arxiv_categories() == {"astro-ph": 1}
    assert cov.records_for_arxiv_month("0601", category="astro-ph") == 1
    assert cov.records_for_arxiv_month("0704") == 2 and cov.records_for_arxiv_id_month("0704.0002v1") == 2
    assert cov.records_for_arxiv_month(199001) == 0  # covered kinds answer 0, not None
    with pytest.raises(ValueError):
        cov.records_for_arxiv_month("April")
    vaswani = [r for r in index.iter_records() if any(a.family == "Vaswani" for a in r.authors)]
    assert vaswani and cov.author_count("VASWANI") == len(vaswani)
    assert cov.has_author("Vaswani", "A") and cov.has_author("Vaswani", "Z") is False
    assert cov.has_author("Nosuchauthorname") is False
    # a venue name or its key, any spelling `venue_key` folds together
    nips = "Advances in Neural Information Processing Systems"
    assert cov.records_for_venue_year(nips) == cov.records_for_venue_year(venue_key(nips).upper()) > 0


def test_coverage_of_the_dev_index(dev_index_dir: Path) -> None:
    index = Index(dev_index_dir)
    assert_coverage_matches(index)
    cov = index.coverage
    assert cov.records_for_doi_prefix("10.1109") == cov.records_for_doi_prefix("10.1109/CVPR.2016.90") > 100
    assert cov.records_for_doi_prefix("10.9999") == 0
    assert cov.complete == ()


def test_counts_flushed_in_batches_add_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large build writes its counts to SQLite in batches (memory stays flat); they add up."""
    monkeypatch.setattr("citeproof.index.store._COVERAGE_FLUSH", 3)
    build_index(MIXED, tmp_path / "idx", fmt=None, batch_size=5)
    assert_coverage_matches(Index(tmp_path / "idx"))


def test_index_add_keeps_coverage_current(mixed_copy: Path) -> None:
    new = list(read_records(CROSSREF_ITEMS, fmt="crossref"))
    before = Index(mixed_copy).coverage.sources()
    manifest = add_records(mixed_copy, new, sources=[CROSSREF_ITEMS.name])
    add_records(mixed_copy, new[:3])  # duplicates: not counted twice
    index = Index(mixed_copy)
    assert_coverage_matches(index)
    assert index.coverage.sources() == {**(before or {}), "crossref": len(new)}
    # declared scopes survive an update
    assert manifest.complete == load_manifest(mixed_copy).complete == ["dblp", "venue:NeurIPS", "doi-prefix:10.1145", "arxiv:hep-th"]


def make_old(index_dir: Path) -> None:
    """Turn an index into one built before coverage was kept (its manifest re-signed to match)."""
    with sqlite3.connect(index_dir / RECORDS) as conn:
        conn.executescript("DROP TABLE coverage; DROP TABLE coverage_authors; VACUUM;")
    data = json.loads((index_dir / MANIFEST).read_text())
    data["files"][RECORDS] = file_entry(index_dir / RECORDS).model_dump()
    data.pop("complete")
    (index_dir / MANIFEST).write_text(json.dumps(data))


def test_an_index_without_coverage_opens_and_says_unknown(mixed_copy: Path) -> None:
    make_old(mixed_copy)
    index = Index(mixed_copy, verify_checksums=True)
    cov = index.coverage
    assert not cov.known and cov.complete == () and index.manifest.complete == []
    assert cov.records() is None and cov.sources() is None and cov.years() is None
    assert cov.records_for_venue_year("NeurIPS", 2017) is None and cov.venue_years("NeurIPS") is None
    assert cov.records_for_doi_prefix("10.1109") is None and cov.records_for_arxiv_month("0704") is None
    assert cov.has_author("Vaswani") is None and cov.author_count("Vaswani") is None
    assert cov.author_names() is None and cov.summary() is None
    [hits] = index.search([Query(title="Attention is all you need")])
    assert hits  # searching is unaffected
    info = json.loads(_cli("index", "info", str(mixed_copy)).output)
    assert info["coverage"] is None and info["complete"] == []
    assert "coverage: unknown" in _cli("index", "info", str(mixed_copy), "--summary").output
    index.close()
    # the first `index add` counts the old records too, so coverage then describes the whole index
    add_records(mixed_copy, list(read_records(CROSSREF_ITEMS, fmt="crossref")))
    assert_coverage_matches(Index(mixed_copy, verify_checksums=True))


def _cli(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# ---------------------------------------------------------------------------------------------------
# declared complete scopes (--complete)


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("dblp", Scope("dblp")),
        (" DBLP ", Scope("dblp")),
        ("arxiv", Scope("arxiv")),
        ("arxiv:cs.LG", Scope("arxiv", "cs.LG")),
        ("arxiv:hep-th", Scope("arxiv", "hep-th")),
        ("crossref-member:98", Scope("crossref-member", "98")),
        ("doi-prefix:10.1145", Scope("doi-prefix", "10.1145")),
        ("DOI-Prefix:10.5555.1", Scope("doi-prefix", "10.5555.1")),
        ("venue:NeurIPS", Scope("venue", "NeurIPS")),
        ("venue:  Advances in  Neural Information Processing Systems", Scope("venue", "Advances in Neural Information Processing Systems")),
    ],
)
def test_scopes_parse(text: str, scope: Scope) -> None:
    assert parse_scope(text) == scope
    assert parse_scope(str(scope)) == scope


@pytest.mark.parametrize(
    "text",
    ["", "pubmed", "dblp:conf/nips", "crossref-member", "crossref-member:acm", "doi-prefix:1145", "doi-prefix:10.1145/x",
     "venue:", "venue:2017", "arxiv:", "arxiv:CS LG", "crossref:98"],
)
def test_malformed_scopes_are_input_errors(text: str) -> None:
    with pytest.raises(InputError, match="scope"):
        parse_scope(text)


def test_complete_scopes_are_stored_and_read(mixed_index: Path) -> None:
    manifest = load_manifest(mixed_index)
    assert manifest.complete == ["dblp", "venue:NeurIPS", "doi-prefix:10.1145", "arxiv:hep-th"]
    cov = Index(mixed_index).coverage
    assert cov.complete == (Scope("dblp"), Scope("venue", "NeurIPS"), Scope("doi-prefix", "10.1145"), Scope("arxiv", "hep-th"))
    assert cov.is_complete("dblp") and not cov.is_complete("crossref")
    assert cov.is_complete("venue", "neurips") and cov.is_complete("doi-prefix", "10.1145")
    assert not cov.is_complete("doi-prefix", "10.1109") and not cov.is_complete("arxiv")


def test_a_malformed_scope_fails_the_build_before_any_work(tmp_path: Path) -> None:
    out = tmp_path / "idx"
    with pytest.raises(InputError, match="crossref-member"):
        build_index(MIXED, out, fmt=None, complete=["dblp", "crossref-member:acm"])
    assert not out.exists() and list(tmp_path.iterdir()) == []
    r = _cli("index", "build", str(DATA / "demo_classics.csl.json"), "--out", str(out), "--complete", "everything")
    assert r.exit_code == 2 and "unknown coverage scope 'everything'" in r.output and not out.exists()


def test_an_unreadable_scope_in_a_manifest_is_left_out(mixed_copy: Path) -> None:
    data = json.loads((mixed_copy / MANIFEST).read_text())
    data["complete"] = ["dblp", "galaxy:far-away"]
    (mixed_copy / MANIFEST).write_text(json.dumps(data))
    assert Index(mixed_copy).coverage.complete == (Scope("dblp"),)


# ---------------------------------------------------------------------------------------------------
# the CLI


def test_cli_build_complete_and_info(tmp_path: Path) -> None:
    out = tmp_path / "idx"
    src = [str(p) for p in MIXED[:2]]
    r = _cli("index", "build", *src, "--out", str(out), "--complete", "dblp", "--complete", "arxiv:hep-th")
    assert r.exit_code == 0, r.output
    info = json.loads(_cli("index", "info", str(out), "--verify").output)
    assert info["complete"] == ["dblp", "arxiv:hep-th"]
    cov = info["coverage"]
    records = list(Index(out).iter_records())
    assert cov["records"] == info["count"] == len(records)
    assert cov["sources"] == dict(Counter(r.source for r in records))
    assert cov["arxiv"]["categories"] == {"astro-ph": 1} and cov["arxiv"]["months"][0] == "2006-01"
    assert cov["authors"]["family_names"] > 10
    assert cov["venues"]["top"][0]["records"] >= cov["venues"]["top"][-1]["records"]
    text = _cli("index", "info", str(out), "--summary").output
    assert "declared complete: dblp, arxiv:hep-th" in text
    assert "sources: " in text and "arXiv: " in text and "family names" in text
    assert "{" not in text  # a summary for people, not JSON
    r = _cli("index", "build", "--help")
    assert "--complete" in r.output and "crossref-member:ID" in r.output


def test_coverage_open_reads_an_index_without_its_vectors(mixed_index: Path) -> None:
    cov = Coverage.open(mixed_index)
    try:
        assert cov.known and cov.records() == load_manifest(mixed_index).count
    finally:
        cov.close()


# ---------------------------------------------------------------------------------------------------
# keys


@pytest.mark.parametrize(
    ("aid", "month"),
    [
        ("2310.01362", ("", 202310)),
        ("0704.0001", ("", 200704)),
        ("1706.03762", ("", 201706)),
        ("hep-th/9901001", ("hep-th", 199901)),
        ("math.GT/0309136", ("math.GT", 200309)),
        ("astro-ph/0601001", ("astro-ph", 200601)),
        ("2313.01362", None),
        ("not an id", None),
        (None, None),
    ],
)
def test_arxiv_month(aid: str | None, month: tuple[str, int] | None) -> None:
    assert arxiv_month(aid) == month


def test_author_key_folds_names() -> None:
    assert author_key("Schölkopf", "Bernhard") == author_key("SCHOLKOPF", "b.") == ("scholkopf", "b")
    assert author_key("O'Brien") == author_key("O Brien") == ("o brien", "")
    assert author_key("van der Berg", "Jan") == ("van der berg", "j")
    rec = Record(id="x", title="t", authors=[Author(family="Smith", given="J."), Author(family="Smith", given="John")])
    assert expected([rec])["authors"] == Counter({("smith", "j"): 1})  # one record, counted once
