"""`Verifier(online=True)`: live lookups settle what the index cannot; failures never become fabricated."""

from __future__ import annotations

import re
import time

import requests
import responses

from citeproof.connectors.live import RetryPolicy
from citeproof.models import Status
from citeproof.verifier import Verifier
from citeproof.verifier.online import OnlineResolver, default_sources
from tests.conftest import HALLMARK_TODAY

NOT_IN_INDEX = (
    "Lecun, Y., Bottou, L., Bengio, Y., & Haffner, P. (1998). Gradient-based learning applied to document "
    "recognition. Proceedings of the IEEE. https://doi.org/10.1109/5.726791\n"
)
IN_INDEX = "He, K., Zhang, X., Ren, S., & Sun, J. (2016). Deep residual learning for image recognition. CVPR.\n"
ANY_URL = re.compile(r"https?://.*")


def _verifier(dev_index_dir, budget_s: float = 2.0) -> Verifier:
    fast = RetryPolicy(attempts=2, base_s=0.01, cap_s=0.02, budget_s=budget_s)
    sources = default_sources("ci@example.org", retry=fast, cache=False)
    return Verifier(dev_index_dir, today=HALLMARK_TODAY, online=OnlineResolver(sources, budget_s=budget_s))


@responses.activate
def test_every_request_failing_makes_unknown_citations_unverifiable(dev_index_dir) -> None:
    responses.add(responses.GET, ANY_URL, body=requests.exceptions.ConnectTimeout("simulated"))
    responses.add(responses.GET, ANY_URL, status=503)
    v = _verifier(dev_index_dir)
    t0 = time.perf_counter()
    report = v.verify(NOT_IN_INDEX + IN_INDEX)
    elapsed = time.perf_counter() - t0
    unknown, known = report.citations
    assert unknown.status is Status.unverifiable
    assert "online lookup failed" in unknown.reasons[-1]
    assert known.status is Status.verified  # settled locally: no network needed
    assert elapsed < 2.0 + 5.0  # the per-citation budget bounds the time spent on the network


@responses.activate
def test_a_work_found_online_is_verified(dev_index_dir) -> None:
    item = {
        "DOI": "10.1109/5.726791",
        "title": ["Gradient-based learning applied to document recognition"],
        "author": [
            {"given": "Y.", "family": "Lecun"},
            {"given": "L.", "family": "Bottou"},
            {"given": "Y.", "family": "Bengio"},
            {"given": "P.", "family": "Haffner"},
        ],
        "container-title": ["Proceedings of the IEEE"],
        "issued": {"date-parts": [[1998]]},
        "type": "journal-article",
    }
    responses.add(
        responses.GET,
        re.compile(r"https://api\.crossref\.org/works/10\.1109.*"),
        json={"status": "ok", "message-type": "work", "message": item},
    )
    responses.add(responses.GET, ANY_URL, status=404)
    [r] = _verifier(dev_index_dir).verify(NOT_IN_INDEX).citations
    assert r.status is Status.verified, r.reasons
    assert r.record is not None and r.record.doi == "10.1109/5.726791"
