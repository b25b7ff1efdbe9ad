"""Dump readers on real records: every format, the bad inputs real dumps contain, and hostile text."""

from __future__ import annotations

import gzip
import io
import json
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citeproof.connectors import (
    FORMATS,
    BadRecordError,
    BibEntry,
    detect_format,
    parse_bibtex,
    read_records,
    record_from_bibtex,
    record_from_crossref,
)
from citeproof.connectors.arxiv import read_arxiv, record_from_arxiv_json
from citeproof.connectors.bibtex import read_bibtex, split_authors
from citeproof.connectors.crossref import read_crossref
from citeproof.connectors.csl import read_csl, record_from_csl
from citeproof.connectors.dblp import read_dblp, record_from_dblp_hit
from citeproof.connectors.jsonstream import iter_json
from citeproof.connectors.records import split_name, year_of
from citeproof.connectors.s2 import read_s2, record_from_s2
from citeproof.connectors.source import iter_lines, opened
from citeproof.connectors.xmlstream import _split_entity_tail
from citeproof.errors import DumpFormatError, InputError
from citeproof.models import ReadStats, Record

FIX = Path(__file__).parent / "fixtures" / "dumps"
SHARED = Path("/work/shared")
needs_shared = pytest.mark.skipif(not (SHARED / "data").is_dir(), reason="shared real-data set not mounted")


def read(path: Path | str, fmt: str | None = None) -> tuple[list[Record], ReadStats]:
    stats = ReadStats()
    return list(read_records(path, fmt, stats)), stats


def by_id(records: list[Record]) -> dict[str, Record]:
    return {r.id: r for r in records}


def write_gz(path: Path, data: bytes) -> Path:
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        f.write(data)
    return path


# --------------------------------------------------------------------------------------------------
# _source: opening, gzip, decoding


def test_gzip_detected_by_magic_bytes_not_suffix(tmp_path: Path) -> None:
    plain = (FIX / "crossref_items.jsonl.gz").read_bytes()
    renamed = tmp_path / "items.jsonl"  # gzip content, misleading suffix
    renamed.write_bytes(plain)
    records, stats = read(renamed)
    assert len(records) == 8 and stats.skipped == 0
    not_gz = tmp_path / "items.jsonl.gz"  # plain content, .gz suffix
    not_gz.write_bytes(gzip.decompress(plain))
    assert len(read(not_gz)[0]) == 8


def test_truncated_gzip_raises_dump_format_error_naming_file(tmp_path: Path) -> None:
    data = gzip.compress(b"".join(gzip.open(FIX / "crossref_items.jsonl.gz").readlines()) * 40)
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(DumpFormatError, match=r"cut\.jsonl\.gz.*truncated or corrupt gzip.*offset \d+"):
        list(read_records(cut))
    with pytest.raises(DumpFormatError, match=r"cut\.jsonl\.gz"):
        list(read_records(cut, fmt="crossref"))


def test_corrupt_gzip_raises_dump_format_error(tmp_path: Path) -> None:
    data = bytearray(gzip.compress(b'{"DOI": "10.1/x", "title": ["T"]}\n' * 5000))
    data[200:260] = b"\x00" * 60
    bad = tmp_path / "bad.gz"
    bad.write_bytes(bytes(data))
    with pytest.raises(DumpFormatError, match=r"bad\.gz"):
        list(read_records(bad, fmt="crossref"))


def test_missing_file_is_dump_format_error(tmp_path: Path) -> None:
    with pytest.raises(DumpFormatError, match="cannot open"):
        list(read_records(tmp_path / "nope.jsonl"))
    assert issubclass(DumpFormatError, InputError)


def test_invalid_utf8_is_replaced_and_counted(tmp_path: Path) -> None:
    p = tmp_path / "latin1.jsonl"
    p.write_bytes(
        b'{"id": "a", "title": "Caf\xe9 society"}\n{"id": "b", "title": "Fine \xef\xbf\xbd kept"}\n'
    )
    records, stats = read(p, "csl-json")
    assert [r.title for r in records] == ["Caf\ufffd society", "Fine \ufffd kept"]
    assert stats.skipped == 0
    assert any("1 undecodable bytes" in e for e in stats.errors)  # the genuine U+FFFD is not counted


def test_iter_lines_numbers_lines_and_strips_breaks(tmp_path: Path) -> None:
    p = write_gz(tmp_path / "x.txt.gz", b"one\r\ntwo\n\nfour")
    assert list(iter_lines(p)) == [(1, "one"), (2, "two"), (3, ""), (4, "four")]


def test_stdin_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (FIX / "corpus_dev_head.csl.jsonl.gz").read_bytes()
    fake = io.TextIOWrapper(io.BufferedReader(io.BytesIO(data)))
    monkeypatch.setattr(sys, "stdin", fake)
    records, _ = read("-")
    assert records[0].id == "hm-Abbas2021combinatorial-1a36f8"


