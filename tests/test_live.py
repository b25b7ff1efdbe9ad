"""Live connectors offline: recorded Crossref/arXiv responses, documented-shape OpenAlex/DataCite ones,
every failure a network produces, the arXiv rate limit, the response cache, and the online resolver.

No test sleeps or touches the network: `responses` answers every request and a `ManualClock` stands in
for time, so waits, budgets and cache expiry are exact and instant.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from email.utils import format_datetime
from itertools import islice, pairwise
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from responses import matchers

from citeproof.connectors.live import (
    Arxiv,
    Crossref,
    DataCite,
    LiveClient,
    ManualClock,
    OpenAlex,
    ResponseCache,
    RetryPolicy,
    announced_interval,
    cache_dir,
    record_from_datacite,
    retry_after_seconds,
)
from citeproof.errors import InputError, LookupFailedError, RateLimitedError
from citeproof.models import Citation, ReadStats, Status
from citeproof.verifier.decide import Context, decide
from citeproof.verifier.online import OnlineResolver, as_hits, default_sources

HTTP = Path(__file__).parent / "fixtures" / "http"
MAILTO = "citeproof-tests@example.org"
ANY_SERVICE = re.compile(r"https://(api\.crossref\.org|api\.datacite\.org|api\.openalex\.org|export\.arxiv\.org)/.*")
CROSSREF_WORK = "https://api.crossref.org/works/10.1371/journal.pone.0033693"


# ---------------------------------------------------------------------------------------------------
# Helpers


def body(service: str, name: str) -> bytes:
    return (HTTP / service / name).read_bytes()


def recorded(rsps: responses.RequestsMock, service: str) -> None:
    """Register every recorded exchange of `service`, matching its query string exactly."""
    for line in (HTTP / service / "index.jsonl").read_text(encoding="utf-8").splitlines():
        e = json.loads(line)
        url, _, query = e["url"].partition("?")
        headers = {k: v for k, v in e["headers"].items() if k != "content-type"}
        rsps.add(
            e["method"],
            url,
            body=body(service, e["body_file"]),
            status=e["status"],
            headers=headers,
            content_type=e["headers"].get("content-type"),
            match=[matchers.query_string_matcher(query or None)],
        )


def remap(rsps: responses.RequestsMock, url: str, params: dict[str, Any], service: str, name: str, **kw: Any) -> None:
    """Serve a recorded body for a request the recording was not made with (other query parameters)."""
    kw.setdefault("content_type", "application/json")
    rsps.add("GET", url, body=body(service, name), match=[matchers.query_param_matcher(params)], **kw)


def client(cls: type[LiveClient], clock: ManualClock, **kw: Any) -> Any:
    kw.setdefault("cache", False)
    return cls(MAILTO, clock=clock, rng=random.Random(0), **kw)


def request_times(c: LiveClient, clock: ManualClock) -> list[float]:
    """Collects the (manual) time at which each response of `c` arrives: requests take no time here,
    so these are the times the requests were sent."""
    times: list[float] = []
    c.http.session.hooks["response"].append(lambda r, *a, **k: times.append(clock.monotonic()))
    return times


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as r:
        yield r


@pytest.fixture(autouse=True)
def _private_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache per test: a response cached by one test must never answer another."""
    monkeypatch.setenv("CITEPROOF_CACHE_DIR", str(tmp_path / "cache"))


# ---------------------------------------------------------------------------------------------------
# Crossref


def test_crossref_work_parses_with_every_field(rsps: responses.RequestsMock, clock: ManualClock) -> None:
    recorded(rsps, "crossref")
    rec = client(Crossref, clock).get("https://doi.org/10.1371/JOURNAL.PONE.0033693")
    assert rec is not None
    assert rec.id == "doi:10.1371/journal.pone.0033693" and rec.doi == "10.1371/journal.pone.0033693"
    assert rec.title == (
        "Methylphenidate Exposure Induces Dopamine Neuron Loss and Activation of Microglia in the Basal Ganglia of Mice"
    )
    assert [a.family for a in rec.authors] == ["Sadasivan", "Pond", "Pani", "Qu", "Jiao", "Smeyne"]
    assert rec.authors[1].given == "Brooks B."
    assert rec.year == 2012 and rec.venue == "PLoS ONE" and rec.type == "journal-article"
    assert rec.source == "crossref"
    sent = rsps.calls[0].request
    assert re.fullmatch(r"citeproof/\S+ \(mailto:citeproof-tests@example\.org\)", sent.headers["User-Agent"])


