"""'Not in this index' shown apart from `fabricated` (issue 15, items 5 and 6).

A work not found where the index covers nothing is `unverifiable` with `out_of_coverage` set: the CLI,
the markdown and the web page call it "not in this index", in its own colour, and it does not fail
`citeproof verify` unless `--strict`. With `--online` it is looked up live before its verdict stands:
found, the verdict names the source that settled it (`settled_by`); a failed lookup leaves it
unverifiable, never fabricated. Offline: every HTTP request is answered by `responses`.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
import requests
import responses
from click.testing import CliRunner
from fastapi.testclient import TestClient
from rich.console import Console

from citeproof.cli import main
from citeproof.models import CitationResult, Record, Report, Status, Summary
from citeproof.service import create_app
from citeproof.verifier.decide import SETTLE_HINT
from citeproof.verifier.render import NOT_IN_INDEX, render
from tests.test_online_verify import ANY_URL
from tests.test_online_verify import _verifier as online_verifier

# ICML 1985: the dev index holds no ICML record of that year, nor anything by this author.
OUT_OF_COVERAGE = "Zzyzx, Q. (1985). Quantum gradient flows for sparse mixture routing. ICML.\n"
# ICML 2021 is covered (62 records): the same kind of invention there is fabricated.
COVERED = "Smith, J., & Lee, K. (2021). Quantum gradient hashing for sparse retrieval transformers. ICML.\n"
# A real work the dev index lacks (nothing of Nature 1986, nothing by Rumelhart): a live source holds it.
RUMELHART = (
    "Rumelhart, D. E., Hinton, G. E., & Williams, R. J. (1986). Learning representations by "
    "back-propagating errors. Nature, 323, 533-536.\n"
)
TITLE = "Learning representations by back-propagating errors"
AUTHORS = [("David E.", "Rumelhart"), ("Geoffrey E.", "Hinton"), ("Ronald J.", "Williams")]


def _cli(args: list[str], stdin: str):
    return CliRunner().invoke(main, args, input=stdin, catch_exceptions=False)


def test_a_work_outside_coverage_is_marked_and_counted(verifier) -> None:
    report = verifier.verify(OUT_OF_COVERAGE + COVERED)
    outside, covered = report.citations
    assert outside.status is Status.unverifiable and outside.out_of_coverage, outside.reasons
    assert outside.settled_by == "index" and SETTLE_HINT in outside.reasons
    assert covered.status is Status.fabricated and not covered.out_of_coverage
    assert report.summary.unverifiable == 1 and report.summary.not_in_index == 1
    # the new fields have defaults: JSON written before them still reads
    old = outside.model_dump(exclude={"out_of_coverage", "settled_by"})
    assert CitationResult.model_validate(old).out_of_coverage is False
    assert Summary.model_validate({"total": 1, "unverifiable": 1}).not_in_index == 0


def test_cli_says_not_in_this_index_and_exits_0_unless_strict(dev_index_dir: Path) -> None:
    args = ["verify", "-", "--index", str(dev_index_dir)]
    r = _cli(args, OUT_OF_COVERAGE)
    assert r.exit_code == 0, r.output
    line = r.output.splitlines()[0]  # the verdict line; its reasons follow, indented
    assert line.startswith(f"∅ {NOT_IN_INDEX}") and "Zzyzx" in line and "fabricated" not in line
    assert "closest real works:" in r.output  # the suggestions its reasons promise are listed
    assert f"1 unverifiable (1 {NOT_IN_INDEX})" in r.output
    assert _cli([*args, "--strict"], OUT_OF_COVERAGE).exit_code == 1
    r = _cli(args, OUT_OF_COVERAGE + COVERED)  # a fabricated one still fails the run
    assert r.exit_code == 1 and re.search(r"^✘ fabricated ", r.output, re.M)
    r = _cli([*args, "--format", "markdown"], OUT_OF_COVERAGE)
    assert f"| 1 | **{NOT_IN_INDEX}** |" in r.output
    r = _cli([*args, "--format", "json"], OUT_OF_COVERAGE)
    [c] = json.loads(r.output)["citations"]
    assert c["status"] == "unverifiable" and c["out_of_coverage"] is True and c["settled_by"] == "index"


def test_text_names_the_live_source_that_settled_a_verdict() -> None:
    rec = Record(id="doi:10.1038/323533a0", title=TITLE, year=1986, venue="Nature", source="crossref")
    raw = RUMELHART.strip()
    c = CitationResult(
        raw=raw,
        start=0,
        end=len(raw),
        title=TITLE,
        status=Status.verified,
        record=rec,
        confidence=0.9,
        reasons=["matches doi:10.1038/323533a0 on every stated field"],
        settled_by="crossref",
    )
    report = Report(text=raw, citations=[c], summary=Summary(total=1, verified=1))
    out = io.StringIO()
    render(report, "text", Console(file=out, width=400))
    assert "✔ verified" in out.getvalue() and "(settled online by crossref)" in out.getvalue()
    assert "settled online by crossref" in (render(report, "markdown") or "")


def test_service_json_and_page_show_it_apart(verifier) -> None:
    with TestClient(create_app(verifier)) as client:
        body = client.post("/verify", json={"text": OUT_OF_COVERAGE + COVERED}).json()
        assert [(c["status"], c["out_of_coverage"]) for c in body["citations"]] == [
            ("unverifiable", True),
            ("fabricated", False),
        ]
        assert body["summary"]["not_in_index"] == 1
        js = client.get("/static/app.js").text
        css = client.get("/static/app.css").text
        html = client.get("/").text
    # the page labels it in the CLI's words and gives it its own class, coloured apart from fabricated
    assert f'"{NOT_IN_INDEX}"' in js and "c.out_of_coverage" in js and "c.settled_by" in js
    colours = dict(re.findall(r"--(fabricated|not-in-index):\s*(#[0-9a-f]{6})", css))
    assert set(colours) == {"fabricated", "not-in-index"} and colours["fabricated"] != colours["not-in-index"]
    assert "mark.cite.not-in-index" in css and ".chip.not-in-index" in css
    assert 'class="chip not-in-index"' in html and NOT_IN_INDEX in html


def _crossref_item() -> dict:
    return {
        "DOI": "10.1038/323533a0",
        "title": [TITLE],
        "author": [{"given": g, "family": f} for g, f in AUTHORS],
        "container-title": ["Nature"],
        "issued": {"date-parts": [[1986]]},
        "type": "journal-article",
    }


def _openalex_work() -> dict:
    return {
        "id": "https://openalex.org/W2040870580",
        "doi": "https://doi.org/10.1038/323533a0",
        "title": TITLE,
        "publication_year": 1986,
        "authorships": [{"author": {"display_name": f"{g} {f}"}} for g, f in AUTHORS],
        "primary_location": {"source": {"display_name": "Nature"}},
        "type": "article",
    }


CROSSREF_SEARCH = re.compile(r"https://api\.crossref\.org/works\?.*")
OPENALEX_SEARCH = re.compile(r"https://api\.openalex\.org/works\?.*")


def _crossref_finds_it() -> None:
    responses.add(
        responses.GET, CROSSREF_SEARCH, json={"status": "ok", "message": {"items": [_crossref_item()]}}
    )


def _only_openalex_finds_it() -> None:
    responses.add(responses.GET, CROSSREF_SEARCH, json={"status": "ok", "message": {"items": []}})
    responses.add(responses.GET, OPENALEX_SEARCH, json={"results": [_openalex_work()]})


@pytest.mark.parametrize(
    ("answer", "source"), [(_crossref_finds_it, "crossref"), (_only_openalex_finds_it, "openalex")]
)
@responses.activate
def test_out_of_coverage_found_online_is_settled_by_that_source(
    verifier, dev_index_dir, answer, source
) -> None:
    [local] = verifier.verify(RUMELHART).citations
    assert local.out_of_coverage, local.reasons  # offline it is not in this index
    answer()
    responses.add(responses.GET, ANY_URL, status=404)
    [r] = online_verifier(dev_index_dir).verify(RUMELHART).citations
    assert r.status is Status.verified, r.reasons
    assert r.settled_by == source and not r.out_of_coverage
    assert r.record is not None and r.record.doi == "10.1038/323533a0"


@responses.activate
def test_out_of_coverage_found_nowhere_names_the_sources_asked(dev_index_dir) -> None:
    responses.add(responses.GET, CROSSREF_SEARCH, json={"status": "ok", "message": {"items": []}})
    responses.add(responses.GET, OPENALEX_SEARCH, json={"results": []})
    [r] = online_verifier(dev_index_dir).verify(OUT_OF_COVERAGE).citations
    assert r.status is Status.unverifiable and r.out_of_coverage and r.settled_by == "index"
    assert SETTLE_HINT not in r.reasons  # it was run online: the hint to do so is gone
    assert "online sources checked too (crossref, datacite, openalex, arxiv): no match" in r.reasons[-1]


@responses.activate
def test_a_timeout_online_leaves_it_unverifiable_never_fabricated(dev_index_dir) -> None:
    responses.add(responses.GET, ANY_URL, body=requests.exceptions.ConnectTimeout("simulated"))
    [r, covered] = online_verifier(dev_index_dir).verify(RUMELHART + COVERED).citations
    assert r.status is Status.unverifiable and r.out_of_coverage and r.settled_by == "index"
    assert "online lookup failed" in r.reasons[-1]
    # a covered invention whose lookup failed is not called fabricated either
    assert covered.status is Status.unverifiable and not covered.out_of_coverage
