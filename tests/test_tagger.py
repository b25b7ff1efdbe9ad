"""The learned field tagger (`citeproof.verifier.tagger`): the shipped model loads and verifies, spans
are exact, titles come out right on real references in the common forms, a damaged model is refused,
and hostile input stays linear.

The references are written here from the bundled real records in `data/demo_classics.csl.json` (19
classics; none of them is rendered for training, which uses the HALLMARK dev corpus only), in the
forms an LLM writes them: APA-like and IEEE-like entries, markdown list items, table rows, prose.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from citeproof.errors import ModelLoadError
from citeproof.verifier.tagger import (
    FEATURE_VERSION,
    LABELS,
    MAX_TOKENS,
    MODEL_CARD,
    MODEL_PATH,
    FieldTagger,
    default_tagger,
    tokenize,
)

ROOT = Path(__file__).resolve().parent.parent
RECORDS: list[dict[str, Any]] = json.loads((ROOT / "data" / "demo_classics.csl.json").read_text(encoding="utf-8"))


def _initials(given: str) -> str:
    return " ".join(p[0] + "." for p in given.replace("-", " ").split() if p)


def _forms(rec: dict[str, Any]) -> dict[str, str]:
    title, year = rec["title"], rec["issued"]["date-parts"][0][0]
    venue = rec.get("container-title") or "arXiv preprint"
    authors = rec["author"][:6]
    apa = [f"{a['family']}, {_initials(a['given'])}" for a in authors]
    apa_names = ", ".join(apa[:-1]) + ", & " + apa[-1] if len(apa) > 1 else apa[0]
    ieee = [f"{_initials(a['given'])} {a['family']}" for a in authors]
    ieee_names = ", ".join(ieee[:-1]) + ", and " + ieee[-1] if len(ieee) > 1 else ieee[0]
    full = [f"{a['given']} {a['family']}" for a in authors[:3]]
    first = authors[0]["family"]
    return {
        "apa": f"{apa_names} ({year}). {title}. {venue}.",
        "ieee": f'[4] {ieee_names}, "{title}," in {venue}, {year}.',
        "markdown": f"1. **{title}** - {first} et al. ({year}). *{venue}*.",
        "table": f"| {title} | {', '.join(full)} | {year} | {venue} |",
        "prose": f'In their {year} paper "{title}", {first} et al. show that the idea works at scale.',
    }


def test_shipped_model_loads_and_its_checksum_verifies() -> None:
    card = json.loads(MODEL_CARD.read_text(encoding="utf-8"))
    assert card["sha256"] == hashlib.sha256(MODEL_PATH.read_bytes()).hexdigest()
    assert card["feature_version"] == FEATURE_VERSION
    assert tuple(card["labels"]) == LABELS
    assert card["size_bytes"] == MODEL_PATH.stat().st_size < 5_000_000
    tagger = FieldTagger()
    assert tagger.card["version"] == card["version"]
    assert default_tagger() is default_tagger()


FORMS = ("apa", "ieee", "markdown", "table", "prose")


def test_title_span_is_exact_on_real_references() -> None:
    """Every form, every classic: the title span is exact in at least 93% of the 95 references, and
    in at least 16 of 19 in each form. The misses are journal names the training records lack (the
    dev corpus is conference papers and arXiv preprints): "Deep learning. Nature." reads as a venue
    or a longer title. Years are always right."""
    tagger = default_tagger()
    wrong: dict[str, list[tuple[str, str | None]]] = {form: [] for form in FORMS}
    for rec in RECORDS:
        forms = _forms(rec)
        for form in FORMS:
            f = tagger.fields(forms[form])
            if f.title is None or f.title.text != rec["title"]:
                wrong[form].append((forms[form], f.title.text if f.title else None))
            assert f.year == rec["issued"]["date-parts"][0][0], forms[form]
    n_wrong = sum(len(w) for w in wrong.values())
    assert n_wrong <= 0.07 * len(RECORDS) * len(FORMS), wrong
    assert all(len(w) <= 3 for w in wrong.values()), wrong


def test_fields_on_one_reference() -> None:
    text = "Vaswani, A., Shazeer, N., & Parmar, N. (2017). Attention is All you Need. In Advances in Neural Information Processing Systems 30. https://arxiv.org/abs/1706.03762"
    f = default_tagger().fields(text)
    assert f.title is not None and f.title.text == "Attention is All you Need"
    assert [a.text for a in f.authors] == ["Vaswani, A.", "Shazeer, N.", "Parmar, N."]
    assert f.year == 2017 and not f.et_al
    assert f.venue is not None and f.venue.text == "Advances in Neural Information Processing Systems 30"
    assert [i.text for i in f.identifiers] == ["https://arxiv.org/abs/1706.03762"]
    assert 0.0 < f.confidence <= 1.0
    g = default_tagger().fields("- **Deep learning** - LeCun et al. (2015). *Nature*.")
    assert g.et_al and [a.text for a in g.authors] == ["LeCun"]


def test_spans_are_exact() -> None:
    tagger = default_tagger()
    for rec in RECORDS[:6]:
        for text in _forms(rec).values():
            tagged = tagger.tag(text)
            assert [text[t.start : t.end] for t in tagged] == [t.text for t in tokenize(text)]
            assert all(t.label in LABELS and 0.0 <= t.marginal <= 1.0 for t in tagged)
            f = tagger.fields(text)
            for span in [f.title, f.venue, f.year_span, *f.authors, *f.identifiers]:
                if span is not None:
                    assert text[span.start : span.end] == span.text


def test_tokens_keep_offsets() -> None:
    text = "  O’Brien, J.-P. (2019a). “Title: sub—title”. doi:10.1145/3292500.3330701. arXiv:2101.00001v2 **x**"
    toks = tokenize(text)
    assert all(text[t.start : t.end] == t.text for t in toks)
    words = [t.text for t in toks]
    assert "O’Brien" in words and "2019a" in words and "10.1145/3292500.3330701" in words
    assert "2101.00001v2" in words and "**" in words


def _copy_model(tmp_path: Path) -> tuple[Path, Path]:
    model, card = tmp_path / "m.crfsuite", tmp_path / "m.json"
    shutil.copy(MODEL_PATH, model)
    shutil.copy(MODEL_CARD, card)
    return model, card


def test_tampered_model_is_refused(tmp_path: Path) -> None:
    model, card = _copy_model(tmp_path)
    assert FieldTagger(model, card).fields("Smith, J. (2020). A title. NeurIPS.").year == 2020
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    with pytest.raises(ModelLoadError, match="checksum mismatch"):
        FieldTagger(model, card).tag("Smith, J. (2020). A title.")


def test_missing_or_mismatched_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="missing"):
        FieldTagger(tmp_path / "none.crfsuite").tag("x")
    model, card = _copy_model(tmp_path)
    meta = json.loads(card.read_text(encoding="utf-8"))
    card.write_text(json.dumps({**meta, "feature_version": FEATURE_VERSION + 1}), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="feature version"):
        FieldTagger(model, card).tag("x")
    model.write_bytes(b"")
    card.write_text(json.dumps({**meta, "sha256": hashlib.sha256(b"").hexdigest()}), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="could not be loaded"):
        FieldTagger(model, card).tag("x")


@pytest.mark.parametrize(
    "hostile",
    [
        "a" * 1_000_000,
        "(" * 1_000_000,
        " " * 1_000_000 + "x",
        "https://" + "a" * 1_000_000,
        "10.1234/" + "." * 1_000_000,
        "A. " * 333_333,
        '"**_' * 250_000,
        "Smith, J., " * 100_000,
    ],
)
def test_linear_time_on_hostile_input(hostile: str) -> None:
    tagger = default_tagger()
    tagger.tag("warm up")
    t = time.perf_counter()
    tagged = tagger.tag(hostile)
    f = tagger.fields(hostile)
    assert time.perf_counter() - t < 1.0
    assert len(tagged) <= MAX_TOKENS
    assert f.confidence >= 0.0
