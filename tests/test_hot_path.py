"""The verifier's hot path gives the answers of the straightforward code it replaced: batched record
store lookups, author comparison with a prepared citation and pruned scans, the collector pause."""

from __future__ import annotations

import gc
import itertools
import random
import threading
from pathlib import Path

import pytest

from citeproof.index import Index
from citeproof.index.store import RecordStore
from citeproof.models import Author
from citeproof.verifier import compare
from citeproof.verifier.compare import _name, _same_name, cited_authors, compare_authors
from citeproof.verifier.gc_pause import gc_paused
from tests.conftest import FIXTURES, load_dev_sample, to_bibtex


@pytest.fixture(scope="module")
def store(dev_index_dir: Path) -> RecordStore:
    return Index(dev_index_dir).store


def test_batched_lookups_equal_one_by_one(store: RecordStore) -> None:
    rows = store.conn.execute("SELECT data FROM records ORDER BY rowid LIMIT 400").fetchall()
    from citeproof.models import Record

    recs = [Record.model_validate_json(d) for (d,) in rows]
    titles = [r.title for r in recs] + ["no such title at all, surely", None, "", recs[0].title.upper()]
    dois = [r.doi for r in recs] + ["10.1234/none", None, recs[3].doi]
    arxiv = [r.arxiv_id for r in recs] + ["2401.99999", None]
    assert store.by_title_keys(titles) == [store.by_title_key(t) for t in titles]
    assert store.by_dois(dois) == [store.by_doi(d) for d in dois]
    assert store.by_arxiv_ids(arxiv) == [store.by_arxiv(a) for a in arxiv]
    assert store.by_pmids([None, "123"]) == [store.by_pmid(None), store.by_pmid("123")]


def _reference_compare_authors(cited: list[Author], et_al: bool, found: list[Author]) -> compare.AuthorMatch:
    """The comparison before it was optimised: every cited name scanned against every found one."""
    found_real = [a for a in found if compare.family_key(a) not in {"others", "etal"}]
    found_truncated = len(found_real) < len(found)
    placeholders = [a.display() for a in cited if compare.is_placeholder_author(a)]
    used: set[int] = set()
    matched = 0
    unmatched: list[str] = []
    by_family: dict[str, list[int]] = {}
    for j, f in enumerate(found_real):
        by_family.setdefault(compare.family_key(f), []).append(j)
    for c in cited:
        cn = _name(c.given, c.family)
        hit = next((j for j in by_family.get(cn.family, ()) if j not in used and _same_name(cn, _name(found_real[j].given, found_real[j].family))), None)
        if hit is None and len(found_real) <= compare.FUZZY_SCAN_MAX:
            hit = next((j for j, f in enumerate(found_real) if j not in used and _same_name(cn, _name(f.given, f.family))), None)
        if hit is None:
            unmatched.append(c.display())
        else:
            used.add(hit)
            matched += 1
    problems: list[str] = []
    if placeholders:
        problems.append("placeholder author names: " + ", ".join(placeholders))
    if unmatched and found_truncated and matched >= len(found_real):
        unmatched = []
    if unmatched:
        problems.append("not authors of this work: " + ", ".join(unmatched))
    if cited and found_real and not _same_name(_name(cited[0].given, cited[0].family), _name(found_real[0].given, found_real[0].family)) and not unmatched:
        problems.append(f"first author is {found_real[0].display()}, not {cited[0].display()}")
    if not unmatched and not et_al and not found_truncated and matched < len(found_real):
        problems.append(f"lists {matched} of {len(found_real)} authors without 'et al.'")
    sim = matched / max(len(cited), 1)
    if not et_al and not found_truncated and found_real:
        sim = matched / max(len(cited), len(found_real))
    return compare.AuthorMatch(not problems and matched > 0, round(sim, 4), matched, len(cited), len(found_real), problems, placeholders)


