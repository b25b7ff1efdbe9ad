"""static-minilm vs all-MiniLM-L6-v2: encode speed and title retrieval on HALLMARK dev, in one run.

    python -m bench.static_model [--data ../shared/data/hallmark] [--n 10000] [--recipes] [--eval-index DIR]
    python -m bench.static_model --ship
    python -m bench.static_model --topics

Speed: titles/s of each model on the same N real titles (after a warm-up), and their ratio; the
machine is shared and noisy, so read the ratio. Retrieval: every title of the dev index's 31,008
real records (corpus_dev + corpus_distractors_dev) is embedded with each model into a FAISS
IndexFlatIP; each HALLMARK dev entry whose real record is known is searched by its cited title alone:
the perturbed entries with an `original_id` (dev_public.labels.jsonl), and the VALID entries, whose
record is found in corpus_dev by DOI or normalised title. Their titles are cited exactly (HALLMARK
perturbs other fields), so the same titles are also searched degraded, deterministically: one word
dropped and one typo; and a short form (subtitle dropped, or the first 60% of the words). Recall@1
and @10 of the record are printed per group, with cosine statistics of matching and of unrelated
title pairs (thresholds set for MiniLM's cosines, such as verifier.bare_mentions.TOPIC_MIN_SIMILARITY, do
not carry over unchanged).

`--recipes` also compares distillation recipes (PCA dims, SIF weighting) from one set of MiniLM
forward passes; this is how `static.PCA_DIMS` was chosen. `--eval-index DIR` builds the dev index
with static-minilm in DIR, for `python bench/eval.py --index DIR` (eval.py uses the model an
index's manifest names, so no other option is needed). MiniLM's vectors of the corpus are cached in
bench/.cache/static_model/ (about 100 s to compute on two cores).

`--topics` checks the per-model threshold of `verifier.bare_mentions` (is a work on the topic of the
text around an author-year mention?): each of the 200 ACM CCS topics of the GPT-3.5 title lists
(../shared/data/real_llm), as the context "Work on <topic>", against its own 5 titles (on topic), a
title of another topic's list (hard off-topic) and a random corpus_dev title (off-topic); for each model,
the share kept / accepted at its threshold, and the threshold that maximises on-topic kept minus
off-topic accepted.

`--ship` regenerates the model the package ships (index/models/static-minilm-v<RECIPE_VERSION>/): it
distils static-minilm afresh from the bundled MiniLM (about a minute), compares the files' SHA-256 with
the shipped ones, and replaces the shipped folder only if they differ (after a recipe change, which
must bump static.RECIPE_VERSION; or on a CPU whose float rounding differs).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

from citeproof.connectors import read_records
from citeproof.index.embed import MINILM_MODEL, Embedder
from citeproof.index.static import STATIC_MODEL
from citeproof.text import title_key

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "hallmark"
CACHE = HERE / ".cache" / "static_model"
CORPORA = ("corpus_dev.csl.jsonl.gz", "corpus_distractors_dev.csl.jsonl.gz")


def load_corpus(data: Path) -> tuple[list[str], list[str], list]:
    records = list(read_records([data / c for c in CORPORA], fmt="csl-json"))
    return [r.id for r in records], [r.title for r in records], records


def load_queries(data: Path, records: list) -> dict[str, list[tuple[str, str]]]:
    """Groups of (cited title, id of the real record) for the entries whose record is known."""
    labels = {}
    with (data / "dev_public.labels.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            lab = json.loads(line)
            labels[lab["key"]] = lab
    dev_ids = {r.id for r in records if r.id.startswith("hm-")}
    by_doi = {r.doi: r.id for r in records if r.id in dev_ids and r.doi}
    by_title = {title_key(r.title): r.id for r in records if r.id in dev_ids}
    groups: dict[str, list[tuple[str, str]]] = {"perturbed (original_id)": [], "valid (DOI/title match)": []}
    with (data / "dev_public.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            e = json.loads(line)
            title = (e.get("fields") or {}).get("title")
            lab = labels.get(e["bibtex_key"], {})
            if not title:
                continue
            if lab.get("original_id"):
                groups["perturbed (original_id)"].append((title, lab["original_id"]))
            elif lab.get("label") == "VALID":
                doi = ((e.get("fields") or {}).get("doi") or "").strip().lower()
                target = by_doi.get(doi) or by_title.get(title_key(title))
                if target:
                    groups["valid (DOI/title match)"].append((title, target))
    # As cited, HALLMARK's titles equal their records' (its perturbations change authors, venue, year,
    # identifiers), so both models find every one; what separates them is a title cited imprecisely.
    pairs = sorted({(t, i) for g in groups.values() for t, i in g})
    groups["degraded: word dropped + typo"] = [(_drop_and_typo(t), i) for t, i in pairs]
    groups["degraded: short form"] = [(_short_form(t), i) for t, i in pairs]
    return groups


def _rng(title: str) -> np.random.Generator:
    return np.random.default_rng(int(hashlib.sha256(title.encode()).hexdigest()[:8], 16))


def _drop_and_typo(title: str) -> str:
    """One word deleted (titles of 4+ words) and two adjacent letters swapped in another word of 5+ letters."""
    rng = _rng(title)
    words = title.split()
    if len(words) >= 4:
        del words[int(rng.integers(len(words)))]
    long = [i for i, w in enumerate(words) if len(w) >= 5]
    if long:
        i = long[int(rng.integers(len(long)))]
        w = words[i]
        j = int(rng.integers(1, len(w) - 2))
        words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def _short_form(title: str) -> str:
    """The subtitle dropped (before ':' or ' - '), else the first 60% of the words, lower-cased."""
    for sep in (":", " - ", " — "):
        head = title.split(sep)[0].strip()
        if head != title.strip() and len(head.split()) >= 1:
            return head.lower()
    words = title.split()
    return " ".join(words[: max(2, int(np.ceil(0.6 * len(words))))]).lower()


def encode_speed(emb: Embedder, titles: list[str]) -> tuple[float, np.ndarray]:
    emb.encode(titles[:200])  # load and warm up
    t = time.perf_counter()
    vecs = emb.encode(titles)
    return len(titles) / (time.perf_counter() - t), vecs


def corpus_vectors(emb: Embedder, titles: list[str], first: np.ndarray) -> np.ndarray:
    """All corpus titles' vectors; `first` are those of titles[:len(first)], already computed. MiniLM's are cached."""
    digest = hashlib.sha256("\n".join(titles).encode()).hexdigest()[:16]
    path = CACHE / f"{emb.name}-{digest}.f32"  # raw float32 rows: nothing to unpickle
    if emb.name == MINILM_MODEL and path.is_file():
        return np.fromfile(path, dtype=np.float32).reshape(len(titles), -1)
    vecs = np.concatenate([first, emb.encode(titles[len(first) :])]) if len(titles) > len(first) else first
    if emb.name == MINILM_MODEL:
        CACHE.mkdir(parents=True, exist_ok=True)
        np.ascontiguousarray(vecs, dtype=np.float32).tofile(path)
    return vecs


def recall(
    corpus: np.ndarray, ids: list[str], queries: np.ndarray, targets: list[str], k: int = 10
) -> tuple[float, float, np.ndarray]:
    index = faiss.IndexFlatIP(corpus.shape[1])
    index.add(np.ascontiguousarray(corpus, dtype=np.float32))
    _, idx = index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
    row = {rid: i for i, rid in enumerate(ids)}
    want = np.array([row[t] for t in targets])
    at1 = float(np.mean(idx[:, 0] == want))
    at10 = float(np.mean((idx == want[:, None]).any(axis=1)))
    return at1, at10, np.einsum("ij,ij->i", queries, corpus[want])


def retrieval_table(name: str, corpus: np.ndarray, ids: list[str], encode, groups) -> None:
    for group, pairs in groups.items():
        q = encode([t for t, _ in pairs])
        at1, at10, cos = recall(corpus, ids, q, [i for _, i in pairs])
        print(
            f"  {name:<22} {group:<30} n={len(pairs):<4} recall@1 {at1:.3f}  recall@10 {at10:.3f}"
            f"  cos(query, record) median {np.median(cos):.3f}"
        )


def unrelated_cosines(corpus: np.ndarray, n: int = 20000, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, len(corpus), n), rng.integers(0, len(corpus), n)
    keep = a != b
    return np.einsum("ij,ij->i", corpus[a[keep]], corpus[b[keep]])


def compare_recipes(ids: list[str], titles: list[str], groups) -> None:
    from citeproof.index.static import make_static_model, static_embeddings, token_vectors

    t = time.perf_counter()
    hidden, keep, tok = token_vectors()
    print(f"\nrecipes (one set of MiniLM forward passes: {time.perf_counter() - t:.0f}s)")
    n_tokens = len(tok["model"]["vocab"])
    for pca in (64, 128, 256, 384, None):
        for sif in (1e-4, 1e-3, None):
            model = make_static_model(static_embeddings(hidden, keep, n_tokens, pca, sif), tok)

            def enc(texts, model=model):
                return model.encode(texts, normalize=True).astype(np.float32)

            corpus = enc(titles)
            retrieval_table(f"pca={pca} sif={sif}", corpus, ids, enc, groups)


def topic_thresholds(data: Path) -> None:
    """On-topic against off-topic cosines of each model, and each model's best topic threshold."""
    import gzip
    import random
    import re

    from citeproof.verifier.bare_mentions import _TOPIC_MIN_BY_MODEL, TOPIC_MIN_SIMILARITY

    path = data.parent / "real_llm" / "ms_title_lists_gpt35.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    topic = re.compile(r'related to "(.*?)"')
    contexts = ["Work on " + m.group(1) for r in rows if (m := topic.search(r["prompt"]))]
    assert len(contexts) == len(rows)
    titles = [[ref["title"].strip('"') for ref in r["refs"]] for r in rows]
    corpus = [r.title for r in read_records([data / CORPORA[0]], fmt="csl-json")]
    rng = random.Random(0)
    on = [(i, t) for i, ts in enumerate(titles) for t in ts]
    others = [(i, rng.choice(titles[(i + rng.randrange(1, len(rows))) % len(rows)])) for i, _ in on]
    unrelated = [(i, rng.choice(corpus)) for i, _ in on]
    print(
        f"\ntopic check: {len(rows)} topics, {len(on)} (topic, own title) pairs and as many of each off-topic kind"
    )
    grid = np.arange(0.10, 0.70, 0.01)
    for emb in (Embedder(MINILM_MODEL), Embedder(STATIC_MODEL)):
        ctx = emb.encode(contexts)

        def cos(pairs, emb=emb, ctx=ctx):
            vecs = emb.encode([t for _, t in pairs])
            return np.einsum("ij,ij->i", vecs, ctx[[i for i, _ in pairs]])

        c_on, c_other, c_unrel = cos(on), cos(others), cos(unrelated)
        at = _TOPIC_MIN_BY_MODEL.get(emb.name, TOPIC_MIN_SIMILARITY)
        print(
            f"  {emb.name:<18} threshold {at:.2f}: on topic kept {np.mean(c_on >= at):.3f}, other topic accepted "
            f"{np.mean(c_other >= at):.3f}, corpus title accepted {np.mean(c_unrel >= at):.3f}"
        )
        for name, off in (("other topic", c_other), ("corpus title", c_unrel)):
            j = [np.mean(c_on >= t) - np.mean(off >= t) for t in grid]
            best = int(np.argmax(j))
            print(
                f"  {'':<18} against {name:<12}: best threshold {grid[best]:.2f} (kept - accepted {j[best]:.3f}); "
                f"at {at:.2f}: {np.mean(c_on >= at) - np.mean(off >= at):.3f}"
            )


