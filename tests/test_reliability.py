"""Reliability: hostile and broken input, damaged dumps, kill -9 during index writes, network faults,
the service's limits and index files from untrusted sources.

Select with `pytest -m reliability`; it also runs with the normal suite. Everything runs against the
real embedding model, real records and real sockets (no fake embedder, no mocked transport), because
the failures these tests exist for (a regex that backtracks on a 1 MB line, a half-written index
after SIGKILL, a body that trickles in) only show up with the real thing. What was tried and what
came out is written up in docs_reliability.md.
"""

from __future__ import annotations

import asyncio
import gzip
import importlib
import inspect
import json
import os
import pkgutil
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.load_service import MAX_REQUESTS, fire
from citeproof.connectors import FORMATS, read_records
from citeproof.connectors.live import Arxiv, Crossref, DataCite, OpenAlex
from citeproof.connectors.xmlstream import _resolve_entities
from citeproof.errors import DumpFormatError, IndexCorruptError, InputError
from citeproof.index import Index, Query, build_index, load_manifest
from citeproof.index.core import VERIFY_CHECKSUMS_ENV
from citeproof.index.embed import minilm_model_path
from citeproof.index.layout import MANIFEST, RECORDS, VECTORS
from citeproof.index.manifest import Manifest
from citeproof.index.static import shipped_model_dir
from citeproof.index.update import add_records
from citeproof.models import ReadStats, Record, Status
from citeproof.service import background, create_app, serve
from citeproof.verifier import Verifier
from citeproof.verifier.extract import extract_citations
from citeproof.verifier.online import OnlineResolver
from tests.conftest import DATA, FAKE, HALLMARK_TODAY, REAL, ROOT

pytestmark = pytest.mark.reliability

DUMPS = ROOT / "tests" / "fixtures" / "dumps"
CORPUS = DATA / "hallmark_corpus_dev.csl.jsonl.gz"  # 1,008 real records
CLI = (sys.executable, "-c", "from citeproof.cli import main; main()")
MB = 1_000_000
FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One directory for the files property tests write (hypothesis reruns a test body many times)."""
    return tmp_path_factory.mktemp("reliability")


@pytest.fixture(scope="module")
def warm(verifier: Verifier) -> Verifier:
    """The shared real verifier with its model loaded, so timings measure verification, not start-up."""
    verifier.verify(FAKE)  # a title the index does not hold: needs the embedding model
    return verifier


def _copy_index(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def _hidden_siblings(out: Path) -> list[str]:
    """Staging (`.NAME.tmp-PID`) and set-aside (`.NAME.old-PID`) directories beside an index."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


# ===================================================================================================
# Hostile and broken input: dump readers
#
# Contract: on any bytes, `read_records` yields Records or raises `InputError` (`DumpFormatError`)
# with a message; every record it could not use is counted in `ReadStats`.

# Real dumps of each format (small fixtures), damaged by the strategies below.
SAMPLES: dict[str, tuple[str, ...]] = {
    "csl-json": ("corpus_dev_head.csl.jsonl.gz",),
    "crossref": ("crossref_items.jsonl.gz", "works_query_ecology_rows_2.json"),
    "arxiv": ("arxiv_snapshot_sample.jsonl", "arxiv_oai_arXiv.xml", "arxiv_atom_astro-ph_0601001.xml"),
    "dblp": ("dblp_sample.xml", "dblp_hits.jsonl.gz"),
    "bibtex": ("hallmark_dev_sample.bib",),
    "s2": ("s2_papers.jsonl.gz",),
}
# Bytes that break parsers: delimiters, stray escapes, invalid UTF-8, a BOM, NUL, entity starts.
NASTY = st.sampled_from(
    [b"\x00", b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"{", b"}", b"[", b"]", b'"', b"\\",
     b",", b":", b"<", b">", b"&", b"&ouml", b"&#x0;", b"@", b"\n", b"\r", b"(", b"<!DOCTYPE x [", b"]]>",
     b"<![CDATA[", b"1e999", b"-", b"null", b"[]", b"{}", b'"title": 5', b"\\u0000", b"\\ud800", b"@string{"]
)  # fmt: skip


def _plain(name: str) -> bytes:
    data = (DUMPS / name).read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


@st.composite
def damaged_dumps(draw: st.DrawFn, fmt: str) -> tuple[str, bytes]:
    """A real dump of `fmt` (or random bytes) with insertions, deletions, duplicated spans and a cut,
    stored plain, gzipped, or gzipped and truncated: what interrupted downloads and bad exports make."""
    name = draw(st.sampled_from([*SAMPLES[fmt], "junk.bin"]))
    data = bytearray(draw(st.binary(max_size=3000)) if name == "junk.bin" else _plain(name))
    for _ in range(draw(st.integers(0, 8))):
        i = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(("insert", "delete", "overwrite", "duplicate", "cut")))
        if op == "insert":
            data[i:i] = draw(NASTY)
        elif op == "delete":
            del data[i : i + draw(st.integers(1, 64))]
        elif op == "overwrite":
            data[i : i + 1] = draw(NASTY)
        elif op == "duplicate":
            j = min(len(data), i + draw(st.integers(1, 512)))
            data[j:j] = data[i:j]
        else:
            del data[i:]
    out = bytes(data)
    packing = draw(st.sampled_from(("plain", "gzip", "gzip-cut")))
    if packing != "plain":
        out = gzip.compress(out, mtime=0)
        if packing == "gzip-cut":
            out = out[: draw(st.integers(0, len(out) - 1))]
    return name, out


