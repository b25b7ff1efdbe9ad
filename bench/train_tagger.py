"""Train the field tagger and measure it: `python -m bench.train_tagger [--quick]`.

One command, seeded and reproducible:

1. renders real records (HALLMARK dev corpus and distractors only) into labelled units in every form
   family (`bench/tagger_data.py`), records split 90/10 into train and held-out;
2. trains a linear-chain CRF (python-crfsuite, L-BFGS with L1+L2 regularisation, rare features
   pruned) on the train split and writes it to `verifier/models/field_tagger.crfsuite`, with a card
   `field_tagger.json` (SHA-256, version, feature version, labels, size, training data, figures);
3. scores it on the held-out units, per family: token accuracy, and the share of units whose title
   span is exactly right, whose author spans are all exactly right, whose year is right, whose
   venue span is exactly right;
4. leave-one-form-out: for each family, trains without that family and scores on its held-out
   units (fewer iterations; two folds at a time), then prints the worst family and the mean;
5. times tagging with the shipped `FieldTagger` (units/s, tokens/s: tokenising, features and CRF).

`--quick` (about a minute) makes fewer units and iterations, for trying a change; it writes the
model under `bench/.cache/` instead of replacing the shipped one unless `--out` says otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.tagger_data import DEFAULT_DATA, FAMILIES, Unit, generate, label_unit
from citeproof.verifier.tagger import (
    FEATURE_VERSION,
    LABELS,
    MODEL_PATH,
    FieldTagger,
    TaggedFields,
    TaggedToken,
    fields_from_tags,
    sequence_features,
    tokenize,
)

__all__ = ["main", "score", "train"]

MODEL_VERSION = "1.0.0"
HERE = Path(__file__).resolve().parent
QUICK_OUT = HERE / ".cache" / "field_tagger_quick" / "field_tagger.crfsuite"
PARAMS = {"c1": 0.5, "c2": 0.05, "feature.minfreq": 2, "feature.possible_transitions": True}


def _sequences(units: Sequence[Unit]) -> list[tuple[Unit, list[Any], list[str]]]:
    out = []
    for u in units:
        labelled = label_unit(u)
        if labelled is None:  # generate() only keeps labellable units
            continue
        toks, labels = labelled
        out.append((u, toks, labels))
    return out


def train(units: Sequence[Unit], path: Path, iterations: int) -> dict[str, Any]:
    """Train a CRF on `units` and write it to `path`; returns training statistics."""
    import pycrfsuite  # type: ignore[import-untyped]

    trainer = pycrfsuite.Trainer(verbose=False)
    n_tokens = 0
    for u, toks, labels in _sequences(units):
        trainer.append(sequence_features(toks, u.text), labels)
        n_tokens += len(toks)
    trainer.select("lbfgs")
    trainer.set_params({**PARAMS, "max_iterations": iterations})
    t = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(path))
    seconds = time.perf_counter() - t
    last = trainer.logparser.last_iteration or {}
    return {
        "train_units": len(units),
        "train_tokens": n_tokens,
        "iterations": last.get("num", iterations),
        "active_features": last.get("active_features"),
        "seconds": round(seconds, 1),
    }


def _same(a: Any, b: Any) -> bool:
    return (a.start, a.end) == (b.start, b.end) if a is not None and b is not None else a is None and b is None


def score(model: Path, units: Sequence[Unit]) -> dict[str, dict[str, float]]:
    """Per family (and "all"): units, token accuracy, title/authors/venue exact, year right."""
    import pycrfsuite

    tagger = pycrfsuite.Tagger()
    tagger.open(str(model))
    rows: dict[str, list[tuple[float, ...]]] = {}
    for u, toks, gold in _sequences(units):
        pred = tagger.tag(sequence_features(toks, u.text))
        g: TaggedFields = fields_from_tags(u.text, [TaggedToken(t.start, t.end, lab, 1.0) for t, lab in zip(toks, gold, strict=True)])
        p: TaggedFields = fields_from_tags(u.text, [TaggedToken(t.start, t.end, lab, 1.0) for t, lab in zip(toks, pred, strict=True)])
        row = (
            sum(a == b for a, b in zip(gold, pred, strict=True)) / max(len(gold), 1),
            float(_same(g.title, p.title)),
            float([(a.start, a.end) for a in g.authors] == [(a.start, a.end) for a in p.authors]),
            float(g.year == p.year),
            float(_same(g.venue, p.venue)),
        )
        rows.setdefault(u.family, []).append(row)
        rows.setdefault("all", []).append(row)
    names = ("token_acc", "title_exact", "authors_exact", "year", "venue_exact")
    return {
        fam: {"units": len(r), **{n: round(statistics.fmean(x[i] for x in r), 4) for i, n in enumerate(names)}}
        for fam, r in rows.items()
    }


# units shared with LOFO worker processes through fork (not pickled per task)
_UNITS: list[Unit] = []


def _lofo_fold(args: tuple[str, int, str]) -> tuple[str, dict[str, float], float]:
    family, iterations, folder = args
    train_units = [u for u in _UNITS if u.split == "train" and u.family != family]
    test_units = [u for u in _UNITS if u.split == "test" and u.family == family]
    path = Path(folder) / f"without-{family}.crfsuite"
    t = time.perf_counter()
    train(train_units, path, iterations)
    # a card, so that `FieldTagger(path)` loads the fold (`bench.extract_lofo --tagger-folds`)
    card = {"sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "feature_version": FEATURE_VERSION,
            "labels": list(LABELS), "left_out": family, "iterations": iterations}
    path.with_suffix(".json").write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    return family, score(path, test_units)[family], time.perf_counter() - t


def _speed(model: Path, units: Sequence[Unit]) -> dict[str, float]:
    """`FieldTagger.fields` over the held-out units, after loading the model: units/s and tokens/s."""
    tagger = FieldTagger(model)
    texts = [u.text for u in units]
    for text in texts[:50]:  # load the model and warm up outside the timing
        tagger.fields(text)
    n_tokens = sum(len(tokenize(text)) for text in texts)
    t = time.perf_counter()
    for text in texts:
        tagger.fields(text)
    seconds = time.perf_counter() - t
    return {"units_per_s": round(len(texts) / seconds), "tokens_per_s": round(n_tokens / seconds)}


def _table(title: str, res: dict[str, dict[str, float]], order: Sequence[str]) -> None:
    print(f"\n{title}")
    print(f"  {'family':<18}{'units':>6}{'token acc':>11}{'title':>8}{'authors':>9}{'year':>7}{'venue':>7}")
    for fam in order:
        if fam in res:
            r = res[fam]
            print(
                f"  {fam:<18}{int(r['units']):>6}{r['token_acc']:>11.3f}{r['title_exact']:>8.3f}"
                f"{r['authors_exact']:>9.3f}{r['year']:>7.3f}{r['venue_exact']:>7.3f}"
            )


def _write_card(
    out: Path, data: bytes, iterations: int, quick: bool, info: dict[str, Any], stats: dict[str, Any],
    gen_s: float, evaluation: dict[str, Any],
) -> dict[str, Any]:
    card = {
        "name": "citeproof field tagger",
        "version": MODEL_VERSION,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size_bytes": len(data),
        "feature_version": FEATURE_VERSION,
        "labels": list(LABELS),
        "algorithm": {"crfsuite": "lbfgs", **PARAMS, "max_iterations": iterations},
        "training": {
            "command": "python -m bench.train_tagger" + (" --quick" if quick else ""),
            "data": "HALLMARK dev corpus + distractors (CSL-JSON) rendered in CSL styles (citeproc-py) and LLM-like "
            "markdown list items, table rows and prose; records split 90/10, trained on the 90%",
            **info,
            **stats,
            "generation_seconds": round(gen_s, 1),
        },
        "evaluation": evaluation,
    }
    out.with_suffix(".json").write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    return card


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.train_tagger", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with the HALLMARK dev corpus files")
    ap.add_argument("--out", type=Path, default=None, help=f"model path (default {MODEL_PATH})")
    ap.add_argument("--quick", action="store_true", help="small run for trying a change (~1 minute)")
    ap.add_argument("--per-family", type=int, default=None, help="units per form family (default 2000; quick 400)")
    ap.add_argument("--iterations", type=int, default=None, help="L-BFGS iterations (default 100; quick 40)")
    ap.add_argument("--lofo-iterations", type=int, default=None, help="for each LOFO fold (default 60; quick 30)")
    ap.add_argument("--no-lofo", action="store_true", help="skip leave-one-form-out")
    ap.add_argument("--save-folds", type=Path, default=None,
                    help="keep each LOFO fold's model here as without-<family>.crfsuite (for bench.extract_lofo)")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="LOFO folds trained at once")
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args(argv)
    per_family = args.per_family or (400 if args.quick else 2000)
    iterations = args.iterations or (40 if args.quick else 100)
    lofo_iterations = args.lofo_iterations or (30 if args.quick else 60)
    out: Path = args.out or (QUICK_OUT if args.quick else MODEL_PATH)

    t0 = time.perf_counter()
    units, info = generate(per_family, seed=args.seed, data_dir=args.data, log=print)
    gen_s = time.perf_counter() - t0
    train_units = [u for u in units if u.split == "train"]
    test_units = [u for u in units if u.split == "test"]
    print(f"data: {len(train_units)} train + {len(test_units)} held-out units in {gen_s:.0f}s "
          f"({info['dropped_unalignable']} dropped as unalignable)")

    stats = train(train_units, out, iterations)
    data = out.read_bytes()
    print(f"trained: {stats['train_units']} units, {stats['train_tokens']} tokens, {stats['iterations']} iterations, "
          f"{stats['active_features']} active features in {stats['seconds']:.0f}s; model {len(data) / 1e6:.2f} MB")
    _write_card(out, data, iterations, args.quick, info, stats, gen_s, {})  # FieldTagger needs it for the timing
    held = score(out, test_units)
    _table("held-out (records never seen in training), per family:", held, [*FAMILIES, "all"])
    speed = _speed(out, test_units)
    print(f"\ntagging speed (FieldTagger.fields: tokenise + features + CRF, one core): "
          f"{speed['units_per_s']} units/s, {speed['tokens_per_s']} tokens/s")

    lofo: dict[str, dict[str, float]] = {}
    if not args.no_lofo:
        global _UNITS
        _UNITS = units
        t = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            folder = args.save_folds or Path(tmp)
            folder.mkdir(parents=True, exist_ok=True)
            tasks = [(fam, lofo_iterations, str(folder)) for fam in FAMILIES]
            if args.jobs > 1:
                with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
                    results = pool.map(_lofo_fold, tasks, chunksize=1)
            else:
                results = [_lofo_fold(task) for task in tasks]
        for fam, res, _secs in results:
            lofo[fam] = res
        _table(f"leave-one-form-out (train without the family, {lofo_iterations} iterations; "
               f"score on its held-out units), in {time.perf_counter() - t:.0f}s:", lofo, FAMILIES)
        for metric in ("token_acc", "title_exact"):
            worst = min(FAMILIES, key=lambda f: lofo[f][metric])
            mean = statistics.fmean(lofo[f][metric] for f in FAMILIES)
            print(f"  {metric}: worst {worst} {lofo[worst][metric]:.3f}, mean {mean:.3f}")

    card = _write_card(out, data, iterations, args.quick, info, stats, gen_s, {"held_out": held, "leave_one_form_out": lofo, "speed": speed})
    print(f"\nwrote {out} ({len(data) / 1e6:.2f} MB, sha256 {card['sha256'][:16]}...) and {out.with_suffix('.json').name}; "
          f"total {time.perf_counter() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