# names that exercise every way `_same_name` pairs two names: equal family names with conflicting or
# compatible given names, particles, split and swapped names, transliterations, placeholders, et al.
_NAMES = [
    ("Ashish", "Vaswani"), ("A.", "Vaswani"), ("Noam", "Shazeer"), ("Laurens", "van der Maaten"), ("L.", "Maaten"),
    ("Laurens", "Maaten"), ("Enric", "Boix-Adserà"), ("Enric", "Boix"), ("Zhao", "Chen"), ("Chen", "Zhao"),
    ("Mallikarjun", "B. R."), ("B. R.", "Mallikarjun"), ("Yujing", "Zhang"), ("Yue", "Zhang"), ("Aleksandr", "Tsybakov"),
    ("Alexandre", "Tsybakov"), ("Alexander", "Tsybakow"), ("J.", "Schmidhuber"), ("Jürgen", "Schmidhüber"),
    ("John", "Doe"), ("FirstName", "LastName"), ("", "Anonymous"), ("", "others"), ("", "Author1"), ("Wei", "Li"),
    ("Li", "Wei"), ("Kaiming", "He"), ("Xiangyu", "Zhang"), ("Shaoqing", "Ren"), ("Jian", "Sun"), ("", "Sun"),
    ("Maria", "Garcia Lopez"), ("M.", "Garcia"), ("Maria", "Lopez"), ("Ilya", "Sutskever"), ("Ilya", "Sutskevar"),
]


def test_prepared_and_pruned_comparison_equals_the_full_scan() -> None:
    rng = random.Random(3)
    pool = [Author(given=g, family=f) for g, f in _NAMES]
    for _ in range(3000):
        cited = rng.sample(pool, rng.randint(1, 6))
        found = rng.sample(pool, rng.randint(0, 8))
        et_al = rng.random() < 0.3
        want = _reference_compare_authors(cited, et_al, found)
        assert compare_authors(cited, et_al, found) == want
        assert compare_authors(cited_authors(cited), et_al, found) == want


def test_pairs_of_names_agree_with_the_scan() -> None:
    pool = [Author(given=g, family=f) for g, f in _NAMES]
    for c, f in itertools.product(pool, repeat=2):
        assert compare_authors([c], True, [f]) == _reference_compare_authors([c], True, [f])


_WHITESPACE = [chr(c) for c in range(0x3000 + 1) if chr(c).isspace()]


def test_single_spaced_is_the_whitespace_regex() -> None:
    import re

    from citeproof.text import single_spaced

    rng = random.Random(7)
    pieces = [*_WHITESPACE, "a", "Ü", "x y", "\u200b", "-", ""]
    for _ in range(5_000):
        s = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert single_spaced(s) == re.sub(r"\s+", " ", s).strip()


def test_has_letters_counts_as_the_sum_it_replaced() -> None:
    from citeproof.text import has_letters

    rng = random.Random(3)
    pieces = ["a", "É", "文", "1", " ", "-", "²", "_", "ǅ", ""]
    for _ in range(5_000):
        s = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        for n in (1, 3, 5):
            assert has_letters(s, n) == (sum(ch.isalpha() for ch in s) >= n)


_LOOKAHEAD_FRONTED = [
    ("names", "_ET_AL_RE"),
    ("names", "_SEP_RE"),
    ("extract", "_EVIDENCE_RE"),
    ("extract", "_TAGGED_EVIDENCE_RE"),
    ("refparse", "_YEAR_RE"),
    ("refparse", "_ITALIC_RE"),
    ("refparse", "_BOUNDARY_RE"),
]