def test_crossref_unknown_doi_is_none(rsps: responses.RequestsMock, clock: ManualClock) -> None:
    recorded(rsps, "crossref")
    assert client(Crossref, clock).get("10.1371/notarealdoi") is None  # served as text/plain 404


def test_crossref_rate_follows_its_headers(rsps: responses.RequestsMock, clock: ManualClock) -> None:
    recorded(rsps, "crossref")  # single-work routes announce 5 requests per 1s
    cr = client(Crossref, clock)
    times = request_times(cr, clock)
    for _ in range(3):
        cr.get("10.1371/journal.pone.0033693")
    assert cr.http.limiter.interval_s == pytest.approx(0.2)
    assert [round(b - a, 6) for a, b in pairwise(times)] == [0.2, 0.2]
    assert announced_interval({"x-rate-limit-limit": "50", "x-rate-limit-interval": "1s"}) == pytest.approx(0.02)
    assert announced_interval({"x-rate-limit-limit": "0", "x-rate-limit-interval": "1s"}) is None
    assert announced_interval({"x-rate-limit-limit": "5"}) is None


def test_crossref_search_uses_query_bibliographic(rsps: responses.RequestsMock, clock: ManualClock) -> None:
    remap(rsps, "https://api.crossref.org/works", {"query.bibliographic": "ecology", "rows": "2"},
          "crossref", "works_query_ecology_rows_2-354e2743.json")
    recs = client(Crossref, clock).search("ecology", rows=2)
    assert [r.title for r in recs] == ["Communicating Ecology", "Chemical Ecology"]
    assert recs[0].doi == "10.1093/obo/9780199830060-0238"


def test_crossref_error_response_is_a_failure_with_its_message(rsps: responses.RequestsMock, clock: ManualClock) -> None:
    rsps.add("GET", CROSSREF_WORK, status=400, content_type="application/json;charset=utf-8",
             body=body("crossref", "works_10.1371_journal.pone.0033693_query.author_carl_boettiger-c777832e.json"))
    with pytest.raises(LookupFailedError, match=r"HTTP 400.*does not support field query"):
        client(Crossref, clock).get("10.1371/journal.pone.0033693")
    assert len(rsps.calls) == 1  # a 4xx is not retried


def page_walk(rsps: responses.RequestsMock, base: str, params: dict[str, str]) -> None:
    """The recorded two-page cursor walk, then the empty page that ends every walk."""
    first = "members_98_works_rows_5_cursor_2A-00137f23.json"
    second = "members_98_works_rows_5_cursor_DnF1ZXJ5VGhlbkZldGNoJAAAAAAdjpycFjJLRW01QnVyVExLS-09daa927.json"
    cursor = json.loads(body("crossref", first))["message"]["next-cursor"]
    last = json.loads(body("crossref", second))
    last["message"]["items"] = []
    remap(rsps, base, {**params, "cursor": "*"}, "crossref", first)
    remap(rsps, base, {**params, "cursor": cursor}, "crossref", second)
    rsps.add("GET", base, json=last, match=[matchers.query_param_matcher({**params, "cursor": cursor})])


def test_crossref_deep_paging_follows_the_cursor(rsps: responses.RequestsMock, clock: ManualClock, tmp_path: Path) -> None:
    # the walk as recorded: /members/98/works?rows=5&cursor=*, then cursor=<next-cursor>
    page_walk(rsps, "https://api.crossref.org/members/98/works", {"rows": "5"})
    cache = ResponseCache(tmp_path / "c.sqlite", clock=clock)
    stats = ReadStats()
    recs = list(client(Crossref, clock, cache=cache).iter_works(member=98, rows=5, stats=stats))
    assert len(recs) == 9 and stats.read == 9 and stats.skipped == 1  # one recorded item has no title
    assert recs[0].doi == "10.4061/2010/505436" and len({r.id for r in recs}) == 9
    assert len(rsps.calls) == 3
    assert cache.get(rsps.calls[0].request.url) is None  # cursor pages expire: never cached


