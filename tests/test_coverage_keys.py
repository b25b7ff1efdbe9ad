"""Coverage keys agree between build and query (issue 15): a citation's venue ("ACL 2023") and the long
names records carry ("Proceedings of the 61st Annual Meeting of the Association for Computational
Linguistics (Volume 1: Long Papers)") meet at one canonical venue, and a preprint is placed by the
index's arXiv months, not by a venue-and-year key (records read from arXiv name no venue)."""

from __future__ import annotations

import json

import pytest

from citeproof.index import build_index
from citeproof.models import Author, Citation, Status
from citeproof.verifier import Verifier
from citeproof.verifier.venues import canonical_venue, compare_venues

ACL_LONG = "Proceedings of the 61st Annual Meeting of the Association for Computational Linguistics (Volume 1: Long Papers)"
EMNLP_LONG = "Proceedings of the 2023 Conference on Empirical Methods in Natural Language Processing"
NAACL_LONG = (
    "Proceedings of the 2024 Conference of the North American Chapter of the Association for Computational "
    "Linguistics: Human Language Technologies (Volume 1: Long Papers)"
)
FINDINGS_EMNLP = "Findings of the Association for Computational Linguistics: EMNLP 2023"

# (title, venue, year, arXiv id): the venues as records spell them; an arXiv-only record names none
RECORDS = [
    ("Sparse Lexical Anchors for Cross-Lingual Retrieval", ACL_LONG, 2023, None),
    ("Calibrated Decoding with Span Consistency Checks", EMNLP_LONG, 2023, None),
    ("Token-Level Provenance for Generated Summaries", NAACL_LONG, 2024, None),
    ("Contrastive Probing of Numeric Reasoning in Encoders", FINDINGS_EMNLP, 2023, None),
    ("Residual Prompt Routing for Small Language Models", None, 2023, "2305.01234"),
    ("Attention Sinks in Long-Context Retrieval Models", "Advances in Neural Information Processing Systems 36", 2023, "2310.04321"),
]
INVENTED = "Quantum Gradient Flows for Sparse Mixture Routing"


@pytest.fixture(scope="module")
def verifier(tmp_path_factory: pytest.TempPathFactory) -> Verifier:
    src = tmp_path_factory.mktemp("keys") / "records.csl.json"
    items = []
    for i, (title, venue, year, arxiv) in enumerate(RECORDS):
        item: dict[str, object] = {
            "id": f"r{i}",
            "type": "paper-conference",
            "title": title,
            "author": [{"family": f"Author{i}", "given": "Ada"}],
            "issued": {"date-parts": [[year]]},
        }
        if venue:
            item["container-title"] = venue
        if arxiv:
            item["URL"] = f"https://arxiv.org/abs/{arxiv}"
        items.append(item)
    src.write_text(json.dumps(items), encoding="utf-8")
    out = src.parent / "idx"
    build_index([src], out, fmt="csl-json")
    return Verifier(out)


def _cite(**kw: object) -> Citation:
    return Citation(raw=INVENTED, start=0, end=len(INVENTED), title=INVENTED, **kw)


@pytest.mark.parametrize(
    ("name", "canon"),
    [
        (ACL_LONG, "ACL"),
        (f"{ACL_LONG}, ACL 2023, Toronto, Canada, July 9-14, 2023", "ACL"),
        ("ACL (1)", "ACL"),
        ("ACL 2023", "ACL"),
        (EMNLP_LONG, "EMNLP"),
        ("EMNLP2023", "EMNLP"),
        (NAACL_LONG, "NAACL"),
        ("NAACL-HLT (1)", "NAACL"),
        (FINDINGS_EMNLP, "EMNLP"),
        ("Findings of the Association for Computational Linguistics: ACL 2023", "ACL"),
        ("Findings of ACL", "ACL"),
        ("EMNLP (Findings)", "EMNLP"),
        ("Findings of the Association for Computational Linguistics", "ACL"),
        ("arXiv.org", "arXiv"),
        ("ICML2021", "ICML"),
    ],
)
def test_long_and_short_venue_names_meet_at_one_canonical_venue(name: str, canon: str) -> None:
    assert canonical_venue(name) == canon


def test_a_findings_paper_cited_by_its_conference_agrees() -> None:
    assert compare_venues("EMNLP 2023", FINDINGS_EMNLP).agrees
    assert not compare_venues("ACL 2023", FINDINGS_EMNLP).agrees


def test_the_index_keys_of_long_names_are_found_from_the_short_one(verifier: Verifier) -> None:
    for canon in ("ACL", "EMNLP", "NAACL", "NeurIPS"):
        assert verifier._venue_keys(canon), canon


@pytest.mark.parametrize(
    ("venue", "year", "count"),
    [
        ("ACL", 2023, 1),
        ("ACL 2023", 2023, 1),
        ("Annual Meeting of the Association for Computational Linguistics", 2023, 1),
        ("EMNLP", 2023, 2),  # the main conference and its Findings
        ("Proc. of EMNLP2023", 2023, 2),
        ("NAACL", 2024, 1),
        ("NeurIPS", 2023, 1),
    ],
)
def test_a_conference_year_held_under_a_long_name_is_covered(verifier: Verifier, venue: str, year: int, count: int) -> None:
    covered, where = verifier._covers(_cite(venue=venue, year=year))
    assert covered, where
    assert f"holds {count:,} records of" in where[0], where


def test_a_conference_year_not_held_is_out_of_coverage(verifier: Verifier) -> None:
    covered, where = verifier._covers(_cite(venue="ACL", year=2019))
    assert not covered and "0 records of ACL 2019" in where[0]
    [r] = verifier.check([_cite(venue="ACL", year=2019, authors=[Author(family="Zzyzx", given="Q")])])
    assert r.status is Status.unverifiable and r.out_of_coverage
    [r] = verifier.check([_cite(venue="ACL", year=2023, authors=[Author(family="Zzyzx", given="Q")])])
    assert r.status is Status.fabricated and any("records of ACL 2023" in x for x in r.reasons), r.reasons


@pytest.mark.parametrize("venue", ["arXiv", "arXiv preprint", "CoRR", "ArXiv e-prints"])
def test_a_preprint_is_placed_by_the_arxiv_months_of_its_year(verifier: Verifier, venue: str) -> None:
    # the venue key "arxiv" has no records at all here: the arXiv-only record names no venue
    assert verifier.index.coverage.records_for_venue_year("arxiv") == 0
    covered, where = verifier._covers(_cite(venue=venue, year=2023))
    assert covered and "holds 2 arXiv records of 2023" in where[0], where
    covered, where = verifier._covers(_cite(venue=venue, year=2019))
    assert not covered and "0 arXiv records of 2019" in where[0], where


def test_a_preprint_with_an_arxiv_id_is_placed_by_its_month(verifier: Verifier) -> None:
    covered, where = verifier._covers(_cite(venue="arXiv preprint", year=2023, arxiv_id="2305.09999"))
    assert covered and "that arXiv month" in where[0], where
    # a month the index holds nothing of, though it holds other months of 2023
    covered, where = verifier._covers(_cite(venue="arXiv preprint", year=2023, arxiv_id="2301.09999"))
    assert not covered and "0 records of the arXiv month of 2301.09999" in where[0], where
    # an id alone, no venue: its month too
    assert verifier._covers(_cite(arxiv_id="2310.11111"))[0]


def test_arxiv_counts_per_year(verifier: Verifier) -> None:
    cov = verifier.index.coverage
    assert cov.records_for_arxiv_year(2023) == 2
    assert cov.records_for_arxiv_year(2024) == 0
    assert cov.records_for_arxiv_year() == 2
