"""Calibrated confidence: a table fitted on labelled data, applied by evidence bucket."""

from __future__ import annotations

from citeproof.models import CitationResult, FieldCheck, Record, Status, Suggestion
from citeproof.verifier.calibration import bucket, calibrated, load_table


def result(status: Status, **kw) -> CitationResult:
    return CitationResult(raw="x", start=0, end=1, status=status, confidence=0.5, **kw)


def test_buckets_describe_the_evidence() -> None:
    fields = [
        FieldCheck(field="title", cited="a", found="a", similarity=1.0, agrees=True),
        FieldCheck(field="year", cited="2020", found="2021", similarity=0.0, agrees=False),
    ]
    assert bucket(result(Status.mismatch, fields=fields)) == "mismatch|year"
    rec = Record(id="r", title="t")
    assert bucket(result(Status.fabricated, suggestions=[Suggestion(record=rec, score=0.7)])) == "fabricated|top=2"
    assert bucket(result(Status.verified, fields=fields[:1])) == "verified|fields=1|title_exact=True"


def test_shipped_table_is_a_probability_per_bucket_and_applied(verifier) -> None:
    table = load_table()
    assert table and all(0.0 < v <= 0.99 for v in table.values())
    assert {"verified", "mismatch", "fabricated"} <= set(table)
    [r] = verifier.verify(
        "He, K., Zhang, X., Ren, S., & Sun, J. (2016). Deep residual learning for image recognition. CVPR."
    ).citations
    assert r.status is Status.verified
    assert r.confidence == calibrated(r)
    # an unknown bucket falls back to its status's rate
    assert calibrated(result(Status.mismatch, fields=[]), {"mismatch": 0.9}) == 0.9