def test_year_of_and_split_name() -> None:
    assert year_of({"date-parts": [[2021, 5, 3]]}) == 2021
    assert year_of({"date-parts": [["2019"]]}) == 2019
    assert year_of({"date-parts": [[None]]}) is None
    assert year_of({"raw": "May 2020"}) == 2020
    assert year_of("Mon, 2 Apr 2007 19:18:42 GMT") == 2007
    assert year_of(12) is None and year_of(True) is None
    assert split_name("Ludwig van Beethoven") == split_name("van Beethoven, Ludwig")
    assert split_name("Ludwig van Beethoven").family == "van Beethoven"  # type: ignore[union-attr]
    assert split_name("Jean de La Fontaine").family == "de La Fontaine"  # type: ignore[union-attr]
    king = split_name("Martin Luther King Jr.")
    assert king is not None and (king.family, king.given) == ("King", "Martin Luther")
    assert split_name("{Barack Obama Foundation}").family == "Barack Obama Foundation"  # type: ignore[union-attr]
    assert split_name("Aristotle").family == "Aristotle"  # type: ignore[union-attr]
    assert split_name("  ") is None


# --------------------------------------------------------------------------------------------------
# Streaming JSON shapes


def test_json_array_streams_across_chunk_boundaries(tmp_path: Path) -> None:
    items = [
        {"id": f"r{i}", "title": f"Title number {i}", "issued": {"date-parts": [[1990 + i % 30]]}}
        for i in range(5000)
    ]
    p = tmp_path / "big.json"
    p.write_text(json.dumps(items, indent=1))  # > 64 KiB chunks, pretty-printed
    records, stats = read(p, "csl-json")
    assert [r.id for r in records] == [f"r{i}" for i in range(5000)]
    assert records[4999].year == 1990 + 4999 % 30 and stats.skipped == 0


def test_crossref_public_data_file_part(tmp_path: Path) -> None:
    items = [json.loads(line) for line in gzip.open(FIX / "crossref_items.jsonl.gz", "rt")]
    p = write_gz(tmp_path / "0.json.gz", json.dumps({"items": items * 300}).encode())  # one long line
    assert detect_format(p) == "crossref"
    records, stats = read(p)
    assert len(records) == 2400 and stats.skipped == 0


def test_pretty_printed_api_page_is_streamed(tmp_path: Path) -> None:
    page = json.loads((FIX / "works_query_ecology_rows_2.json").read_text())
    p = tmp_path / "page.json"
    p.write_text(json.dumps(page, indent=2))
    assert [r.id for r in read(p)[0]] == [
        "doi:10.1093/obo/9780199830060-0238",
        "doi:10.1093/obo/9780199830060-0023",
    ]


def test_broken_json_line_is_skipped_counted_and_others_read(tmp_path: Path) -> None:
    lines = gzip.open(FIX / "crossref_items.jsonl.gz", "rt").read().splitlines()
    lines.insert(3, '{"DOI": "10.1/broken", "title": ["cut off')
    lines.insert(0, "not json at all")
    p = tmp_path / "mixed.jsonl"
    p.write_text("\n".join(lines) + "\n")
    records, stats = read(p, "crossref")
    assert len(records) == 8
    assert stats.skipped == 2
    assert stats.errors[0].startswith(f"{p}:1: invalid JSON line")
    assert stats.errors[1].startswith(f"{p}:5: invalid JSON line")


def test_truncated_json_document_raises(tmp_path: Path) -> None:
    text = (FIX / "works_query_ecology_rows_2.json").read_text()
    p = tmp_path / "cut.json"
    p.write_text(json.dumps(json.loads(text), indent=2)[:5000])
    with pytest.raises(DumpFormatError, match=r"cut\.json: malformed or truncated JSON"):
        list(read_records(p, "crossref"))


def test_json_syntax_error_mid_array_raises_without_reading_on(tmp_path: Path) -> None:
    text = json.dumps([{"id": f"r{i}", "title": "t"} for i in range(50_000)], indent=0)
    p = tmp_path / "bad.json"
    p.write_text(text.replace("},\n{", "};\n{", 1))
    seen = []
    with pytest.raises(
        DumpFormatError,
        match=r"bad\.json: malformed or truncated JSON \(expected ']' but found ';' at line 5\)",
    ):
        seen.extend(read_records(p, "csl-json"))
    assert [r.id for r in seen] == ["r0"]


def test_iter_json_wrapped_and_nested(tmp_path: Path) -> None:
    p = tmp_path / "w.json"
    p.write_text('{"status": "ok", "message": {"items": [{"a": 1}, {"a": 2}], "total": 2}}')
    with opened(p) as src:
        assert [x for _, x in iter_json(src, ReadStats(), ("message",), ("items",))] == [{"a": 1}, {"a": 2}]


# --------------------------------------------------------------------------------------------------
# CSL-JSON


def test_csl_real_hallmark_records_keep_ids() -> None:
    records, stats = read(FIX / "corpus_dev_head.csl.jsonl.gz")
    assert stats.read == 6 and stats.skipped == 0
    r = by_id(records)["hm-Abbe2021the-e63b5e"]
    assert r.title == "The staircase property: How hierarchical structure can guide deep learning"
    assert [a.family for a in r.authors] == ["Abbe", "Boix-Adserà", "Brennan", "Bresler", "Nagaraj"]
    assert (r.year, r.venue, r.type, r.source) == (2021, "NeurIPS", "paper-conference", "csl-json")
    assert r.url == "https://dblp.org/rec/conf/nips/AbbeBBBN21"


