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


def test_unverifiable_out_of_coverage_is_calibrated_as_the_chance_the_work_is_real() -> None:
    out = result(Status.unverifiable, out_of_coverage=True)
    assert bucket(out) == "unverifiable|out_of_coverage"
    assert calibrated(out, {"unverifiable|out_of_coverage": 0.42}) == 0.42
    # any other unverifiable (too little to check, a failed lookup) keeps its own figure: no status rate
    other = result(Status.unverifiable)
    assert bucket(other) == "unverifiable"
    assert calibrated(other, {"unverifiable|out_of_coverage": 0.42, "verified": 0.9}) is None
    assert 0.0 < load_table()["unverifiable|out_of_coverage"] < 0.5


def test_the_fit_scores_each_status_by_what_its_confidence_states() -> None:
    from bench.calibrate import correct, fit

    assert correct(result(Status.verified), real=True) and not correct(result(Status.verified), real=False)
    assert correct(result(Status.fabricated), real=False) and correct(result(Status.mismatch), real=False)
    out = result(Status.unverifiable, out_of_coverage=True)
    assert correct(out, real=True) is True and correct(out, real=False) is False
    assert correct(result(Status.unverifiable), real=True) is None  # not calibrated
    table = fit([(out, True), (out, False), (out, False), (out, False)])
    assert "unverifiable" not in table  # no status-wide rate for unverifiable
    assert 0.25 < table["unverifiable|out_of_coverage"] < 0.5