# Keys every JSON reader looks at, so that generated records reach the field code with wrong types.
JSON_KEYS = st.sampled_from(
    ["id", "title", "author", "authors", "editor", "DOI", "doi", "URL", "url", "issued", "published",
     "created", "container-title", "collection-title", "type", "PMID", "message", "message-type", "items",
     "info", "hit", "hits", "result", "key", "year", "venue", "ee", "externalIds", "ArXiv", "PubMed",
     "paperId", "publicationVenue", "publicationDate", "journal", "authors_parsed", "versions", "version",
     "submitter", "journal-ref", "update_date", "date-parts", "family", "given", "name", "literal", "text",
     "data", "status", "deleted", "@score"]
)  # fmt: skip
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["2020", "May 2021", "10.1000/x.y", "arXiv:1706.03762", "", " ", "Smith, J.", "{\\\"o}"])
)
# Dates as CSL and Crossref write them, with any year in them (1e999 crashed year_of once).
JSON_SCALARS |= st.builds(lambda y: {"date-parts": [[y]]}, JSON_SCALARS)
JSON_VALUES = st.recursive(
    JSON_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(JSON_KEYS, inner, max_size=4), max_leaves=12
)


@st.composite
def json_dumps(draw: st.DrawFn) -> bytes:
    """JSON lines, an array, or a wrapped API page of records whose fields have arbitrary types."""
    records = draw(st.lists(st.dictionaries(JSON_KEYS, JSON_VALUES, max_size=8), max_size=6))
    layout = draw(st.sampled_from(("lines", "array", "crossref-page", "dblp-search", "s2-search")))
    if layout == "lines":
        return "".join(json.dumps(r) + "\n" for r in records).encode()
    wrapped: Any = {
        "array": records,
        "crossref-page": {"message-type": "work-list", "message": {"items": records}},
        "dblp-search": {"result": {"hits": {"hit": records}}},
        "s2-search": {"total": len(records), "data": records},
    }[layout]
    return json.dumps(wrapped).encode()


def read_or_refuse(path: Path, fmt: str | None) -> tuple[list[Record], ReadStats] | InputError:
    """Read a dump whole. Anything but `InputError` escapes and fails the calling test."""
    stats = ReadStats()
    try:
        records = list(read_records(path, fmt, stats))
    except InputError as e:
        assert str(e).strip(), "an error without a message"
        return e
    assert stats.read == len(records)
    assert all(isinstance(r, Record) and r.title.strip() and r.id for r in records)
    return records, stats


@pytest.mark.parametrize("fmt", [*FORMATS, None], ids=[*FORMATS, "detected"])
@FUZZ
@given(data=st.data())
def test_every_reader_survives_damaged_real_dumps(scratch: Path, fmt: str | None, data: st.DataObject) -> None:
    name, blob = data.draw(damaged_dumps(fmt or data.draw(st.sampled_from(FORMATS))))
    path = scratch / name
    path.write_bytes(blob)
    read_or_refuse(path, fmt)


@pytest.mark.parametrize("fmt", [*FORMATS, None], ids=[*FORMATS, "detected"])
@FUZZ
@given(blob=json_dumps())
def test_every_reader_survives_records_of_any_shape(scratch: Path, fmt: str | None, blob: bytes) -> None:
    path = scratch / "records.json"
    path.write_bytes(blob)
    read_or_refuse(path, fmt)


BROKEN_JSON_LINES = [
    '{"id": "cut", "title": ',  # a line cut short
    '{"id": "no-title", "author": [{"family": "Doe"}]}',  # no title: nothing to match against
    '{"id": "empty", "title": "   "}',
    '{"id": "wrong-type", "title": {"nested": true}}',
    '{"id": "trailing", "title": "T"} garbage',
    "[1, 2",
    "\x00\x01\x02 binary",
]


@FUZZ
@given(
    good=st.integers(1, 25),
    broken=st.lists(st.sampled_from(BROKEN_JSON_LINES), max_size=10),
    rng=st.randoms(use_true_random=False),
)
def test_malformed_json_lines_are_skipped_and_counted_with_their_line_numbers(
    scratch: Path, good: int, broken: list[str], rng: random.Random
) -> None:
    real = gzip.decompress(CORPUS.read_bytes()).decode().splitlines()[:good]
    lines = [real[0]]  # a good first line: format sniffing reads JSON lines from it
    rest = real[1:] + broken
    rng.shuffle(rest)
    lines += rest
    path = scratch / "mixed.csl.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = read_or_refuse(path, "csl-json")
    assert not isinstance(result, InputError), result
    _, stats = result
    assert (stats.read, stats.skipped) == (good, len(broken))
    expected = sorted(n for n, line in enumerate(lines, 1) if line in BROKEN_JSON_LINES)
    assert sorted(int(e.split(":")[1]) for e in stats.errors) == expected
    assert all(e.startswith(f"{path}:") for e in stats.errors)


@FUZZ
@given(
    good=st.integers(1, 15),
    broken=st.lists(st.sampled_from(["unclosed", "no-title"]), max_size=6),
    rng=st.randoms(use_true_random=False),
)
def test_broken_bibtex_entries_are_skipped_and_counted_with_their_line_numbers(
    scratch: Path, good: int, broken: list[str], rng: random.Random
) -> None:
    entries = [("good", f"@article{{g{i},\n  title = {{Real title {i}}},\n  year = 2020\n}}") for i in range(good)]
    entries += [
        (kind, f"@article{{b{i},\n  title = {{Never closed\n" if kind == "unclosed" else f"@misc{{n{i},\n  year = 2020\n}}")
        for i, kind in enumerate(broken)
    ]
    rng.shuffle(entries)
    text, starts, line = "", [], 1
    for kind, entry in entries:
        starts.append((kind, line))
        text += entry + "\n"
        line += entry.count("\n") + 1
    path = scratch / "refs.bib"
    path.write_text(text, encoding="utf-8")
    result = read_or_refuse(path, "bibtex")
    assert not isinstance(result, InputError), result
    _, stats = result
    assert (stats.read, stats.skipped) == (good, len(broken))
    assert sorted(int(e.split(":")[1]) for e in stats.errors) == sorted(n for kind, n in starts if kind != "good")


