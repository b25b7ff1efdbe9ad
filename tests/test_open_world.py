"""'Not found' judged against coverage (issue 15): `fabricated` only where the index covers where the
citation says the work is, or the citation is impossible on its own; elsewhere `unverifiable`, saying
what the index holds there and how to settle it."""

from __future__ import annotations

from citeproof.models import Author, Citation, Status
from citeproof.verifier.calibration import load_table
from citeproof.verifier.decide import OUT_OF_COVERAGE_CONFIDENCE

INVENTED = "Quantum Gradient Flows for Sparse Mixture Routing"


def _cite(title: str = INVENTED, **kw: object) -> Citation:
    return Citation(raw=title, start=0, end=len(title), title=title, **kw)  # type: ignore[arg-type]


def test_a_covered_venue_and_year_not_found_is_fabricated(verifier) -> None:
    [r] = verifier.check([_cite(venue="NeurIPS", year=2021, authors=[Author(family="Zzyzx", given="Q")])])
    assert r.status is Status.fabricated
    assert any("records of NeurIPS 2021" in x for x in r.reasons), r.reasons
    assert r.suggestions


def test_a_venue_year_the_index_holds_nothing_of_is_unverifiable(verifier) -> None:
    [r] = verifier.check([_cite(venue="ICML", year=1985, authors=[Author(family="Zzyzx", given="Q")])])
    assert r.status is Status.unverifiable
    assert any("not in this index, which holds 0 records of ICML 1985" in x for x in r.reasons), r.reasons
    assert any("--online" in x for x in r.reasons)
    # its confidence is the calibrated chance that the work is real (the heuristic even chance if unfitted)
    assert r.suggestions and r.confidence == load_table().get("unverifiable|out_of_coverage", OUT_OF_COVERAGE_CONFIDENCE)


def test_a_bare_title_the_index_lacks_is_unverifiable(verifier) -> None:
    [r] = verifier.check([_cite("The Silent Orchard of Memory")])
    assert r.status is Status.unverifiable
    assert "a bare title cannot be placed" in r.reasons[0]
    assert r.confidence < 0.99


def test_a_known_first_author_with_a_held_year_places_it(verifier) -> None:
    rec = next(iter(verifier.index.search([_query()], k=1)[0])).record
    first = rec.authors[0]
    [r] = verifier.check([_cite(year=rec.year, authors=[Author(family=first.family, given=first.given)])])
    assert r.status is Status.fabricated, r.reasons


def _query():
    from citeproof.index.core import Query

    return Query(title="attention is all you need")


def test_impossible_on_its_own_stays_flagged(verifier) -> None:
    # a future year, even where the index covers nothing of the venue
    [r] = verifier.check([_cite(venue="ICML", year=2031)])
    assert r.status is Status.fabricated and any("future" in x for x in r.reasons)
    [r] = verifier.check([_cite("The Silent Orchard of Memory", year=2031)])
    assert r.status is Status.fabricated


def test_an_index_without_coverage_keeps_closed_world(verifier, monkeypatch) -> None:
    monkeypatch.setattr(verifier.index.coverage, "known", False)
    [r] = verifier.check([_cite("The Silent Orchard of Memory")])
    assert r.status is Status.fabricated


def test_a_journal_of_another_field_is_outside_coverage_whoever_wrote_it(verifier) -> None:
    # the index holds computer science: a real ecology or medicine paper it lacks is not fabricated, even
    # by an author whose name the index knows from its own field
    assert verifier.index.coverage.author_count("Vaswani", "A")
    for venue in ("Journal of Applied Ecology", "The Lancet"):
        [r] = verifier.check([_cite("Effects of grazing on alpine meadow plant diversity", venue=venue, year=2019,
                                    authors=[Author(family="Vaswani", given="A")])])
        assert r.status is Status.unverifiable and r.out_of_coverage, (venue, r.reasons)
        assert any(f"0 records of {venue} 2019" in x for x in r.reasons), r.reasons


def test_an_unknown_venue_in_the_index_field_is_still_impossible(verifier) -> None:
    # every word of it is a word of the index's own titles and venues: a venue that field does not have
    [r] = verifier.check([_cite(venue="International Conference on Neural Learning Networks", year=2021)])
    assert r.status is Status.fabricated
    assert any("is not a known venue" in x for x in r.reasons), r.reasons


def test_a_work_located_by_a_web_page_is_outside_coverage(verifier) -> None:
    # a blog post: its site's name is no venue of the index's field, and its author's name, known to the
    # index, does not place a web page in an index of bibliographic records
    assert verifier.index.coverage.author_count("Vaswani", "A")
    for venue in ("Towards Data Science", None):
        [r] = verifier.check([_cite("Getting started with PyTorch Lightning", venue=venue, year=2020,
                                    authors=[Author(family="Vaswani", given="A")],
                                    url="https://towardsdatascience.com/getting-started-with-pytorch-lightning")])
        assert r.status is Status.unverifiable and r.out_of_coverage, (venue, r.reasons)
        assert any("no web pages (the work is located at towardsdatascience.com)" in x for x in r.reasons), r.reasons
    # without its URL the same citation is placed by its known author
    [r] = verifier.check([_cite("Getting started with PyTorch Lightning", year=2020, authors=[Author(family="Vaswani", given="A")])])
    assert r.status is Status.fabricated, r.reasons


def test_a_scholarly_venue_or_page_is_judged_as_before_with_a_url(verifier) -> None:
    # a venue named as a conference, or a URL on a proceedings' site, locates no web page
    [r] = verifier.check([_cite(venue="International Conference on Neural Learning Networks", year=2021,
                                url="https://icnln2021.org/papers/17")])
    assert r.status is Status.fabricated and any("is not a known venue" in x for x in r.reasons), r.reasons
    [r] = verifier.check([_cite(year=2021, authors=[Author(family="Vaswani", given="A")],
                                url="https://proceedings.neurips.cc/paper/2021/hash/0123456789abcdef-Abstract.html")])
    assert r.status is Status.fabricated, r.reasons


def test_a_real_venue_the_index_never_holds_is_outside_coverage_whoever_wrote_it(verifier) -> None:
    # 'Neural Networks' is a real journal (the alias table knows it) of which the index holds nothing: a
    # name known to the index places no work there (on the dev index, Hochreiter & Schmidhuber's LSTM
    # paper in Neural Computation was fabricated)
    cov = verifier.index.coverage
    assert cov.author_count("Vaswani", "A") and not cov.venue_years("Neural Networks")
    [r] = verifier.check([_cite(venue="Neural Networks", year=2017, authors=[Author(family="Vaswani", given="A")])])
    assert r.status is Status.unverifiable and r.out_of_coverage, r.reasons
    assert any("0 records of Neural Networks 2017" in x for x in r.reasons), r.reasons


def test_a_journal_of_every_field_is_not_placed_by_a_known_name(verifier) -> None:
    # Nature: the index may hold a few of its papers (of its own field), never the rest of a year it
    # holds none of; a known author's name does not place the work in it
    assert verifier.index.coverage.venue_years("Nature") and not verifier.index.coverage.venue_years("Nature").get(2017)
    [r] = verifier.check([_cite(venue="Nature", year=2017, authors=[Author(family="Vaswani", given="A")])])
    assert r.status is Status.unverifiable and r.out_of_coverage, r.reasons
    # ... where a venue the index holds in other years is still placed by it
    [r] = verifier.check([_cite(venue="NeurIPS", year=2016, authors=[Author(family="Vaswani", given="A")])])
    assert r.status is Status.fabricated, r.reasons