def test_csl_variants() -> None:
    r = record_from_csl(
        {
            "id": 42,
            "title": ["Attention Is All You Need", "ignored"],
            "author": [
                {"literal": "Google Brain"},
                {"family": "Vaswani", "given": "Ashish"},
                {"given": "Solo"},
            ],
            "issued": {"raw": "June 2017"},
            "container-title": ["NeurIPS"],
            "DOI": "https://doi.org/10.48550/arXiv.1706.03762",
            "PMID": "123",
            "type": "paper-conference",
        }
    )
    assert r.id == "42" and r.title == "Attention Is All You Need" and r.year == 2017
    assert [(a.family, a.given) for a in r.authors] == [
        ("Google Brain", ""),
        ("Vaswani", "Ashish"),
        ("Solo", ""),
    ]
    assert (r.venue, r.doi, r.arxiv_id, r.pmid) == (
        "NeurIPS",
        "10.48550/arxiv.1706.03762",
        "1706.03762",
        "123",
    )
    r2 = record_from_csl(
        {"title": "T", "URL": "https://arxiv.org/abs/hep-th/9711200v3", "collection-title": "S"}
    )
    assert r2.arxiv_id == "hep-th/9711200" and r2.venue == "S" and r2.id.startswith("csl-json:")


def test_csl_array_file_and_record_without_title(tmp_path: Path) -> None:
    p = tmp_path / "refs.csl.json"
    p.write_text(
        json.dumps([{"id": "a", "title": "Real"}, {"id": "b", "title": "  "}, {"id": "c", "title": 7.5}, 3])
    )
    records, stats = read(p)
    assert [r.id for r in records] == ["a", "c"]
    assert stats.skipped == 2 and "no title" in stats.errors[0] and "TypeError" in stats.errors[1]


# --------------------------------------------------------------------------------------------------
# Crossref


def test_crossref_real_items_values() -> None:
    records = by_id(read(FIX / "crossref_items.jsonl.gz")[0])
    pypka = records["doi:10.1021/acs.jcim.0c00718"]  # title with <i>/<sub> markup
    assert pypka.title == "PypKa: A Flexible Python Module for Poisson–Boltzmann-Based pKa Calculations"
    assert [a.display() for a in pypka.authors] == [
        "Pedro B. P. S. Reis",
        "Diogo Vila-Viçosa",
        "Walter Rocchia",
        "Miguel Machuqueiro",
    ]
    assert (pypka.year, pypka.venue, pypka.type) == (
        2020,
        "Journal of Chemical Information and Modeling",
        "journal-article",
    )
    lingua = records["doi:10.1145/347642.347794"]
    assert lingua.title == "Lingua Francas for design" and lingua.year == 2000
    org = records["doi:10.3390/axioms12020096"]  # `name` authors are organisations: kept whole
    assert [(a.family, a.given) for a in org.authors] == [("Axioms Editorial Office", "")]
    assert records["doi:10.1201/b17144-10"].authors == []


def test_crossref_recorded_api_responses() -> None:
    (work,) = read(FIX / "works_10.1371_journal.pone.0033693.json")[0]
    assert work.id == "doi:10.1371/journal.pone.0033693"
    assert work.title.startswith("Methylphenidate Exposure Induces Dopamine Neuron Loss")
    assert (work.year, work.venue, work.authors[0].family) == (2012, "PLoS ONE", "Sadasivan")
    records, stats = read(FIX / "works_10.1371_journal.pone.0033693_error.json", "crossref")
    assert records == [] and stats.skipped == 1 and "validation-failure" in stats.errors[0]


def test_record_from_crossref_date_preference_and_errors() -> None:
    item = {
        "DOI": "10.1109/ICDCSW.2003.1203662",
        "title": ["Accurate and explicit differentiation"],
        "issued": {"date-parts": [[None]]},
        "published-online": {"date-parts": [[2003, 5]]},
        "created": {"date-parts": [[2004, 6, 22]]},
    }
    r = record_from_crossref(item)
    assert r.id == "doi:10.1109/icdcsw.2003.1203662" and r.year == 2003
    assert record_from_crossref({**item, "published": {"date-parts": [[2002]]}}).year == 2002
    with pytest.raises(DumpFormatError, match="no DOI"):
        record_from_crossref({"title": ["x"]})


@needs_shared
def test_crossref_all_shared_records_and_recordings() -> None:
    records, stats = read(SHARED / "data/records/crossref_items.jsonl.gz")
    assert len(records) == 352 and stats.skipped == 0
    assert all(r.id == f"doi:{r.doi}" for r in records)
    total = 0
    for line in (SHARED / "fixtures/http/crossref/index.jsonl").read_text().splitlines():
        entry = json.loads(line)
        if entry["status"] != 200:
            continue
        recs, _ = read(SHARED / "fixtures/http/crossref" / entry["body_file"], "crossref")
        total += len(recs)
        assert all(r.title and r.doi for r in recs)
    assert total > 80


# --------------------------------------------------------------------------------------------------
# arXiv