def test_crossref_deep_paging_stops_when_the_caller_does(rsps: responses.RequestsMock, clock: ManualClock) -> None:
    page_walk(rsps, "https://api.crossref.org/works", {"rows": "5", "filter": "from-index-date:2024-01-01"})
    works = client(Crossref, clock).iter_works(filter="from-index-date:2024-01-01", rows=5)
    assert len(list(islice(works, 3))) == 3
    assert len(rsps.calls) == 1


# ---------------------------------------------------------------------------------------------------
# arXiv


def test_arxiv_ids_of_every_style(rsps: responses.RequestsMock, clock: ManualClock) -> None:
    recorded(rsps, "arxiv")
    ax = client(Arxiv, clock)
    heat = ax.get("1605.08386")
    assert heat is not None and heat.title == "Heat-bath random walks with Markov bases"
    assert [a.family for a in heat.authors] == ["Stanley", "Windisch"] and heat.year == 2016
    assert heat.id == "arxiv:1605.08386" and heat.venue == "arXiv"
    old = ax.get("astro-ph/0601001")
    assert old is not None and old.arxiv_id == "astro-ph/0601001"
    versioned = ax.get("arXiv:2104.12255v1")
    assert versioned is not None and versioned.arxiv_id == "2104.12255" and versioned.title == "0"
    assert ax.get("0000.0000") is None  # arXiv answers an unknown id with an empty feed
    with pytest.raises(InputError):
        ax.get("not an id")


def test_arxiv_calls_are_three_seconds_apart(rsps: responses.RequestsMock, clock: ManualClock) -> None:
    recorded(rsps, "arxiv")
    flaky = "https://export.arxiv.org/api/query"
    remap(rsps, flaky, {"search_query": 'ti:"testing"', "id_list": "", "sortBy": "relevance",
                        "sortOrder": "descending", "start": "0", "max_results": "10"},
          "arxiv", "q_testing_s0_m10_bc5a6c384fe9.xml", status=503, content_type="text/plain")
    remap(rsps, flaky, {"search_query": 'ti:"testing"', "id_list": "", "sortBy": "relevance",
                        "sortOrder": "descending", "start": "0", "max_results": "10"},
          "arxiv", "q_testing_s0_m10_bc5a6c384fe9.xml", content_type="application/atom+xml")
    ax = client(Arxiv, clock, retry=RetryPolicy(base_s=0.1))  # backoff shorter than the limit
    times = request_times(ax, clock)
    start = clock.monotonic()
    for aid in ("1605.08386", "astro-ph/0601001"):
        ax.get(aid)
    hits = ax.search("testing")  # first answer 503, retried
    ax.get("0000.0000")
    assert len(hits) == 10 and all(h.arxiv_id for h in hits)
    assert len(times) == 5 and times[0] == start  # the first call does not wait
    gaps = [b - a for a, b in pairwise(times)]
    assert all(g >= 3.0 for g in gaps), gaps
    assert sum(gaps) == pytest.approx(4 * 3.0)  # and no slower than the limit requires


# ---------------------------------------------------------------------------------------------------
# OpenAlex and DataCite (documented shapes)


def test_openalex_work_and_search(rsps: responses.RequestsMock, clock: ManualClock) -> None:
    recorded(rsps, "openalex")
    oa = client(OpenAlex, clock)
    rec = oa.get("10.7717/peerj.4375")
    assert rec is not None and rec.id == "doi:10.7717/peerj.4375" and rec.source == "openalex"
    assert rec.title.startswith("The state of OA") and rec.year == 2018 and rec.venue == "PeerJ"
    assert len(rec.authors) == 9 and rec.authors[0].family == "Piwowar" and rec.authors[7].given == "Jevin D."
    assert rec.pmid == "29456894"
    found = oa.search("Attention Is All You Need")
    assert [r.title for r in found] == ["Attention Is All You Need", rec.title]  # the untitled work is dropped
    attention = found[0]
    assert attention.venue == "arXiv" and attention.arxiv_id == "1706.03762"
    assert attention.doi == "10.48550/arxiv.1706.03762" and attention.authors[6].family == "Kaiser"
    assert oa.get("10.1234/not.a.real.doi") is None


