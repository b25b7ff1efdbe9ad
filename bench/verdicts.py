"""Every verdict citeproof gives on the dev sets, one JSON line each, to diff two versions of the code.

    python -m bench.verdicts --out before.jsonl      # on one version
    python -m bench.verdicts --out after.jsonl       # on the other
    diff before.jsonl after.jsonl                    # empty when no verdict changed

A refactor or a speed-up must leave every verdict as it was: this dumps, for the HALLMARK dev BibTeX
split, the dev LLM-style answers, the 15-style answers, the genuine GPT-3.5 reference lists and the
genuine chat answers that cite nothing, each citation's span, status, matched record, suggestions,
field checks and confidence. Only the stable public API is used (``citeproof.index``,
``citeproof.verifier``), so the same script runs against older checkouts too.
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from citeproof.index import build_index, open_index
from citeproof.verifier import Verifier

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data"
BENCH_TODAY = date(2026, 11, 27)


def _texts(data: Path) -> Iterator[tuple[str, str]]:
    yield "bib", (data / "hallmark" / "dev_public.bib").read_text(encoding="utf-8")
    sets = [
        ("answers", data / "hallmark" / "answers_dev.jsonl.gz"),
        ("styles", HERE / "data" / "answers_styles.jsonl.gz"),
        ("gpt35", data / "real_llm" / "ms_title_lists_gpt35.jsonl.gz"),
        ("negatives", data / "real_llm" / "chat_negatives_dev.jsonl.gz"),
    ]
    for name, path in sets:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                row = json.loads(line)
                yield f"{name}:{row.get('id', i)}", row["text"]


def _row(where: str, c: Any) -> dict[str, Any]:
    return {
        "where": where,
        "span": [c.start, c.end],
        "status": c.status.value,
        "record": c.record.id if c.record else None,
        "suggestions": [s.record.id for s in c.suggestions],
        "fields": [[f.field, f.agrees] for f in c.fields],
        "confidence": round(c.confidence, 4),
        "reasons": c.reasons,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=HERE / ".cache" / "dev-index")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    if not (args.index / "manifest.json").is_file():
        hm = args.data / "hallmark"
        build_index([hm / "corpus_dev.csl.jsonl.gz", hm / "corpus_distractors_dev.csl.jsonl.gz"], args.index, fmt="csl-json")
    verifier = Verifier(open_index(args.index), today=BENCH_TODAY)
    n = 0
    with open(args.out, "w", encoding="utf-8") as out:
        for where, text in _texts(args.data):
            for c in verifier.verify(text).citations:
                out.write(json.dumps(_row(where, c), ensure_ascii=False) + "\n")
                n += 1
    print(f"{n} verdicts written to {args.out}")


if __name__ == "__main__":
    main()