def test_arxiv_snapshot_lines() -> None:
    records = by_id(read(FIX / "arxiv_snapshot_sample.jsonl")[0])
    r = records["arxiv:0704.0001"]
    assert r.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    assert [a.display() for a in r.authors] == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"]
    assert (r.year, r.venue, r.doi, r.arxiv_id) == (
        2007,
        "Phys.Rev.D76:013009,2007",
        "10.1103/physrevd.76.013009",
        "0704.0001",
    )
    v = records["arxiv:1706.03762"]
    assert (v.year, v.venue, v.doi, v.type) == (2017, "arXiv", None, "preprint")
    assert records["arxiv:astro-ph/0601001"].year == 2006


def test_arxiv_snapshot_without_authors_parsed() -> None:
    r = record_from_arxiv_json(
        {
            "id": "0704.0001v2",
            "title": "T",
            "authors": "C. Bal\\'azs, E. L. Berger (ANL) and C.-P. Yuan",
            "versions": [],
        }
    )
    assert [a.display() for a in r.authors] == ["C. Balázs", "E. L. Berger", "C.-P. Yuan"]
    assert r.id == "arxiv:0704.0001" and r.year == 2007  # year from the id when versions are missing


@pytest.mark.parametrize("name", ["arxiv_oai_arXiv.xml", "arxiv_oai_arXivRaw.xml"])
def test_arxiv_oai_pmh(name: str) -> None:
    records, stats = read(FIX / name)
    assert stats.skipped == 0  # the deleted record is ignored, not an error
    r = by_id(records)["arxiv:0704.0001"]
    assert r.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    assert [a.family for a in r.authors] == ["Balázs", "Berger", "Nadolsky", "Yuan"]
    assert (r.year, r.doi, r.venue) == (2007, "10.1103/physrevd.76.013009", "Phys.Rev.D76:013009,2007")
    assert len(records) == 2


def test_arxiv_atom_recorded_feeds() -> None:
    (r,) = read(FIX / "arxiv_atom_astro-ph_0601001.xml")[0]
    assert r.id == "arxiv:astro-ph/0601001" and r.year == 2006
    assert [a.display() for a in r.authors] == [
        "Andrew Gould",
        "Susan Dorsher",
        "B. Scott Gaudi",
        "Andrzej Udalski",
    ]
    assert r.venue == "ActaAstron.56:1-50,2006"
    assert read(FIX / "arxiv_atom_0000.0000.xml") == ([], ReadStats())
    search = by_id(read(FIX / "arxiv_atom_q_testing.xml")[0])
    assert len(search) == 10
    assert search["arxiv:2405.13786"].authors[0].display() == "Aurora Ramírez"  # recorded as mojibake
    assert search["arxiv:2202.12139"].doi == "10.1109/icstw55395.2022.00035"


@needs_shared
def test_arxiv_all_recorded_feeds() -> None:
    for p in sorted((SHARED / "fixtures/http/arxiv").glob("*.xml")):
        records, stats = read(p)
        assert stats.skipped == 0, p
        assert all(r.arxiv_id and r.title for r in records)


# --------------------------------------------------------------------------------------------------
# BibTeX


BIB = r"""% a comment line
@string{nips = "Advances in Neural " # {Information Processing Systems}}
@preamble{"\newcommand{\noopsort}[1]{}"}
@comment{ @article{not, title={an entry}} }
junk between entries
@InProceedings{Vaswani2017,
  title = {Attention is {All} you Need},
  author = {Ashish Vaswani and Noam Shazeer and others},
  booktitle = nips # " 30",
  year = 2017, month = dec
  doi = "10.5555/{3295222}.3295349"
}
@article(Scholkopf98, author = "Sch{\"o}lkopf, Bernhard and M{\"u}ller, Klaus-Robert and {Barack Obama Foundation}",
  title = "A {"}quoted{"} title", journal = {Neural Comput.}, date = {1998-07-01},
  eprint = {1706.03762}, archivePrefix = {arXiv}, pmid = {123456})
"""


def test_parse_bibtex_features() -> None:
    stats = ReadStats()
    a, b = parse_bibtex(BIB, stats)
    assert stats.skipped == 0
    assert isinstance(a, BibEntry) and (a.key, a.type) == ("Vaswani2017", "inproceedings")
    assert a.fields == {
        "title": "Attention is {All} you Need",
        "author": "Ashish Vaswani and Noam Shazeer and others",
        "booktitle": "Advances in Neural Information Processing Systems 30",
        "year": "2017",
        "month": "December",
        "doi": "10.5555/{3295222}.3295349",
    }
    assert BIB[a.start : a.end].startswith("@InProceedings{") and BIB[a.end - 1] == "}"
    assert (b.key, b.type, b.fields["title"]) == ("Scholkopf98", "article", 'A {"}quoted{"} title')
    assert BIB[b.end - 1] == ")"


def test_record_from_bibtex_can_leave_the_names_to_its_caller() -> None:
    for e in parse_bibtex(BIB):
        full, bare = record_from_bibtex(e), record_from_bibtex(e, authors=False)
        assert full.authors and bare.authors == []
        assert bare.model_dump(exclude={"authors"}) == full.model_dump(exclude={"authors"})