def test_datacite_dois(rsps: responses.RequestsMock, clock: ManualClock) -> None:
    recorded(rsps, "datacite")
    dc = client(DataCite, clock)
    paper = dc.get("10.48550/arXiv.1706.03762")
    assert paper is not None and paper.title == "Attention Is All You Need"
    assert paper.year == 2017 and paper.venue == "arXiv" and paper.arxiv_id == "1706.03762"
    assert [a.family for a in paper.authors][:2] == ["Vaswani", "Shazeer"] and paper.type == "article"
    data = dc.get("10.5061/dryad.8515")
    assert data is not None and data.venue == "Dryad" and data.type == "dataset" and data.year == 2011
    assert data.authors[-1].family == "Renaud" and data.authors[-1].given == "François"  # from `name` only
    assert dc.get("10.1234/not.a.real.doi") is None


def test_datacite_organisations_containers_and_publisher_objects() -> None:
    rec = record_from_datacite({"data": {"id": "10.5281/zenodo.1", "attributes": {
        "titles": [{"title": "Sub", "titleType": "Subtitle"}, {"title": "Main"}],
        "creators": [{"name": "The HDF Group", "nameType": "Organizational"}, {"name": "Ada Lovelace"}],
        "publisher": {"name": "Zenodo"}, "publicationYear": "2020",
        "container": {"type": "Journal", "title": "Journal of Open Source Software"},
        "types": {"resourceTypeGeneral": "Software"}}}})
    assert rec.title == "Main" and rec.doi == "10.5281/zenodo.1" and rec.year == 2020
    assert rec.authors[0].family == "The HDF Group" and rec.authors[0].given == ""
    assert (rec.authors[1].given, rec.authors[1].family) == ("Ada", "Lovelace")
    assert rec.venue == "Journal of Open Source Software" and rec.type == "Software"


# ---------------------------------------------------------------------------------------------------
# Failures: retries, backoff, Retry-After, budgets, bad bodies


def slow_timeout(clock: ManualClock) -> Callable[[requests.PreparedRequest], Any]:
    """A service that never answers: each request costs its whole (budget-capped) timeout."""

    def hang(request: requests.PreparedRequest) -> Any:
        clock.advance(request.req_kwargs["timeout"].total)  # type: ignore[attr-defined]
        raise requests.exceptions.ReadTimeout("read timed out")

    return hang


TRANSIENT = {
    "connect-timeout": {"body": requests.exceptions.ConnectTimeout("connect timed out")},
    "read-timeout": {"body": requests.exceptions.ReadTimeout("read timed out")},
    "connection-error": {"body": requests.exceptions.ConnectionError("connection refused")},
    "503": {"status": 503},
    "502": {"status": 502},
}


@pytest.mark.parametrize("failure", sorted(TRANSIENT))
def test_transient_failures_are_retried_with_backoff_then_fail(
    rsps: responses.RequestsMock, clock: ManualClock, failure: str
) -> None:
    rsps.add("GET", CROSSREF_WORK, **TRANSIENT[failure])
    cr = client(Crossref, clock)
    with pytest.raises(LookupFailedError, match="gave up") as err:
        cr.get("10.1371/journal.pone.0033693")
    assert not isinstance(err.value, RateLimitedError)
    assert len(rsps.calls) == 4  # RetryPolicy.attempts
    # equal-jitter exponential backoff: 1st wait in [0.5, 1], 2nd in [1, 2], 3rd in [2, 4]
    waits = clock.sleeps
    assert len(waits) == 3 and all(2**n / 2 <= w <= 2**n for n, w in enumerate(waits)), waits


