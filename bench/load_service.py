"""Load test for `citeproof serve`: N concurrent POST /verify on loopback; prints errors and p50/p95/p99.

    python bench/load_service.py [--index DIR | --url http://127.0.0.1:8000] [-n 200] [--deadline 300]

Without --url it starts the service in-process on a free loopback port (over --index, or the demo
index). All N requests are in flight at once on N connections, the way a burst from many chat
sessions arrives; tests/test_service.py runs `fire` as its 200-request regression check. The run is
bounded: at most MAX_REQUESTS requests, and requests still unanswered at the deadline are cancelled
and counted as errors, so a stuck service cannot hang a CI job.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from contextlib import ExitStack
from dataclasses import dataclass, field

import httpx

__all__ = ["ANSWER", "MAX_REQUESTS", "LoadResult", "fire", "main"]

MAX_REQUESTS = 10_000  # one connection each: more would exhaust file descriptors before the service
DEFAULT_DEADLINE_S = 300.0

ANSWER = (
    "Transformers [1] and residual networks [2] are the backbone of modern models.\n\nReferences\n"
    "1. Vaswani, A., Shazeer, N., Parmar, N., Uszkoreit, J., Jones, L., Gomez, A. N., Kaiser, L., & Polosukhin, I. "
    "(2017). Attention is all you need. Advances in Neural Information Processing Systems, 30.\n"
    "2. He, K., Zhang, X., Ren, S., & Sun, J. (2016). Deep residual learning for image recognition. In CVPR.\n"
)


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0

    def percentile(self, p: float) -> float:
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))] if xs else float("nan")

    def line(self) -> str:
        n = len(self.latencies) + len(self.errors)
        return (
            f"{n} requests, {len(self.errors)} errors, {self.wall:.2f}s wall, {n / self.wall:.1f} req/s; "
            f"latency p50 {self.percentile(50) * 1000:.0f} ms, p95 {self.percentile(95) * 1000:.0f} ms, "
            f"p99 {self.percentile(99) * 1000:.0f} ms, mean {statistics.fmean(self.latencies or [0]) * 1000:.0f} ms"
        )


async def _fire(url: str, n: int, text: str, timeout: float, deadline: float) -> LoadResult:
    result = LoadResult()
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) as client:

        async def one() -> None:
            t0 = time.perf_counter()
            try:
                resp = await client.post("/verify", json={"text": text})
                if resp.status_code != 200:
                    result.errors.append(f"HTTP {resp.status_code}: {resp.text[:200]}")
                elif resp.json()["summary"]["total"] < 1:
                    result.errors.append("a 200 answer without the citations")
                else:
                    result.latencies.append(time.perf_counter() - t0)
            except httpx.HTTPError as e:
                result.errors.append(f"{type(e).__name__}: {e}")

        t0 = time.perf_counter()
        tasks = [asyncio.create_task(one()) for _ in range(n)]
        _, late = await asyncio.wait(tasks, timeout=deadline)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        result.errors += [f"no answer within the {deadline:g}s deadline"] * len(late)
        result.wall = time.perf_counter() - t0
    return result


def _check_bounds(n: int, deadline: float) -> None:
    if not 1 <= n <= MAX_REQUESTS:
        raise ValueError(f"n must be between 1 and {MAX_REQUESTS:,}, not {n}")
    if not deadline > 0:
        raise ValueError(f"the deadline must be positive, not {deadline}")


def fire(
    url: str, n: int = 200, text: str = ANSWER, timeout: float = 120.0, deadline: float = DEFAULT_DEADLINE_S
) -> LoadResult:
    """Send `n` concurrent POST /verify of `text` to the service at `url`; count errors and time each.

    `timeout` bounds each request, `deadline` the whole run (unanswered requests count as errors).
    """
    _check_bounds(n, deadline)
    return asyncio.run(_fire(url, n, text, timeout, deadline))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="a running service (default: start one in-process)")
    ap.add_argument("--index", help="index directory for the in-process service (default: demo index)")
    ap.add_argument("-n", type=int, default=200, help=f"concurrent requests (default 200, at most {MAX_REQUESTS:,})")
    ap.add_argument("--deadline", type=float, default=DEFAULT_DEADLINE_S, help="seconds for the whole run (default 300)")
    args = ap.parse_args(argv)
    try:
        _check_bounds(args.n, args.deadline)
    except ValueError as e:
        ap.error(str(e))
    with ExitStack() as stack:
        url = args.url
        if url is None:
            from citeproof.service import background, create_app

            url = stack.enter_context(background(create_app(args.index)))
        print(fire(url, args.n, deadline=args.deadline).line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