def test_record_from_bibtex() -> None:
    a, b = (record_from_bibtex(e) for e in parse_bibtex(BIB))
    assert (a.id, a.title, a.year, a.venue) == (
        "bib:Vaswani2017",
        "Attention is All you Need",
        2017,
        "Advances in Neural Information Processing Systems 30",
    )
    assert [x.display() for x in a.authors] == ["Ashish Vaswani", "Noam Shazeer"]  # "others" dropped
    assert a.doi == "10.5555/3295222.3295349" and a.source == "bibtex"
    assert [(x.family, x.given) for x in b.authors] == [
        ("Schölkopf", "Bernhard"),
        ("Müller", "Klaus-Robert"),
        ("Barack Obama Foundation", ""),
    ]
    assert (b.title, b.year, b.venue, b.arxiv_id, b.pmid) == (
        'A "quoted" title',
        1998,
        "Neural Comput.",
        "1706.03762",
        "123456",
    )


def test_split_authors_braces_and_case() -> None:
    names = split_authors(
        "{Barnes and Noble, Inc.} AND Ludwig van Beethoven and de la Cruz, Juana Inés and others"
    )
    assert [(x.family, x.given) for x in names] == [
        ("Barnes and Noble, Inc.", ""),
        ("van Beethoven", "Ludwig"),
        ("de la Cruz", "Juana Inés"),
    ]


def test_bibtex_embedded_in_markdown_offsets() -> None:
    entry = "@article{Smith2020,\n  title={Deep Learning},\n  author={Smith, John},\n  year={2020}\n}"
    text = f"Here is the reference you asked for (mail me@example.com):\n\n```bibtex\n{entry}\n```\nHope it helps."
    (e,) = parse_bibtex(text)
    assert text[e.start : e.end] == entry
    assert e.fields == {"title": "Deep Learning", "author": "Smith, John", "year": "2020"}


def test_broken_entry_is_skipped_counted_and_parsing_resumes() -> None:
    text = (
        "@article{good1, title={First}, year={2020}}\n"
        "@article{broken, title={Unclosed {brace}, year={2021},\n"
        "  author={X}\n"
        "@article{good2, title={Second}}\n"
        "@misc{nokey_missing_commas title={Third} year=2022 note = {n}}\n"
    )
    stats = ReadStats()
    entries = parse_bibtex(text, stats)
    assert [(e.key, e.fields.get("title")) for e in entries] == [
        ("good1", "First"),
        ("good2", "Second"),
        ("nokey_missing_commas", "Third"),
    ]
    assert entries[2].fields["year"] == "2022"
    assert stats.skipped == 1 and stats.errors[0].startswith("line 2: unbalanced braces")


def test_bibtex_fixture_file_with_real_broken_entries() -> None:
    records, stats = read(FIX / "hallmark_dev_sample.bib")
    assert [r.id for r in records] == [
        "bib:d46c5fa004ad",
        "bib:dc8a5bcfa45e",
        "bib:cdf7c1798d3d",
        "bib:cc8348800b0a",
        "bib:bdba1969a0b0",
    ]
    assert stats.skipped == 2
    assert stats.errors[0].startswith(f"{FIX / 'hallmark_dev_sample.bib'}:8:")
    vaswani = records[0]
    assert vaswani.authors[6].display() == "Łukasz Kaiser"
    assert records[2].arxiv_id == "2202.03466"
    assert records[3].arxiv_id == "2602.12271"


@needs_shared
def test_bibtex_real_hallmark_file() -> None:
    path = SHARED / "data/hallmark/dev_public.bib"
    records, stats = read(path)
    assert stats.read + stats.skipped == 1119
    assert stats.skipped == 7  # entries published with unbalanced braces
    assert len({r.id for r in records}) == len(records)
    # the streaming reader finds exactly what parse_bibtex finds on the whole text
    whole = parse_bibtex(path.read_text(encoding="utf-8"))
    assert [e.key for e in whole] == [r.id.removeprefix("bib:") for r in records]


@pytest.mark.parametrize(
    "hostile",
    [
        "{" * 1_000_000,
        "@" * 1_000_000,
        "@a{k, t={" + "{" * 1_000_000,
        '@a{k, t="' + "{" * 1_000_000,
        "@a{" + "}" * 1_000_000,
        ("@article{x, author = {" + "a and " * 50 + "\n") * 2000,
        "@a{k," + "t=1," * 150_000,
        "\n@" * 500_000,
    ],
)
def test_bibtex_hostile_input_is_linear(hostile: str) -> None:
    t0 = time.process_time()  # CPU time: not slowed by other jobs on the machine
    parse_bibtex(hostile, ReadStats())
    assert time.process_time() - t0 < 0.8


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='@{}()",=#% \n\\abkAT0123', max_size=300))
def test_parse_bibtex_never_raises_and_offsets_are_sane(text: str) -> None:
    stats = ReadStats()
    for e in parse_bibtex(text, stats):
        assert 0 <= e.start < e.end <= len(text) and text[e.start] == "@"
        try:
            record_from_bibtex(e)
        except BadRecordError:
            pass  # e.g. no title: the reader skips and counts it


