"""Author-year mentions with no reference entry: does a work by that author, from that year, on the
answer's topic exist?

"Smith et al. (2020) showed ..." names no title, so it cannot be verified as a reference. What can be
checked is weaker and is reported as exactly that: the index holds a work whose authors include every
named author, published that year, and whose title is close to what the surrounding text is about.
The verdict is `verified` with that caveat in its reasons (and a modest confidence) when such a work
exists; `unverifiable` when none does, because a local index may simply not hold it.
"""

from __future__ import annotations

import numpy as np

from citeproof.index.core import Index
from citeproof.index.embed import STATIC_MODEL
from citeproof.models import Citation, CitationResult, Status, Suggestion
from citeproof.verifier.compare import compare_authors

__all__ = ["CONTEXT_CHARS", "TOPIC_MIN_SIMILARITY", "is_bare_mention", "settle_bare_mention"]

CONTEXT_CHARS = 300  # text on each side of the mention that says what it is cited for
# Cosine of title and context embeddings below which the work is off-topic, per model. Static
# embeddings run higher on unrelated pairs (median 0.30 vs MiniLM's 0.12 for dev title pairs, 0.35
# vs 0.21 for answer contexts against other titles), so their threshold is MiniLM's shifted by that gap.
# Checked when static-minilm became the default (`python -m bench.static_model --topics`: the 200 ACM
# CCS topics of the GPT-3.5 title lists, each against its own 5 titles and against dev corpus titles):
# on-topic kept minus off-topic accepted is 0.933 for MiniLM at 0.25 (its best, 0.936 at 0.26) and
# 0.839 for the static model at 0.42 (its best, 0.852 at 0.43). The static model separates topics less
# well (against titles of another CS topic: 0.580, MiniLM 0.821) and misses paraphrases that share few
# words with the title; the verdicts it moves are `verified` (0.6) against `unverifiable` (0.5), neither
# flagged (on the dev sets: 7 of 10,814 verdicts, all in the 15-style answers).
TOPIC_MIN_SIMILARITY = 0.25
_TOPIC_MIN_BY_MODEL = {STATIC_MODEL: 0.42}
MENTION_CONFIDENCE = 0.6  # "a work like this exists" is weaker evidence than a matched reference


def is_bare_mention(c: Citation) -> bool:
    return bool(c.authors and c.year and not (c.title or c.doi or c.arxiv_id or c.pmid or c.isbn or c.url))


def _context(text: str, c: Citation) -> str:
    before = text[max(0, c.start - CONTEXT_CHARS) : c.start]
    after = text[c.end : c.end + CONTEXT_CHARS]
    return f"{before} {after}".strip() or c.raw


def settle_bare_mention(c: Citation, text: str, index: Index) -> CitationResult:
    assert c.year is not None
    rowids = index.store.by_author_year(c.authors[0].family, c.year)
    records = [r for r in index.store.get_rows(rowids).values() if compare_authors(list(c.authors), True, list(r.authors)).agrees]
    names = " and ".join(a.family for a in c.authors[:2]) + (" et al." if c.et_al or len(c.authors) > 2 else "")
    base = {**c.model_dump()}
    if not records:
        return CitationResult(
            **base,
            status=Status.unverifiable,
            confidence=0.5,
            reasons=[f"author-year mention with no reference entry; no work by {names} from {c.year} is in the index"],
        )
    vecs = index.embed([_context(text, c), *(r.title for r in records)])
    sims = vecs[1:] @ vecs[0]
    order = np.argsort(-sims)
    suggestions = [Suggestion(record=records[i], score=round(float(sims[i]), 4)) for i in order[:5]]
    best = int(order[0])
    if float(sims[best]) < _TOPIC_MIN_BY_MODEL.get(index.manifest.model, TOPIC_MIN_SIMILARITY):
        return CitationResult(
            **base,
            status=Status.unverifiable,
            confidence=0.5,
            suggestions=suggestions,
            reasons=[
                f"author-year mention with no reference entry; works by {names} from {c.year} exist, "
                "but none is on this topic"
            ],
        )
    return CitationResult(
        **base,
        status=Status.verified,
        record=records[best],
        confidence=MENTION_CONFIDENCE,
        suggestions=suggestions[1:],
        reasons=[
            f"author-year mention with no reference entry: a work by {names} from {c.year} on this topic exists "
            f"({records[best].title!r}); which work is meant cannot be checked"
        ],
    )