def test_retry_recovers(rsps: responses.RequestsMock, clock: ManualClock) -> None:
    rsps.add("GET", CROSSREF_WORK, status=503)
    rsps.add("GET", CROSSREF_WORK, body=requests.exceptions.ReadTimeout("slow"))
    recorded(rsps, "crossref")
    assert client(Crossref, clock).get("10.1371/journal.pone.0033693") is not None
    assert len(rsps.calls) == 3


@pytest.mark.parametrize("as_date", [False, True])
def test_429_waits_what_retry_after_asks(rsps: responses.RequestsMock, clock: ManualClock, as_date: bool) -> None:
    when = format_datetime(datetime.fromtimestamp(clock.time() + 7, timezone.utc), usegmt=True)
    rsps.add("GET", CROSSREF_WORK, status=429, headers={"Retry-After": when if as_date else "7"})
    recorded(rsps, "crossref")
    cr = client(Crossref, clock)
    times = request_times(cr, clock)
    assert cr.get("10.1371/journal.pone.0033693") is not None
    assert times[1] - times[0] == pytest.approx(7.0)


def test_429_longer_than_the_budget_fails_fast_and_holds_the_client(
    rsps: responses.RequestsMock, clock: ManualClock
) -> None:
    rsps.add("GET", CROSSREF_WORK, status=429, headers={"Retry-After": "120"})
    recorded(rsps, "crossref")
    cr = client(Crossref, clock)
    with pytest.raises(RateLimitedError) as err:
        cr.get("10.1371/journal.pone.0033693", budget_s=10)
    assert err.value.retry_after == pytest.approx(120) and clock.sleeps == []
    with pytest.raises(RateLimitedError):  # still held: no request is sent at all
        cr.get("10.1371/journal.pone.0033693", budget_s=10)
    assert len(rsps.calls) == 1
    clock.advance(120)
    assert cr.get("10.1371/journal.pone.0033693") is not None


def test_retry_after_forms() -> None:
    c = ManualClock()
    assert retry_after_seconds("3", c) == 3.0 and retry_after_seconds(" 0 ", c) == 0.0
    assert retry_after_seconds("soon", c) is None and retry_after_seconds(None, c) is None
    past = format_datetime(datetime.fromtimestamp(c.time() - 60, timezone.utc), usegmt=True)
    assert retry_after_seconds(past, c) == 0.0


def test_a_hung_service_costs_no_more_than_the_budget(rsps: responses.RequestsMock, clock: ManualClock) -> None:
    rsps.add_callback("GET", CROSSREF_WORK, callback=slow_timeout(clock))
    start = clock.monotonic()
    with pytest.raises(LookupFailedError):
        client(Crossref, clock).get("10.1371/journal.pone.0033693", budget_s=4.0)
    assert clock.monotonic() - start <= 4.0


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"body": b'{"status":"ok","message":{"DOI":', "content_type": "application/json"}, "malformed"),
        ({"body": b"<html>Service Unavailable</html>", "content_type": "text/html"}, "text/html"),
        ({"body": b"{}", "content_type": "application/json"}, "no `message`"),
    ],
    ids=["truncated-json", "html-with-200", "wrong-shape"],
)
def test_unusable_bodies_fail_and_are_not_cached(
    rsps: responses.RequestsMock, clock: ManualClock, tmp_path: Path, kw: dict[str, Any], match: str
) -> None:
    rsps.add("GET", CROSSREF_WORK, **kw)
    cr = client(Crossref, clock, cache=ResponseCache(tmp_path / "c.sqlite", clock=clock))
    for _ in range(2):
        with pytest.raises(LookupFailedError, match=match):
            cr.get("10.1371/journal.pone.0033693")
    assert len(rsps.calls) == (2 if match != "no `message`" else 1)  # only well-formed JSON is cached


def test_arxiv_malformed_feed(rsps: responses.RequestsMock, clock: ManualClock) -> None:
    rsps.add("GET", "https://export.arxiv.org/api/query", body=b"<feed><entry>", content_type="application/atom+xml")
    with pytest.raises(LookupFailedError, match="malformed"):
        client(Arxiv, clock).get("1605.08386")