def test_build_reports_skipped_records_with_file_and_line(dev_index_dir: Path, tmp_path: Path) -> None:
    real = gzip.decompress(CORPUS.read_bytes()).decode().splitlines()[:30]
    lines = [*real[:10], BROKEN_JSON_LINES[0], *real[10:20], BROKEN_JSON_LINES[1], *real[20:]]
    src = tmp_path / "mixed.csl.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    m = build_index([src], tmp_path / "idx", fmt="csl-json")
    assert (m.count, m.skipped) == (30, 2)
    assert [e.split(": ")[0] for e in m.skipped_examples] == [f"{src}:11", f"{src}:22"]


# -- gigantic fields: every reader stays linear -----------------------------------------------------

# 100 KB of each of these in every text field of a real record of every format (1-10 MB a file).
# Several were quadratic (arXiv ids, dblp homonym numbers, arXiv author lists) before being fixed:
# 40 KB took 10-40 s there. Linear code reads each file in under 2 s; the limit is 5 s for slow CI.
GIANT_LEN = 100_000


def _giant(unit: str) -> str:
    return (unit * (GIANT_LEN // len(unit) + 1))[:GIANT_LEN]


GIANT = {
    **{name: _giant(unit) for name, unit in [("letters", "a"), ("digits", "1"), ("parens", "("), ("braces", "{"),
                                             ("hyphenated", "a-"), ("arxiv", "arxiv"), ("latex", "\\'"), ("markup", "<i>")]},
    "inner_spaces": "a" + " " * GIANT_LEN + "b",  # survives strip()
}  # fmt: skip


# Identifiers stay real so that the record gets past its id checks into the code for every field.
KEEP = frozenset({"id", "DOI", "paperId", "key", "type", "identifier", "datestamp"})


def _fill_strings(value: Any, h: str) -> Any:
    """`value` with every string replaced by `h` (titles keep a word in front, so they stay titles)."""
    if isinstance(value, dict):
        return {
            k: v if k in KEEP else "T " + h if k == "title" else _fill_strings(v, h) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_fill_strings(v, h) for v in value]
    return h if isinstance(value, str) else value


def _giant_dump(fmt: str, h: str) -> tuple[str, bytes]:
    """The first record of a real dump of `fmt` with every text field set to `h`."""
    import xml.etree.ElementTree as ET

    if fmt in ("dblp", "arxiv-oai"):
        name = "dblp_sample.xml" if fmt == "dblp" else "arxiv_oai_arXiv.xml"
        text = _plain(name).decode("latin-1" if fmt == "dblp" else "utf-8")
        root = ET.fromstring(_resolve_entities(text))  # dblp's &ouml; without its DTD
        for parent in list(root.iter()):  # keep one publication record
            records = [c for c in parent if c.tag.rsplit("}", 1)[-1] in ("record", "article", "inproceedings")]
            for extra in records[1:]:
                parent.remove(extra)
        for el in root.iter():
            tag = el.tag.rsplit("}", 1)[-1]
            if el.text and el.text.strip() and len(el) == 0 and tag not in KEEP:
                el.text = ("T " + h) if tag == "title" else h
        return name, ET.tostring(root, encoding="utf-8")
    if fmt == "bibtex":
        fields = ("author", "editor", "journal", "booktitle", "doi", "url", "eprint", "note", "year", "pmid")
        body = ",\n".join(f"  {f} = {{{h}}}" for f in fields)
        return "giant.bib", f"@article{{key,\n  title = {{T {h}}},\n{body}\n}}\n".encode()
    name = {"csl-json": "corpus_dev_head.csl.jsonl.gz", "crossref": "crossref_items.jsonl.gz",
            "s2": "s2_papers.jsonl.gz", "arxiv": "arxiv_snapshot_sample.jsonl"}[fmt]  # fmt: skip
    first = json.loads(_plain(name).splitlines()[0])
    return name.removesuffix(".gz"), (json.dumps(_fill_strings(first, h)) + "\n").encode()


@pytest.mark.parametrize("fmt", ["csl-json", "crossref", "s2", "arxiv", "arxiv-oai", "dblp", "bibtex"])
def test_gigantic_fields_are_read_in_linear_time(scratch: Path, fmt: str) -> None:
    slow = {}
    for family, giant in GIANT.items():
        name, blob = _giant_dump(fmt, giant)
        path = scratch / f"giant-{name}"
        path.write_bytes(blob)
        t0 = time.process_time()  # CPU time of this process: other jobs on the machine do not count
        read_or_refuse(path, fmt.removesuffix("-oai"))
        took = time.process_time() - t0
        if took > 5.0:
            slow[family] = round(took, 1)
    assert not slow, f"{fmt}: seconds to read one record with 100 KB fields: {slow}"


# ===================================================================================================
# Hostile input: the extractor, every regex, and Verifier.verify end to end

CITATION_BITS = st.sampled_from(
    ["Smith", "J.", "Doe, R.", "et al.", "(2020)", "(", ")", "[1]", "1.", "doi:10.1000/xyz", "10.1109/CVPR.2016.90",
     "arXiv:1706.03762", "https://arxiv.org/abs/", '"', "“", "Attention is all you need", ",", ".", "&", "and",
     "\n", "\n\n", "References", "@article{k,", "}", "{", "title = {", "https://doi.org/", "```", "# ", "- ", "*",
     "Proc.", "NeurIPS", "2017", "pp. 1-9", "vol. 3", "In", ":", ";", " ", "\t", "\x00", "\ufffd", "\\'e", "$x$"]
)  # fmt: skip
CITATION_TEXT = st.lists(CITATION_BITS | st.text(max_size=4), max_size=80).map("".join)


@FUZZ
@given(text=CITATION_TEXT)
def test_extractor_never_raises_and_spans_point_into_the_text(text: str) -> None:
    for c in extract_citations(text):
        assert 0 <= c.start < c.end <= len(text)
        assert text[c.start : c.end] == c.raw


@settings(FUZZ, max_examples=25)
@given(text=CITATION_TEXT)
def test_verifier_never_raises_and_always_gives_a_verdict(warm: Verifier, text: str) -> None:
    report = warm.verify(text)
    assert report.summary.total == len(report.citations)
    assert all(c.status in Status and c.reasons for c in report.citations)


# The issue's list (1 MB each), plus the inputs that were quadratic before this suite.
HOSTILE_TEXTS = {
    "parens": "(" * MB,
    "et_al": "et al. " * (MB // 7),
    "smith_et_al": "Smith et al., " * (MB // 14),
    "digits": "1" * MB,
    "open_braces": "{" * MB,
    "close_braces": "}" * MB,
    "bibtex_unbalanced": "@article{k,\n title = {" + "{" * MB,
    "nul_bytes": "\x00" * MB,
    "eprint_letters": "@article{k, title = {Sparse routing of experts}, eprint = {" + "a" * MB + "}}",
    "arxiv_in_journal": "@article{k, title = {Sparse routing of experts}, journal = {" + "arxiv" * (MB // 25) + "}}",
    "one_huge_reference": "1. Smith, J. (2020). " + "word " * (MB // 5) + ". Journal.",
    # 2,000 unclosed BibTeX entries: 2,000 equal citations (took 7.6 s when each was looked up alone)
    "bibtex_unclosed_repeated": "@inproceedings{k,\n title = {Unclosed\n author = A and B\n" * 2000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE_TEXTS))
def test_hostile_text_verifies_in_under_two_seconds(warm: Verifier, name: str) -> None:
    t0 = time.perf_counter()
    report = warm.verify(HOSTILE_TEXTS[name])
    took = time.perf_counter() - t0
    assert took < 2.0, f"{name}: {took:.1f}s"
    assert all(c.status in Status for c in report.citations)


# Catastrophic (exponential) backtracking shows on strings of a few dozen characters; 1,000 is far
# past that while quadratic searches still cost well under a second. End-to-end tests above cover
# quadratic behaviour at the sizes that reach each pattern.
REGEX_UNITS = ("(", "( ", "et al. ", "1", "{", "}", "a", " ", "A. ", "Smith, J., ", "10.", "@a{", ".,", "a-",
               "\\'", "&", "Aa ", "ab.", '"', "[1]", "-1", "arxiv", "\t\n", "<i>", "$", "#", "é", "--", "\\")  # fmt: skip


def _module_patterns() -> dict[str, re.Pattern[Any]]:
    import citeproof.connectors
    import citeproof.index
    import citeproof.verifier

    found: dict[str, re.Pattern[Any]] = {}
    for pkg in (citeproof.connectors, citeproof.index, citeproof.verifier):
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            try:
                module = importlib.import_module(info.name)
            except ImportError:
                continue  # an optional extra that is not installed
            for attr, value in vars(module).items():
                if isinstance(value, re.Pattern):
                    found.setdefault(f"{info.name}.{attr}", value)
    return found


def scan_regexes(n: int = 1000, budget_s: float = 1.0) -> None:
    """Child-process side of `test_no_regex_backtracks_catastrophically`: prints each pattern before
    trying it (so a hang names its pattern) and SLOW lines for searches over the budget."""
    for name, pattern in sorted(_module_patterns().items()):
        print("TRY", name, flush=True)
        for unit in REGEX_UNITS:
            s = (unit * (n // len(unit) + 1))[:n] + "\x00!"
            subject: Any = s.encode() if isinstance(pattern.pattern, bytes) else s
            t0 = time.perf_counter()
            pattern.search(subject)
            for _ in islice(pattern.finditer(subject), 1000):
                pass
            if (took := time.perf_counter() - t0) > budget_s:
                print("SLOW", name, repr(unit), f"{took:.2f}s", flush=True)
    print("DONE", flush=True)


def test_no_regex_backtracks_catastrophically() -> None:
    code = "from tests.test_reliability import scan_regexes; scan_regexes()"
    try:
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120).stdout
    except subprocess.TimeoutExpired as e:
        tried = [ln for ln in (e.stdout or b"").decode().splitlines() if ln.startswith("TRY")]
        pytest.fail(f"a regex search did not finish: {tried[-1] if tried else 'before the first pattern'}")
    assert out.rstrip().endswith("DONE"), out[-2000:]
    assert out.count("TRY") > 50  # the scan found the patterns
    assert "SLOW" not in out, [ln for ln in out.splitlines() if ln.startswith("SLOW")]


# -- the CLI: clear errors, never a traceback -------------------------------------------------------


def cli(*args: object, stdin: bytes | None = None, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run `citeproof` in a fresh process; return (exit code, stderr) after checking no traceback leaked."""
    r = subprocess.run(
        [*CLI, *map(str, args)], input=stdin, capture_output=True, cwd=ROOT, timeout=180,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    err = r.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    return r.returncode, err


def test_cli_refuses_broken_input_with_a_message_and_no_traceback(dev_index_dir: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(random.Random(1).randbytes(50_000))
    nul = tmp_path / "nul.txt"
    nul.write_bytes(REAL.encode() + b"\x00" * 100)
    huge_line = tmp_path / "line.txt"
    huge_line.write_bytes(b"(" * 3 * MB)
    cut = tmp_path / "cut.csl.jsonl.gz"
    cut.write_bytes(CORPUS.read_bytes()[: CORPUS.stat().st_size // 2])
    idx = str(dev_index_dir)
    cases: list[tuple[tuple[object, ...], bytes | None, str]] = [
        (("verify", junk, "--index", idx), None, "binary"),
        (("verify", nul, "--index", idx), None, "binary"),
        (("verify", "-", "--index", idx), b"\x1f\x8b" + b"\x00" * 100, "gzip"),
        (("verify", huge_line, "--index", idx, "--max-bytes", 1_000_000), None, "larger than 1,000,000 bytes"),
        (("verify", tmp_path / "missing.md", "--index", idx), None, "no such file"),
        (("verify", "-", "--index", tmp_path), REAL.encode(), "not a citeproof index"),
        (("index", "add", idx, junk), None, "cannot detect the format"),
        (("index", "build", cut, "--out", tmp_path / "idx"), None, "truncated or corrupt gzip"),
    ]
    for args, stdin, message in cases:
        code, err = cli(*args, stdin=stdin)
        assert code == 2 and message in err, (args, code, err)
    assert not (tmp_path / "idx").exists() and _hidden_siblings(tmp_path / "idx") == []


def test_cli_reads_invalid_utf8_and_giant_lines(dev_index_dir: Path, tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("See doi:10.1109/CVPR.2016.90 (R\xe9sum\xe9).\n".encode("latin-1"))
    code, _ = cli("verify", latin1, "--index", dev_index_dir)
    assert code in (0, 1)
    giant = tmp_path / "giant.txt"
    giant.write_bytes(b"et al. " * (3 * MB // 7))  # one 3 MB line
    t0 = time.perf_counter()
    code, _ = cli("verify", giant, "--index", dev_index_dir)
    assert code == 0 and time.perf_counter() - t0 < 30


# ===================================================================================================
# Dumps: a truncated .gz is an error, and nothing of it is indexed


def test_truncated_gzip_fails_the_build_and_writes_nothing(dev_index_dir: Path, tmp_path: Path) -> None:
    cut = tmp_path / "corpus.csl.jsonl.gz"
    cut.write_bytes(CORPUS.read_bytes()[: CORPUS.stat().st_size // 2])
    out = tmp_path / "new"
    # small batches: several are stored and embedded before the damage is reached
    with pytest.raises(DumpFormatError, match=r"corpus\.csl\.jsonl\.gz: truncated or corrupt gzip .*offset \d+"):
        build_index([cut], out, fmt="csl-json", batch_size=64)
    assert not out.exists() and _hidden_siblings(out) == []
    previous = _copy_index(dev_index_dir, tmp_path / "previous")
    before = (previous / MANIFEST).read_bytes()
    with pytest.raises(DumpFormatError, match="truncated"):
        build_index([cut], previous, fmt="csl-json", batch_size=64)
    assert (previous / MANIFEST).read_bytes() == before and _hidden_siblings(previous) == []
    assert len(Index(previous, verify_checksums=True)) == 1027


# ===================================================================================================
# Crash safety: SIGKILL during `index build` and `index add`
#
# Each drill runs the real command in a child process on real records with the real model, three
# times, each from the same previous index, killed at a seeded point of one phase: late (the new
# index is written: hashing, manifest, the renames), mid (after the staging directory appeared:
# model loading, embedding, writing) and early (start-up, before anything is written). The late run
# is timed first and the mid and early points are fractions of its phases, so that the kills land
# in the same phases on fast and slow machines.


def _wait_until(cond: Callable[[], bool], proc: subprocess.Popen[bytes], limit: float = 120.0) -> float | None:
    """`time.monotonic()` when `cond()` first held while `proc` ran; None if it ended first."""
    end = time.monotonic() + limit
    while time.monotonic() < end and proc.poll() is None:
        if cond():
            return time.monotonic()
        time.sleep(0.002)
    return None


def _rewritten(path: Path, since: float) -> Callable[[], bool]:
    """Whether `path` was (re)written after `since` (wall time): `index add` starts from a copy
    whose files keep their old modification times, so existence alone says nothing."""
    return lambda: path.exists() and path.stat().st_mtime >= since


def _check_after_kill(out: Path, before: Manifest) -> str:
    """The index in `out` must open, pass its checksums and agree on its count, whatever was killed."""
    manifest = load_manifest(out, verify_checksums=True)
    index = Index(out, verify_checksums=True)
    try:
        assert len(index) == manifest.count == index.vectors.ntotal == index.store.count()
        last = index.store.get_rows([manifest.count])[manifest.count]
        assert last.id in {h.record.id for h in index.search([Query(title=last.title)])[0]}
    finally:
        index.close()
    return "previous index intact" if manifest == before else "new index complete"


def _crash_drill(out: Path, args: list[str], seed: int) -> list[str]:
    """Kill `citeproof ARGS` (which rewrites the index in `out`) late, mid and early; check after each.

    `out` is put back as it was before each run (a late kill may come after the swap, and an `add`
    that finds every record already there has nothing to kill); what killed runs left beside it stays.
    A mid run that finishes before its kill (the machine got faster than during the timed run) is
    repeated with half the delay, so that a half-written staging directory is always left behind.
    """
    rng = random.Random(seed)
    outcomes: list[str] = []
    phases: dict[str, float] = {}
    pristine = _copy_index(out, out.parent / "pristine")
    before = load_manifest(out)
    fractions = {"late": 0.0, "mid": rng.uniform(0.15, 0.5), "early": rng.uniform(0.1, 0.9)}
    for phase, fraction in fractions.items():
        for attempt in range(3):
            shutil.rmtree(out)
            shutil.copytree(pristine, out)
            killed_at, alive, staging = _kill_once(args, out, phase, fraction / 2**attempt, phases, rng)
            if alive or phase != "mid":
                break
        state = _check_after_kill(out, before)
        left = _hidden_siblings(out)
        if phase == "mid":
            assert alive and staging.name in left, "the mid kill must leave a half-written staging directory"
        outcomes.append(f"{phase}: SIGKILL at {killed_at:.2f}s{'' if alive else ' (after exit)'}: {state}; left {left}")
    return outcomes


def _kill_once(
    args: list[str], out: Path, phase: str, fraction: float, phases: dict[str, float], rng: random.Random
) -> tuple[float, bool, Path]:
    """One run of `citeproof ARGS`, SIGKILLed in `phase`; the late run records the phase durations
    in `phases`. Returns (seconds after start, whether it was still running, its staging directory)."""
    started_wall, started = time.time(), time.monotonic()
    proc = subprocess.Popen([*CLI, *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    staging = out.parent / f".{out.name}.tmp-{proc.pid}"
    try:
        if phase == "late":
            staged = _wait_until(staging.is_dir, proc)
            written = _wait_until(_rewritten(staging / VECTORS, started_wall), proc)
            assert staged is not None and written is not None, "the run ended before it was killed"
            phases.update(staged=staged - started, embedding=written - staged)
            time.sleep(rng.uniform(0.0, 0.02))
        elif phase == "mid":
            assert _wait_until(staging.is_dir, proc) is not None
            time.sleep(fraction * phases["embedding"])
        else:
            time.sleep(fraction * phases["staged"])
        alive = proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        return time.monotonic() - started, alive, staging
    finally:
        proc.kill()
        proc.wait()


def _assert_stale_dirs_cleared(out: Path, run: Callable[[], Manifest]) -> Manifest:
    """The next build or update of `out` clears what the killed runs left (their processes are dead)."""
    manifest = run()
    assert _hidden_siblings(out) == []
    index = Index(out, verify_checksums=True)
    assert len(index) == manifest.count == index.vectors.ntotal
    index.close()
    return manifest


def test_a_kill_between_the_two_renames_is_recovered_by_the_next_update(dev_index_dir: Path, tmp_path: Path) -> None:
    """The one instant renames cannot cover: the old index set aside, the new one not yet in place."""
    out = _copy_index(dev_index_dir, tmp_path / "idx")
    before = load_manifest(out)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # its pid now names no process
    out.rename(tmp_path / f".idx.old-{gone.pid}")
    _copy_index(dev_index_dir, tmp_path / f".idx.tmp-{gone.pid}")  # the staged new index, never moved
    assert add_records(out, []).count == before.count
    assert _hidden_siblings(out) == []
    Index(out, verify_checksums=True).close()


def test_kill_9_during_index_build_leaves_a_readable_index(dev_index_dir: Path, tmp_path: Path) -> None:
    out = _copy_index(dev_index_dir, tmp_path / "idx")  # 1,027 records; a rebuild from CORPUS has 1,008
    args = ["index", "build", str(CORPUS), "--format", "csl-json", "--out", str(out), "--batch-size", "128"]
    outcomes = _crash_drill(out, args, seed=20261127)
    print("\n".join(["index build:", *outcomes]))
    assert any(".tmp-" in o for o in outcomes)
    small = tmp_path / "one.csl.json"
    small.write_text(json.dumps([{"id": "x1", "title": "A title of a real enough work"}]), encoding="utf-8")
    assert _assert_stale_dirs_cleared(out, lambda: build_index([small], out, fmt="csl-json")).count == 1


def test_kill_9_during_index_add_leaves_a_readable_index(dev_index_dir: Path, tmp_path: Path) -> None:
    out = _copy_index(dev_index_dir, tmp_path / "idx")
    new = DATA / "crossref_items.jsonl.gz"  # 352 real Crossref records the index does not hold
    outcomes = _crash_drill(out, ["index", "add", str(out), str(new)], seed=11272026)
    print("\n".join(["index add:", *outcomes]))
    stats = ReadStats()
    after = _assert_stale_dirs_cleared(out, lambda: add_records(out, read_records(new, stats=stats), stats))
    assert after.count > 1027


# ===================================================================================================
# Network faults, through Verifier(online=OnlineResolver(...)), on real sockets
#
# tests/test_live.py drives each failure through mocked transports and a manual clock; here a local
# server misbehaves on real TCP connections and the whole verification is timed on the real clock.

NOT_IN_INDEX = (
    "1. Shannon, C. E. (1948). A mathematical theory of communication. Bell System Technical Journal, 27(3), "
    "379-423. https://doi.org/10.1002/j.1538-7305.1948.tb01338.x\n"
    "2. Lecun, Y., Bottou, L., Bengio, Y., & Haffner, P. (1998). Gradient-based learning applied to document "
    "recognition. Proceedings of the IEEE. https://doi.org/10.1109/5.726791\n"
)
BUDGET_S = 1.5


class _Faulty(BaseHTTPRequestHandler):
    """Answers every request with the fault named by the server's `mode`."""

    server: _FaultyServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.server.hits += 1
        mode = self.server.mode
        if mode == "reset":  # RST instead of an answer: ConnectionResetError on the client
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if mode == "stall":  # accepts, then never answers
            time.sleep(30)
            return
        if mode == "429":
            self._answer(429, b"", {"Retry-After": "1"})
        elif mode == "html":  # a captive portal or an error page served as 200
            self._answer(200, b"<html><body>Service Unavailable</body></html>", {"Content-Type": "text/html"})
        elif mode == "slow-body":  # headers at once, then the body one byte every 50 ms
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(100_000):
                    self.wfile.write(b" ")
                    time.sleep(0.05)
            except OSError:
                pass  # the client gave up
            self.close_connection = True

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class _FaultyServer(ThreadingHTTPServer):
    daemon_threads = True
    mode = "reset"
    hits = 0


class _ToLocal(requests.adapters.HTTPAdapter):
    """Sends every request to the local server, path and query kept: the live clients build their
    real URLs (and cache keys) while the network misbehaves on cue."""

    def __init__(self, netloc: str) -> None:
        super().__init__()
        self.netloc = netloc

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        parts = urlsplit(request.url or "")
        request.url = urlunsplit(("http", self.netloc, parts.path, parts.query, ""))
        return super().send(request, **kwargs)


@pytest.fixture(scope="module")
def faulty() -> Iterator[_FaultyServer]:
    server = _FaultyServer(("127.0.0.1", 0), _Faulty)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def _online_verifier(index_dir: Path, server: _FaultyServer) -> Verifier:
    netloc = f"127.0.0.1:{server.server_address[1]}"
    sources = []
    for cls in (Crossref, DataCite, OpenAlex, Arxiv):  # each with its own session: Accept differs
        session = requests.Session()
        session.mount("http://", _ToLocal(netloc))
        session.mount("https://", _ToLocal(netloc))
        sources.append(cls("ci@example.org", session=session, cache=False))
    return Verifier(index_dir, today=HALLMARK_TODAY, online=OnlineResolver(sources, budget_s=BUDGET_S))


@pytest.mark.parametrize("mode", ["reset", "429", "slow-body", "html", "stall"])
def test_network_faults_make_citations_unverifiable_within_the_budget(
    dev_index_dir: Path, warm: Verifier, faulty: _FaultyServer, mode: str
) -> None:
    faulty.mode, faulty.hits = mode, 0
    v = _online_verifier(dev_index_dir, faulty)
    t0 = time.perf_counter()
    report = v.verify(NOT_IN_INDEX)
    took = time.perf_counter() - t0
    assert len(report.citations) == 2
    for c in report.citations:
        assert c.status is Status.unverifiable, (mode, c.status, c.reasons)  # never fabricated
        assert "online lookup failed" in c.reasons[-1]
    # each citation's lookups share one budget; the slack covers local verification and one last read
    assert took < 2 * BUDGET_S + 1.5, f"{mode}: {took:.1f}s"
    if mode == "429":
        assert faulty.hits <= 8, f"{faulty.hits} requests into a 429 storm"  # Retry-After holds each client
    v.online.close()  # type: ignore[union-attr]


# ===================================================================================================
# The service


class _SlowVerifier(Verifier):
    """The real verifier, slowed down on request: stands in for a pathological verification."""

    def verify(self, text: str, citations: Any = None) -> Any:
        if "SLOW" in text:
            time.sleep(1.5)
        return super().verify(text, citations)


def test_service_answers_503_or_504_past_its_time_limit(warm: Verifier) -> None:
    app = create_app(_SlowVerifier(warm.index, today=HALLMARK_TODAY), threads=1, timeout_s=0.5)

    async def scenario(url: str) -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            slow = {"text": "SLOW " + REAL}
            first = await asyncio.gather(client.post("/verify", json=slow), client.post("/verify", json=slow))
            held = await client.post("/verify", json={"text": REAL})  # the overrunning thread still runs
            await asyncio.sleep(1.3)
            freed = await client.post("/verify", json={"text": REAL})
            return [*first, held, freed]

    with background(app) as url:
        t0 = time.perf_counter()
        a, b, held, freed = asyncio.run(scenario(url))
    assert sorted([a.status_code, b.status_code]) == [503, 504]
    for resp, word in ((a, "longer than 0.5s" if a.status_code == 504 else "busy"), (held, "busy")):
        assert word in resp.json()["detail"], resp.json()
    assert held.status_code == 503  # abandoned work still holds its worker: no thread pile-up
    assert freed.status_code == 200 and freed.json()["summary"]["verified"] == 1
    assert time.perf_counter() - t0 < 5


@pytest.fixture(scope="module")
def service(warm: Verifier) -> Iterator[str]:
    with background(create_app(warm)) as url:
        yield url


def raw_get(url: str, path: str) -> tuple[int, bytes]:
    """GET `path` exactly as written: HTTP clients normalise `..`, an attacker's client does not."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1]), data


@pytest.mark.parametrize(
    "path",
    [
        "/records/../../etc/passwd",
        "/records/..%2F..%2F..%2Fetc%2Fpasswd",
        "/records/%2e%2e/%2e%2e/etc/passwd",
        "/records//etc/passwd",
        "/records/" + str(ROOT / "pyproject.toml"),
        "/records/file:%2F%2F%2Fetc%2Fpasswd",
        "/static/../../../../../../etc/passwd",
        "/static/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "/static/%2e%2e/app.py",
        "/static/..%2fapp.py",
        "/../../etc/passwd",
    ],
)
def test_request_paths_never_reach_files(service: str, path: str) -> None:
    status, data = raw_get(service, path)
    assert status in (400, 404), (status, data[:300])
    assert b"root:" not in data and b"def create_app" not in data and b"[project]" not in data


def test_hostile_bodies_get_a_4xx_not_a_500(service: str) -> None:
    nested = b'{"text": ' + b"[" * 400_000 + b"]" * 400_000 + b"}"
    bodies: list[tuple[bytes, str]] = [
        (nested, "application/json"),
        (b'{"text": "\xff\xfe invalid utf-8"}', "application/json"),
        (b'{"text": 5}', "application/json"),
        (b"\x00\x01\x02", "application/json"),
        (b"@article{k, title={x}", "application/x-www-form-urlencoded"),
    ]
    with httpx.Client(base_url=service, timeout=30) as client:
        for body, kind in bodies:
            resp = client.post("/verify", content=body, headers={"Content-Type": kind})
            assert 400 <= resp.status_code < 500 and resp.json()["detail"], (body[:40], resp.status_code)
        t0 = time.perf_counter()
        ok = client.post("/verify", json={"text": "\x00" * 1000 + "\n" + "(" * 900_000 + "\n\n" + REAL})
        assert ok.status_code == 200 and ok.json()["summary"]["verified"] == 1
        assert time.perf_counter() - t0 < 5


def test_service_binds_loopback_and_keeps_cors_off_by_default(warm: Verifier) -> None:
    from citeproof.cli.serve_commands import serve_cmd

    assert next(p for p in serve_cmd.params if p.name == "host").default == "127.0.0.1"
    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"
    assert inspect.signature(background).parameters["host"].default == "127.0.0.1"
    assert inspect.signature(create_app).parameters["cors_origins"].default == ()


def test_load_test_is_bounded_and_reports_p99_and_errors(service: str) -> None:
    with pytest.raises(ValueError, match="between 1 and"):
        fire(service, n=MAX_REQUESTS + 1)
    with pytest.raises(ValueError, match="deadline"):
        fire(service, n=1, deadline=0)
    t0 = time.perf_counter()
    result = fire(service, n=40, deadline=0.001)  # far too short: unanswered requests are errors
    assert time.perf_counter() - t0 < 5
    assert len(result.latencies) + len(result.errors) == 40
    assert any("deadline" in e for e in result.errors)
    line = result.line()
    assert re.search(r"40 requests, \d+ errors, .* p99 ", line), line
    done = fire(service, n=20, deadline=60)
    assert done.errors == [] and "20 requests, 0 errors" in done.line()


# ===================================================================================================
# Index files from untrusted sources

PICKLE_LOADERS = re.compile(r"\b(import pickle|from pickle|cPickle|pickle\.loads?|torch\.load|allow_pickle\s*=\s*True|"
                            r"joblib|dill|shelve|marshal\.loads?|cloudpickle|numpy\.load|np\.load)\b")


def test_nothing_loads_pickles() -> None:
    sources = [p for d in ("connectors", "index", "verifier", "bench") for p in (ROOT / d).rglob("*.py")]
    assert len(sources) > 30
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in sources
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if PICKLE_LOADERS.search(line)]  # fmt: skip
    assert offenders == []
    # the bundled models are loaded from safetensors only: no pickle-format weights beside them
    for model_dir in (minilm_model_path(), shipped_model_dir()):
        assert (model_dir / "model.safetensors").is_file()
        assert [p.name for p in model_dir.rglob("*") if p.suffix in (".bin", ".pt", ".pth", ".pkl", ".ckpt")] == []


@pytest.fixture
def index_copy(dev_index_dir: Path, tmp_path: Path) -> Path:
    return _copy_index(dev_index_dir, tmp_path / "idx")


def _tamper(path: Path, at: int = 4096) -> None:
    """Change bytes in place: the size stays, only a checksum can tell."""
    with path.open("r+b") as fh:
        fh.seek(at)
        old = fh.read(16)
        fh.seek(at)
        fh.write(bytes(b ^ 0xFF for b in old))


def test_tampered_vectors_are_refused_when_checksums_are_verified(
    index_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tamper(index_copy / VECTORS, at=100_000)
    Index(index_copy).close()  # sizes alone cannot tell
    with pytest.raises(IndexCorruptError, match="checksum"):
        Index(index_copy, verify_checksums=True)
    monkeypatch.setenv(VERIFY_CHECKSUMS_ENV, "1")
    with pytest.raises(IndexCorruptError, match="checksum"):
        Index(index_copy)
    code, err = cli("verify", "-", "--index", index_copy, stdin=REAL.encode(), env={VERIFY_CHECKSUMS_ENV: "1"})
    assert code == 2 and "checksum differs" in err
    assert Index(index_copy, verify_checksums=False).manifest.count == 1027  # an explicit False wins


@pytest.mark.parametrize("name", ["../outside.bin", "/etc/hostname", "sub/records.sqlite", "..", "C:records.sqlite"])
def test_a_manifest_naming_files_outside_the_index_is_refused(index_copy: Path, name: str) -> None:
    outside = index_copy.parent / "outside.bin"
    outside.write_bytes(b"x" * 10)
    manifest = json.loads((index_copy / MANIFEST).read_text())
    manifest["files"][name] = {"size": 10, "sha256": "0" * 64}
    (index_copy / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(IndexCorruptError, match="not a file of the index directory"):
        load_manifest(index_copy)
    with pytest.raises(IndexCorruptError):
        Index(index_copy)
    code, err = cli("index", "info", index_copy)
    assert code == 2 and "not a file of the index directory" in err


def test_symlinked_or_unlisted_index_files_are_refused(index_copy: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.sqlite"
    (index_copy / RECORDS).rename(elsewhere)
    (index_copy / RECORDS).symlink_to(elsewhere)
    with pytest.raises(IndexCorruptError, match="symbolic link"):
        Index(index_copy)
    (index_copy / RECORDS).unlink()
    elsewhere.rename(index_copy / RECORDS)
    manifest = json.loads((index_copy / MANIFEST).read_text())
    manifest["files"] = {}
    (index_copy / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(IndexCorruptError, match=r"does not list records\.sqlite, vectors\.faiss"):
        Index(index_copy)


def test_a_record_store_that_is_not_sqlite_is_refused_at_open(index_copy: Path) -> None:
    size = (index_copy / RECORDS).stat().st_size
    (index_copy / RECORDS).write_bytes(random.Random(2).randbytes(size))  # same size: the manifest agrees
    with pytest.raises(IndexCorruptError, match="unreadable record store"):
        Index(index_copy)


def test_equal_claims_are_looked_up_once_and_reported_at_each_span(warm: Verifier, monkeypatch: pytest.MonkeyPatch) -> None:
    """An answer repeating a reference (or a flood of one) costs one lookup; every copy keeps its own span."""
    text = "".join(f"{i}. Vaswani et al. Attention is all you need. NeurIPS 2017.\n" for i in range(1, 41))
    text += "Smith et al. (2020) and later Smith et al. (2020) again.\n"
    queries: list[int] = []
    search = warm.index.search
    monkeypatch.setattr(warm.index, "search", lambda qs, **kw: queries.append(len(qs)) or search(qs, **kw))
    report = warm.verify(text)
    entries = [c for c in report.citations if c.title]
    assert len(entries) == 40 and queries == [1]
    assert len({(c.start, c.end) for c in entries}) == 40 and all(text[c.start : c.end] == c.raw for c in entries)
    assert len({(c.status, c.record.id if c.record else None, c.confidence) for c in entries}) == 1