def test_bibtex_reader_streams_blocks_with_macros(tmp_path: Path) -> None:
    body = "@string{j = {Journal of Tests}}\n" + "".join(
        f"@article{{k{i}, title = {{Title {i}}}, journal = j, year = {1900 + i % 100}}}\n"
        for i in range(40_000)
    )
    p = write_gz(tmp_path / "big.bib.gz", body.encode())
    assert len(body) > 2 * (1 << 20)  # several reader blocks
    records, stats = read(p)
    assert len(records) == 40_000 and stats.skipped == 0
    assert records[-1].venue == "Journal of Tests" and records[-1].id == "bib:k39999"


# --------------------------------------------------------------------------------------------------
# dblp


def test_dblp_xml_entities_without_dtd() -> None:
    assert not (FIX / "dblp.dtd").exists()
    records, stats = read(FIX / "dblp_sample.xml")
    assert stats.skipped == 0
    recs = by_id(records)
    assert "dblp:homepages/s/BernhardScholkopf" not in recs  # www records are not publications
    v = recs["dblp:conf/nips/VaswaniSPUJGKP17"]
    assert (v.title, v.year, v.venue, v.type) == ("Attention is All you Need", 2017, "NIPS", "inproceedings")
    assert len(v.authors) == 8 and v.authors[6].display() == "Lukasz Kaiser"
    k = recs["dblp:journals/neco/ScholkopfSM98"]
    assert [a.display() for a in k.authors] == [
        "Bernhard Schölkopf",
        "Alexander J. Smola",
        "Klaus-Robert Müller",
    ]
    assert (k.doi, k.venue, k.year) == ("10.1162/089976698300017467", "Neural Comput.", 1998)
    assert recs["dblp:conf/stoc/IndykM98"].authors[1].display() == "Rajeev Motwani"  # homonym number stripped
    assert recs["dblp:journals/corr/HendrycksG16"].arxiv_id == "1606.08415"
    assert recs["dblp:conf/icton/RannelloCTVGPCP17"].title.startswith("Field-trial of a λ-to-the-user")
    assert recs["dblp:phd/de/Erdelyi2009"].authors[0].display() == "Gábor Erdélyi"
    proc = recs["dblp:conf/nato/2007"]
    assert proc.authors[0].display() == "Françoise Fogelman-Soulié"  # editors when there are no authors


def test_dblp_xml_raw_latin1_and_entity_split_at_chunk_boundary(tmp_path: Path) -> None:
    head = b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<!DOCTYPE dblp SYSTEM "dblp.dtd">\n<dblp>\n'
    recs = b"".join(
        b'<article key="journals/x/A%d"><author>J\xfcrgen Sch&ouml;n &amp; Erd&eacute;lyi &unknownent;</author>'
        b"<title>T%d.</title><year>2001</year><journal>J</journal></article>\n" % (i, i)
        for i in range(3000)
    )
    p = write_gz(tmp_path / "dblp.xml.gz", head + recs + b"</dblp>\n")
    records, stats = read(p)
    assert len(records) == 3000 and stats.skipped == 0
    assert {r.authors[0].display() for r in records} == {"Jürgen Schön & Erdélyi &unknownent;"}
    assert _split_entity_tail("abc &ouml") == ("abc ", "&ouml")
    assert _split_entity_tail("abc &amp; x") == ("abc &amp; x", "")


def test_dblp_xml_streams_in_constant_memory(tmp_path: Path) -> None:
    rec = (
        '<inproceedings key="conf/x/P%d"><author>Bernhard Sch&ouml;lkopf</author><author>A. Smola</author>'
        "<title>A <i>long</i> title number %d about kernels and more kernels.</title><year>2002</year>"
        "<booktitle>NIPS</booktitle><ee>https://doi.org/10.1000/%d</ee></inproceedings>\n"
    )
    p = tmp_path / "dblp.xml"
    with p.open("w", encoding="latin-1") as f:
        f.write('<?xml version="1.0" encoding="ISO-8859-1"?>\n<dblp>\n')
        for i in range(10_000):
            f.write(rec % (i, i, i))
        f.write("</dblp>\n")
    assert p.stat().st_size > 2_500_000
    tracemalloc.start()
    n = 0
    for r in read_dblp(p):
        n += 1
        assert r.doi
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert n == 10_000
    assert peak < 3_000_000, peak  # the whole tree would take about 15 MB


def test_dblp_truncated_xml_raises(tmp_path: Path) -> None:
    p = tmp_path / "cut.xml"
    p.write_bytes((FIX / "dblp_sample.xml").read_bytes()[:2500])
    with pytest.raises(DumpFormatError, match=r"cut\.xml: malformed or truncated XML"):
        list(read_records(p))


def test_dblp_search_api_hits() -> None:
    records = by_id(read(FIX / "dblp_hits.jsonl.gz")[0])
    r = records["dblp:conf/icml/NguyenHNHON23"]
    assert r.title == "Revisiting Over-smoothing and Over-squashing Using Ollivier-Ricci Curvature"
    assert r.authors[0].display() == "Khang Nguyen"  # "Khang Nguyen 0002"
    assert (r.year, r.venue) == (2023, "ICML")
    corr = records["dblp:journals/corr/abs-2211-15779"]
    assert corr.title == "Revisiting Over-smoothing and Over-squashing using Ollivier's Ricci Curvature"
    assert (corr.doi, corr.arxiv_id) == ("10.48550/arxiv.2211.15779", "2211.15779")
    assert (
        records["dblp:conf/nato/2007"].venue == "NATO ASI Mining Massive Data Sets for Security"
    )  # venue list