def test_mailto_must_be_an_address() -> None:
    with pytest.raises(InputError, match="e-mail"):
        Crossref("not-an-address")


# ---------------------------------------------------------------------------------------------------
# Cache


def test_cache_hit_avoids_a_second_request_and_expiry_refetches(
    rsps: responses.RequestsMock, clock: ManualClock, tmp_path: Path
) -> None:
    recorded(rsps, "crossref")
    cache = ResponseCache(tmp_path / "c.sqlite", ttl_s=3600, clock=clock)
    first = client(Crossref, clock, cache=cache).get("10.1371/journal.pone.0033693")
    again = client(Crossref, clock, cache=ResponseCache(tmp_path / "c.sqlite", ttl_s=3600, clock=clock))
    assert again.get("10.1371/journal.pone.0033693") == first  # another client, same file: no request
    assert len(rsps.calls) == 1
    clock.advance(3601)
    assert again.get("10.1371/journal.pone.0033693") == first
    assert len(rsps.calls) == 2


def test_not_found_is_cached_for_a_shorter_time(rsps: responses.RequestsMock, clock: ManualClock, tmp_path: Path) -> None:
    recorded(rsps, "crossref")
    cr = client(Crossref, clock, cache=ResponseCache(tmp_path / "c.sqlite", negative_ttl_s=60, clock=clock))
    assert cr.get("10.1371/notarealdoi") is None and cr.get("10.1371/notarealdoi") is None
    assert len(rsps.calls) == 1
    clock.advance(61)
    assert cr.get("10.1371/notarealdoi") is None and len(rsps.calls) == 2


def test_default_cache_lives_in_the_configured_cache_dir(
    rsps: responses.RequestsMock, clock: ManualClock, tmp_path: Path
) -> None:
    recorded(rsps, "crossref")
    assert cache_dir() == tmp_path / "cache"
    cr = Crossref(MAILTO, clock=clock)
    assert cr.get("10.1371/journal.pone.0033693") is not None
    assert (tmp_path / "cache" / ResponseCache.FILE).is_file()
    assert Crossref(MAILTO, clock=clock).get("10.1371/journal.pone.0033693") is not None
    assert len(rsps.calls) == 1


def test_a_broken_cache_file_only_costs_the_cache(rsps: responses.RequestsMock, clock: ManualClock, tmp_path: Path) -> None:
    recorded(rsps, "crossref")
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    cr = client(Crossref, clock, cache=ResponseCache(path, clock=clock))
    assert cr.get("10.1371/journal.pone.0033693") is not None
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(path).execute("SELECT 1 FROM responses").fetchall()


# ---------------------------------------------------------------------------------------------------
# The online resolver


def resolver(clock: ManualClock, budget_s: float = 10.0) -> OnlineResolver:
    return OnlineResolver(default_sources(MAILTO, clock=clock, cache=False, rng=random.Random(0)),
                          budget_s=budget_s, clock=clock)


EVERYTHING = Citation(raw="...", start=0, end=3, title="Attention Is All You Need", doi="10.1000/abc.123",
                      arxiv_id="1706.03762")


@pytest.mark.parametrize("failure", ["connect-timeout", "hung", "503", "429"])
def test_resolver_raises_lookup_failed_within_its_budget_when_everything_fails(
    rsps: responses.RequestsMock, clock: ManualClock, failure: str
) -> None:
    if failure == "hung":
        rsps.add_callback("GET", ANY_SERVICE, callback=slow_timeout(clock))
    elif failure == "429":
        rsps.add("GET", ANY_SERVICE, status=429, headers={"Retry-After": "2"})
    else:
        rsps.add("GET", ANY_SERVICE, **TRANSIENT[failure])
    res = resolver(clock, budget_s=10.0)
    start, wall = clock.monotonic(), time.perf_counter()
    with pytest.raises(LookupFailedError) as err:
        res.candidates(EVERYTHING)
    assert clock.monotonic() - start <= 10.0
    assert time.perf_counter() - wall < 5.0
    for name in ("crossref", "datacite", "arxiv", "openalex"):
        assert name in str(err.value)
    assert res.found_records() == []