@pytest.mark.parametrize(("module", "name"), _LOOKAHEAD_FRONTED)
def test_patterns_fronted_by_a_lookahead_match_as_without_it(module: str, name: str) -> None:
    """Some hot patterns start with a lookahead for the characters a match can start with: it only
    speeds up the search, every match is the one the pattern without it finds (on the fixture
    answers, pieces of them, and author-list forms)."""
    import importlib
    import re

    fast = getattr(importlib.import_module(f"citeproof.verifier.{module}"), name)
    m = re.match(r"\(\?=\[[^\]]*\]\)", fast.pattern)
    assert m, "the pattern starts with its lookahead"
    rest = fast.pattern[m.end() :]
    slow = re.compile(rest[3:-1] if rest.startswith("(?:") and rest.endswith(")") else rest, fast.flags)
    texts = _fixture_answers()
    rng = random.Random(11)
    words = ["et al", "Et. Al.", "e. al", "and others", "& others", "AND colleagues", "y colaboradores", "und Kollegen",
             "etc.", "等人", " ほか,", "Peter", "Smith", "J.", ",", ";", "&", "and", "und", "Bennett", "\u212a", "\u017f",
             "*Title*", "_Title_", '"Title"', "(2019)", "2020a", "1999.", "doi:", "OpenReview.net/", "Ｓ", "'t", "?", "! ", " — "]
    samples = [*texts, *(t[a : a + rng.randint(1, 200)] for t in texts for a in rng.sample(range(len(t)), min(len(t), 40)))]
    samples += [rng.choice(["", " ", "\n"]).join(rng.choice(words) for _ in range(rng.randint(1, 8))) for _ in range(5_000)]
    for s in samples:
        assert [(x.span(), x.groups()) for x in fast.finditer(s)] == [(x.span(), x.groups()) for x in slow.finditer(s)]


@pytest.mark.parametrize(
    ("name", "family", "given"),
    [
        ("Ashish Vaswani", "Vaswani", "Ashish"),  # the quick path
        ("Kaiming He", "He", "Kaiming"),
        ("Li Xu", "Xu", "Li"),
        ("Vaswani A", "Vaswani", "A"),  # Vancouver: not the quick path
        ("Xu AB", "Xu", "AB"),
        ("A Vaswani", "Vaswani", "A"),
        ("Martin Jr", "Martin", "Jr"),  # a suffix
        ("Smith III", "Smith", "III"),
        ("van Maaten", "van Maaten", ""),  # a particle
        ("Laurens Maaten.", "Maaten", "Laurens"),
        ("Vaswani A.", "Vaswani", "A."),
    ],
)
def test_two_word_names_read_as_the_general_steps_read_them(name: str, family: str, given: str) -> None:
    from citeproof.verifier.names import parse_name

    assert parse_name(name) == Author(family=family, given=given)



def test_plain_and_lists_read_as_the_general_steps_read_them(monkeypatch: pytest.MonkeyPatch) -> None:
    from citeproof.verifier import names

    rng = random.Random(5)
    words = ["Ashish", "Vaswani", "Noam", "Shazeer", "Li", "Xu", "Alexander", "Edmund", "Lund", "Jr", "III", "A.", "AB",
             "J", "van", "der", "Maaten", "al", "and", "und", "Smith:", "O'Neil", "Boix-Adserà", "Schölkopf", "de", "MA"]
    seps = [" and ", " and ", " and ", ", ", "; ", " & ", " und ", " "]
    lists = [f"{a.given} {a.family}" for a in map(lambda t: Author(given=t[0], family=t[1]), _NAMES) if a.given]
    samples = [" and ".join(rng.sample(lists, rng.randint(1, 6))) for _ in range(2_000)]
    samples += ["".join(w + rng.choice(seps) for w in rng.choices(words, k=rng.randint(1, 9))).strip() for _ in range(8_000)]
    samples += [s + " and others" for s in samples[:500]] + [s + " et al." for s in samples[500:1000]]
    fast = [names.parse_authors(s) for s in samples]
    assert sum(names._plain_and_list(names._prepare(s)[0]) is not None for s in samples) > 500  # (the quick path is taken)
    monkeypatch.setattr(names, "_plain_and_list", lambda s: None)
    assert fast == [names.parse_authors(s) for s in samples]