def test_dblp_search_api_response_and_single_author(tmp_path: Path) -> None:
    hits = [json.loads(line) for line in gzip.open(FIX / "dblp_hits.jsonl.gz", "rt")]
    p = tmp_path / "search.json"
    p.write_text(json.dumps({"result": {"query": "q", "hits": {"@total": "5", "hit": hits}}}))
    assert detect_format(p) == "dblp"
    assert len(read(p)[0]) == 5
    one = record_from_dblp_hit(
        {
            "info": {
                "key": "k/x",
                "title": "T.",
                "authors": {"author": {"text": "Ann Lee 0003"}},
                "year": "2020",
            }
        }
    )
    assert [a.display() for a in one.authors] == ["Ann Lee"] and one.url == "https://dblp.org/rec/k/x"


@needs_shared
def test_dblp_all_shared_hits() -> None:
    records, stats = read(SHARED / "data/records/dblp_hits.jsonl.gz")
    assert len(records) == 42 and stats.skipped == 0
    assert not any(a.family.isdigit() or a.family[-4:].isdigit() for r in records for a in r.authors)


# --------------------------------------------------------------------------------------------------
# Semantic Scholar


def test_s2_real_papers() -> None:
    records = by_id(read(FIX / "s2_papers.jsonl.gz")[0])
    r = records["s2:bbd83fa59a215b2917e43ec278defdff37cf6bd8"]
    assert r.title == "MACE-OFF: Short-Range Transferable Machine Learning Force Fields for Organic Molecules"
    assert (r.doi, r.arxiv_id, r.pmid, r.year) == ("10.1021/jacs.4c07099", "2312.15211", "40387214", 2023)
    assert r.venue == "Journal of the American Chemical Society" and len(r.authors) == 11
    lares = records["s2:85d9f66668f4ae3638b01a8d2f599bd43a63ed07"]
    assert lares.doi == "10.1109/ase63991.2025.00081"


def test_s2_search_response_and_fallback_venue(tmp_path: Path) -> None:
    papers = [json.loads(line) for line in gzip.open(FIX / "s2_papers.jsonl.gz", "rt")]
    p = tmp_path / "search.json"
    p.write_text(json.dumps({"total": 4, "offset": 0, "data": papers}))
    assert detect_format(p) == "s2" and len(read(p)[0]) == 4
    r = record_from_s2({"paperId": "p", "title": "T", "venue": "", "publicationVenue": {"name": "ICML"}})
    assert r.venue == "ICML"


@needs_shared
def test_s2_all_shared_papers() -> None:
    records, stats = read(SHARED / "data/records/s2_papers.jsonl.gz")
    assert len(records) == 45 and stats.skipped == 0


# --------------------------------------------------------------------------------------------------
# Registry: detection, bad input


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("crossref_items.jsonl.gz", "crossref"),
        ("works_10.1371_journal.pone.0033693.json", "crossref"),
        ("works_query_ecology_rows_2.json", "crossref"),
        ("corpus_dev_head.csl.jsonl.gz", "csl-json"),
        ("dblp_hits.jsonl.gz", "dblp"),
        ("dblp_sample.xml", "dblp"),
        ("s2_papers.jsonl.gz", "s2"),
        ("arxiv_snapshot_sample.jsonl", "arxiv"),
        ("arxiv_oai_arXiv.xml", "arxiv"),
        ("arxiv_oai_arXivRaw.xml", "arxiv"),
        ("arxiv_atom_astro-ph_0601001.xml", "arxiv"),
        ("hallmark_dev_sample.bib", "bibtex"),
    ],
)
def test_detect_format(name: str, fmt: str) -> None:
    assert detect_format(FIX / name) == fmt
    assert fmt in FORMATS


def test_detect_format_suffix_hints_and_errors(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text("Exported by some tool\n\nno entries yet\n")
    assert detect_format(bib) == "bibtex"
    odd = tmp_path / "odd.json"
    odd.write_text('{"foo": 1, "bar": 2}\n')
    with pytest.raises(DumpFormatError, match=r"unknown shape \(keys \['bar', 'foo'\]\)"):
        detect_format(odd)
    hint = tmp_path / "odd.csl.json"
    hint.write_text('[{"foo": 1, "title": "T"}]')
    assert detect_format(hint) == "csl-json"
    html = tmp_path / "page.xml"
    html.write_text("<!DOCTYPE html><html><body>Not found</body></html>")
    with pytest.raises(DumpFormatError, match=r"root <html>"):
        detect_format(html)
    with pytest.raises(DumpFormatError, match="unknown dump format 'marc'"):
        read_records(bib, fmt="marc")


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    with pytest.raises(DumpFormatError, match="empty"):
        detect_format(empty)
    for fmt in (None, *FORMATS):
        records, stats = read(empty, fmt)
        assert records == [] and stats.skipped == 0
    gz_empty = write_gz(tmp_path / "empty.gz", b"  \n")
    assert read(gz_empty) == ([], ReadStats(errors=[f"{gz_empty}: empty file"]))


def test_binary_junk_fails_clearly(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(1, 256)) * 400 + b"\x00\xff\xfe" * 1000)
    with pytest.raises(DumpFormatError, match="cannot detect the format"):
        detect_format(junk)
    with pytest.raises(DumpFormatError, match="cannot detect"):
        list(read_records(junk))
    for fmt in FORMATS:
        try:
            records, _ = read(junk, fmt)
        except DumpFormatError:
            continue  # a clear, deliberate error is fine
        assert records == []  # ... and so is reading nothing (BibTeX finds no entries)