def test_resolver_asks_datacite_for_dois_crossref_lacks(rsps: responses.RequestsMock, clock: ManualClock) -> None:
    rsps.add("GET", "https://api.crossref.org/works/10.48550/arxiv.1706.03762", status=404, body="Resource not found.")
    recorded(rsps, "datacite")
    c = Citation(raw="...", start=0, end=3, title="Attention is all you need", doi="10.48550/arXiv.1706.03762")
    found = resolver(clock).candidates(c)
    assert [r.source for r in found] == ["datacite"] and found[0].arxiv_id == "1706.03762"
    # the arXiv id and the title are already answered: no arXiv, no title search
    assert [call.request.url.split("/")[2] for call in rsps.calls] == ["api.crossref.org", "api.datacite.org"]


def test_resolver_returns_what_it_found_even_if_a_source_failed(rsps: responses.RequestsMock, clock: ManualClock) -> None:
    rsps.add("GET", re.compile(r"https://api\.crossref\.org/.*"), body=requests.exceptions.ConnectTimeout("down"))
    recorded(rsps, "datacite")
    c = Citation(raw="...", start=0, end=3, doi="10.5061/dryad.8515")
    assert [r.id for r in resolver(clock).candidates(c)] == ["doi:10.5061/dryad.8515"]


def test_resolver_not_found_anywhere_is_an_empty_answer(rsps: responses.RequestsMock, clock: ManualClock) -> None:
    recorded(rsps, "crossref")
    recorded(rsps, "datacite")
    c = Citation(raw="...", start=0, end=3, doi="10.1371/notarealdoi")
    rsps.add("GET", "https://api.datacite.org/dois/10.1371/notarealdoi", status=404,
             content_type="application/vnd.api+json", body=body("datacite", "dois_10.1234_not.a.real.doi.json"))
    assert resolver(clock).candidates(c) == []
    assert resolver(clock).candidates(Citation(raw="", start=0, end=0)) == []  # nothing to look up


def test_resolver_title_search_falls_through_to_openalex_and_feeds_decide(
    rsps: responses.RequestsMock, clock: ManualClock
) -> None:
    title = "Attention Is All You Need"
    remap(rsps, "https://api.crossref.org/works", {"query.bibliographic": title, "rows": "5"},
          "crossref", "works_query_ecology_rows_2-354e2743.json")
    recorded(rsps, "openalex")
    res = resolver(clock)
    c = Citation(raw="...", start=0, end=3, title=title, year=2017, venue="arXiv",
                 authors=[{"family": "Vaswani", "given": "Ashish"}, {"family": "Shazeer"}], et_al=True)  # type: ignore[list-item]
    found = res.candidates(c)
    assert [r.source for r in found] == ["crossref", "crossref", "openalex", "openalex"]
    verdict = decide(c, as_hits(found), Context())
    assert verdict.status is Status.verified and verdict.record is not None
    assert verdict.record.doi == "10.48550/arxiv.1706.03762"
    assert {r.id for r in res.found_records(clear=True)} == {r.id for r in found}
    assert res.found_records() == []


def test_resolver_does_not_offer_loose_hits_when_a_source_failed(rsps: responses.RequestsMock, clock: ManualClock) -> None:
    title = "Attention Is All You Need"
    remap(rsps, "https://api.crossref.org/works", {"query.bibliographic": title, "rows": "5"},
          "crossref", "works_query_ecology_rows_2-354e2743.json")
    rsps.add("GET", re.compile(r"https://api\.openalex\.org/.*"), status=503)
    c = Citation(raw="...", start=0, end=3, title=title)
    # Crossref answered with unrelated works; OpenAlex, which has the paper, was down: judging the
    # citation on Crossref's hits alone would call a real paper fabricated
    with pytest.raises(LookupFailedError, match="openalex title search"):
        resolver(clock).candidates(c)