def test_gc_paused_nests_and_resumes() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_gc_paused_across_threads_resumes_once_all_leave() -> None:
    inside, release = threading.Barrier(3), threading.Event()

    def work() -> None:
        with gc_paused():
            inside.wait()
            release.wait()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    inside.wait()
    assert not gc.isenabled()
    release.set()
    for t in threads:
        t.join()
    assert gc.isenabled()


def test_gc_paused_leaves_a_disabled_collector_alone() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_gc_paused_moves_what_the_call_made_to_the_oldest_generation_unwalked() -> None:
    gc.collect()
    with gc_paused():
        made = [[i] for i in range(5_000)]  # what a batch leaves alive: its report
    assert gc.get_count()[0] < 700  # no collection is due that would walk them
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert id(made) in oldest and all(id(x) in oldest for x in made[:100])
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_gc_paused_leaves_objects_the_process_froze_frozen() -> None:
    gc.collect()
    preloaded = [[1], [2]]
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with gc_paused():
            made = [[i] for i in range(1_000)]
        assert gc.get_freeze_count() == frozen  # nothing thawed, nothing of the call frozen
        assert gc.isenabled() and len(made) == 1_000 and preloaded
    finally:
        gc.unfreeze()


def _fixture_answers() -> list[str]:
    import json

    from tests.conftest import FIXTURES

    with (FIXTURES / "answers" / "hallmark_answers.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh]


def test_verify_many_gives_the_reports_of_verify_one_by_one(verifier) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import FAKE, REAL, load_dev_sample, to_bibtex

    sample = load_dev_sample()[:40]
    texts = [
        f"As shown by {REAL}",
        f"Two references:\n1. {REAL}\n2. {FAKE}\n",
        "".join(to_bibtex(e) for e in sample[:20]),
        *[to_bibtex(e) for e in sample[20:]],
        "Vaswani et al. (2017) introduced the Transformer, an attention-only sequence model.",
        "No citation here at all.",
        f"The same one twice: {REAL}\n\nAnd again: {REAL}",
        *_fixture_answers()[:40],
    ]
    batch = verifier.verify_many(texts)
    assert len(batch) == len(texts)
    for text, report in zip(texts, batch, strict=True):
        one = verifier.verify(text)
        assert [c.model_dump() for c in report.citations] == [c.model_dump() for c in one.citations]
        assert report.summary == one.summary and report.text == text


def test_claims_are_equal_exactly_when_their_json_is() -> None:
    import gzip
    import json

    from citeproof.verifier import core
    from citeproof.verifier.extract import extract_citations

    bib = "\n".join(to_bibtex(e) for e in load_dev_sample())
    answers = [json.loads(line)["text"] for line in (FIXTURES / "answers" / "hallmark_answers.jsonl").read_text(encoding="utf-8").splitlines()]
    with gzip.open(Path(__file__).resolve().parents[1] / "bench" / "data" / "answers_styles.jsonl.gz", "rt", encoding="utf-8") as f:
        styles = [json.loads(line)["text"] for line in itertools.islice(f, 200)]
    for text in (bib, "\n\n".join(answers), "\n\n".join(styles)):
        cs = extract_citations(text)
        cs += [c.model_copy(update={"start": c.start + 1, "end": c.end + 1, "raw": "x"}) for c in cs[::7]]
        by_json: dict[str, list[int]] = {}
        by_claim: dict[tuple[object, ...], list[int]] = {}
        for i, c in enumerate(cs):
            where = f"@{c.start}:{c.end}" if core.is_bare_mention(c) else ""
            by_json.setdefault(c.model_dump_json(exclude=set(core._WHERE)) + where, []).append(i)
            by_claim.setdefault(core._claim(c), []).append(i)
        assert sorted(by_claim.values()) == sorted(by_json.values())
        assert len(cs) > 20 and len(by_claim) < len(cs)  # (the copies make some claims repeat)
