"""Streaming: results arrive as citations complete, once each, with spans into the whole answer."""

from __future__ import annotations

import asyncio

from citeproof.models import Status

ANSWER = (
    "Two classics:\n\n"
    "1. He, K., Zhang, X., Ren, S., & Sun, J. (2016). Deep residual learning for image recognition. In CVPR.\n"
    "2. Vaswani, A., Shazeer, N., Parmar, N., Uszkoreit, J., Jones, L., Gomez, A. N., Kaiser, L., & Polosukhin, I. "
    "(2017). Attention is all you need. NeurIPS.\n"
    "3. Smith, J., & Lee, K. (2021). Quantum gradient hashing for sparse retrieval transformers. ICML.\n\n"
    "Hope this helps!"
)


def tokens(text: str, size: int = 7) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def test_stream_yields_each_citation_once_as_it_completes(verifier) -> None:
    seen_at: list[int] = []
    results = []
    fed = 0
    gen = verifier.stream(_counting(tokens(ANSWER), lambda n: seen_at.append(n)))
    for r in gen:
        results.append(r)
        fed = len(seen_at)
        # a result never arrives before its citation's text has been streamed
        assert sum(len(t) for t in tokens(ANSWER)[:fed]) >= r.end
    assert [r.status for r in results] == [Status.verified, Status.verified, Status.fabricated]
    whole = verifier.verify(ANSWER)
    assert [(r.start, r.end) for r in results] == [(c.start, c.end) for c in whole.citations]
    assert all(ANSWER[r.start : r.end] == r.raw for r in results)


def _counting(chunks, on_chunk):
    for i, c in enumerate(chunks, 1):
        on_chunk(i)
        yield c


def test_first_result_arrives_before_the_stream_ends(verifier) -> None:
    chunks = tokens(ANSWER)
    consumed = 0

    def gen():
        nonlocal consumed
        for c in chunks:
            consumed += 1
            yield c

    first = next(iter(verifier.stream(gen())))
    assert first.status is Status.verified
    assert consumed < len(chunks)


def test_async_stream(verifier) -> None:
    async def agen():
        for c in tokens(ANSWER, 11):
            await asyncio.sleep(0)
            yield c

    async def collect():
        return [r async for r in verifier.astream(agen())]

    results = asyncio.run(collect())
    assert [r.status for r in results] == [Status.verified, Status.verified, Status.fabricated]
