"""The life of a worker process (`citeproof.verifier.workers`): settings in, "ready" out, then one
answer per task until its input ends. Apart from the pool, which the verifier imports, because this
side builds a `Verifier`."""

from __future__ import annotations

import os
import sys
from typing import Any

from citeproof.index import bf16
from citeproof.index.dense import set_scan_threads
from citeproof.verifier.core import Verifier
from citeproof.verifier.extract import is_bibliography
from citeproof.verifier.workers import (
    WorkerSettings,
    citations_from_payload,
    encode_results,
    read_frame,
    write_frame,
)

__all__ = ["main", "run_task"]


def run_task(verifier: Verifier, task: tuple[str, Any]) -> Any:
    """What a worker does with one task.

    ("verify", texts): `verify_many(texts)`; per text its encoded results, its timings and whether it
    is a bibliography read whole (`extract.is_bibliography`, which a piece of a cut file must be).
    ("check", citations JSON): `Verifier.verdicts` of them (one per citation, tentative ones included)."""
    kind, payload = task
    if kind == "verify":
        reports = verifier.verify_many(payload)
        return [
            (encode_results(r.citations), r.timings, is_bibliography(text, r.citations))
            for text, r in zip(payload, reports, strict=True)
        ]
    if kind == "check":
        return encode_results(verifier.verdicts(citations_from_payload(payload)))
    raise ValueError(f"unknown task {kind!r}")


def main() -> None:
    wire_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, not into the frames
    wire_in = sys.stdin.buffer
    settings = WorkerSettings.from_wire(read_frame(wire_in))
    # (its BLAS and OpenMP run one thread: the pool starts it with OMP_NUM_THREADS=1 and the like; and
    # a query searched alone is scanned by this thread only: the processes are the parallelism)
    set_scan_threads(1)
    verifier = Verifier(
        settings.index, k=settings.k, today=settings.today, strict=settings.strict, calibration=settings.calibration
    )
    verifier.index.embed(["warm"])  # the model loaded before the first task, not during it
    if settings.bf16_screen:
        bf16.load()  # (the batch screen's bfloat16 product: a second or two, before the worker is ready)
    write_frame(wire_out, "ready")
    while True:
        try:
            task = read_frame(wire_in)
        except EOFError:
            return
        try:
            answer: tuple[bool, Any] = (True, run_task(verifier, task))
        except Exception as e:  # the verifier does this share itself
            answer = (False, f"{type(e).__name__}: {e}")
        write_frame(wire_out, answer)