def ship() -> None:
    """Distil static-minilm afresh and compare it with the shipped files; replace them if they differ."""
    from citeproof.index.static import CHECKSUMS, distill_static_model, shipped_model_dir

    target = shipped_model_dir()
    shipped = (
        json.loads((target / CHECKSUMS).read_text(encoding="utf-8"))["files"]
        if (target / CHECKSUMS).is_file()
        else None
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".ship-") as tmp:
        t = time.perf_counter()
        fresh = distill_static_model(Path(tmp) / target.name)
        files = json.loads((fresh / CHECKSUMS).read_text(encoding="utf-8"))["files"]
        print(
            f"distilled in {time.perf_counter() - t:.0f}s: "
            + ", ".join(f"{n} {h[:16]}" for n, h in files.items())
        )
        if files == shipped:
            print(f"identical to the shipped files in {target}: left as they are")
            return
        print(f"the shipped files differ ({shipped}): replacing {target}")
        shutil.rmtree(target, ignore_errors=True)
        os.rename(fresh, target)
    sizes = {p.name: p.stat().st_size for p in sorted(target.iterdir())}
    print(f"{target}: {sizes}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--n", type=int, default=10000, help="titles timed per model")
    ap.add_argument("--recipes", action="store_true", help="also compare distillation recipes")
    ap.add_argument(
        "--eval-index", type=Path, help="build the static-minilm dev index here, for bench/eval.py --index"
    )
    ap.add_argument("--ship", action="store_true", help="only regenerate the shipped model (see above)")
    ap.add_argument("--topics", action="store_true", help="only check the author-year topic thresholds")
    args = ap.parse_args(argv)
    if args.ship:
        ship()
        return
    if args.topics:
        topic_thresholds(args.data)
        return

    ids, titles, records = load_corpus(args.data)
    groups = load_queries(args.data, records)
    print(
        f"corpus: {len(titles):,} records; queries: " + ", ".join(f"{g} {len(p)}" for g, p in groups.items())
    )

    static = Embedder(STATIC_MODEL)
    t = time.perf_counter()
    static_dim = static.dim  # loads the shipped model
    print(f"static-minilm ready in {time.perf_counter() - t:.1f}s (dim {static_dim})")
    minilm = Embedder(MINILM_MODEL)
    sample = titles[: args.n]
    print(f"\nencode speed, {len(sample):,} real titles, same run:")
    speed_m, first_m = encode_speed(minilm, sample)
    speed_s, first_s = encode_speed(static, sample)
    print(f"  {MINILM_MODEL:<18} {speed_m:>10,.0f} titles/s  (dim {minilm.dim})")
    print(f"  {STATIC_MODEL:<18} {speed_s:>10,.0f} titles/s  (dim {static_dim})")
    print(f"  ratio static/MiniLM: {speed_s / speed_m:.0f}x")

    print("\nretrieval by title embedding alone (IndexFlatIP over all corpus titles):")
    unrelated = {}
    for emb, first in ((minilm, first_m), (static, first_s)):
        corpus = corpus_vectors(emb, titles, first)
        retrieval_table(emb.name, corpus, ids, emb.encode, groups)
        unrelated[emb.name] = unrelated_cosines(corpus)
    print("\ncosine of unrelated title pairs (random pairs of corpus titles):")
    for name, cos in unrelated.items():
        p50, p95, p99 = np.percentile(cos, [50, 95, 99])
        print(f"  {name:<18} median {p50:.3f}  p95 {p95:.3f}  p99 {p99:.3f}")

    if args.recipes:
        compare_recipes(ids, titles, groups)

    if args.eval_index:
        from citeproof.index import build_index

        m = build_index([args.data / c for c in CORPORA], args.eval_index, fmt="csl-json", model=STATIC_MODEL)
        print(
            f"\nbuilt {args.eval_index}: {m.count:,} records, model {m.model}, {m.build_seconds:.1f}s {m.timings}"
        )
        print(f"now: python bench/eval.py --index {args.eval_index}")


if __name__ == "__main__":
    main()