@pytest.mark.parametrize("fmt", ["crossref", "dblp", "arxiv"])
def test_explicit_wrong_format_raises_instead_of_skipping_everything(tmp_path: Path, fmt: str) -> None:
    p = tmp_path / "refs.jsonl"
    p.write_text("".join(json.dumps({"id": f"r{i}", "title": f"T{i}"}) + "\n" for i in range(300)))
    stats = ReadStats()
    with pytest.raises(DumpFormatError, match=rf"none of the first 100 records could be read as {fmt}"):
        list(read_records(p, fmt, stats))
    assert stats.skipped == 100  # it stopped there instead of skipping through the whole file
    assert len(read(p)[0]) == 300  # detected as CSL-JSON, all fine


def test_read_records_many_paths_and_directories(tmp_path: Path) -> None:
    d = tmp_path / "crossref-dump"
    d.mkdir()
    (d / "0.json.gz").write_bytes((FIX / "crossref_items.jsonl.gz").read_bytes())
    (d / "1.json").write_text((FIX / "works_query_ecology_rows_2.json").read_text())
    (d / ".hidden").write_text("ignored")
    stats = ReadStats()
    records = list(
        read_records([d, FIX / "dblp_sample.xml", str(FIX / "hallmark_dev_sample.bib")], stats=stats)
    )
    assert len(records) == 8 + 2 + 8 + 5
    assert stats.read == len(records) and stats.skipped == 2
    assert {r.source for r in records} == {"crossref", "dblp", "bibtex"}


def test_readers_accept_open_source_and_are_lazy() -> None:
    gen = read_records(FIX / "arxiv_snapshot_sample.jsonl")
    assert next(gen).id == "arxiv:0704.0001"
    with opened(FIX / "arxiv_snapshot_sample.jsonl") as src:
        assert len(list(read_arxiv(src))) == 4
    assert len(list(read_crossref(FIX / "crossref_items.jsonl.gz"))) == 8
    assert len(list(read_csl(FIX / "corpus_dev_head.csl.jsonl.gz"))) == 6
    assert len(list(read_s2(FIX / "s2_papers.jsonl.gz"))) == 4
    assert len(list(read_bibtex(FIX / "hallmark_dev_sample.bib"))) == 5


@needs_shared
def test_real_hallmark_corpus_ids_kept() -> None:
    records, stats = read(SHARED / "data/hallmark/corpus_dev.csl.jsonl.gz")
    assert len(records) == 1008 and stats.skipped == 0
    ids = [
        json.loads(line)["id"] for line in gzip.open(SHARED / "data/hallmark/corpus_dev.csl.jsonl.gz", "rt")
    ]
    assert [r.id for r in records] == ids
    assert "hm-Abbas2021combinatorial-1a36f8" in ids


def test_flat_braced_values_read_as_the_token_scan_reads_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """`_FLAT_GROUP` (a braced value with no brace or line break inside) is a shortcut of `_match_close`:
    the bundled real dev entries, and 300 copies of them with braces, parentheses, quotes, `@` and line
    breaks thrown in, parse the same with it and without it."""
    import random
    import re

    from citeproof.connectors import bibtex
    from tests.conftest import load_dev_sample, to_bibtex

    real = (FIX / "hallmark_dev_sample.bib").read_text(encoding="utf-8") + "".join(to_bibtex(e) for e in load_dev_sample())
    rng = random.Random(11)
    texts = [real, "@article{k, title = {A (B) C}, note = {x@y.z}, author = {{Li}, Wei and D{\\\"o}e}, journal = {Multi\nline}}"]
    for _ in range(300):
        chars = list(real[rng.randrange(len(real) - 3000) :][:3000])
        for _ in range(rng.randrange(1, 10)):
            chars.insert(rng.randrange(len(chars)), rng.choice(["{", "}", "\n", "(", ")", "\n@misc{", '"', "@", "\\{"]))
        texts.append("".join(chars))

    def parsed() -> list[list[tuple[str, str, dict[str, str], int, int]]]:
        return [[(e.key, e.type, e.fields, e.start, e.end) for e in parse_bibtex(t)] for t in texts]

    fast = parsed()
    assert fast[1][0][2] == {"title": "A (B) C", "note": "x@y.z", "author": '{Li}, Wei and D{\\"o}e', "journal": "Multi line"}
    monkeypatch.setattr(bibtex, "_FLAT_GROUP", re.compile(r"(?!)"))  # (never matches: every value scanned)
    assert parsed() == fast
