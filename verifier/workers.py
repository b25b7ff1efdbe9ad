"""Worker processes, so that a large batch is verified on every core of the machine.

Verifying is CPU-bound Python (reading BibTeX, comparing names and titles, deciding), so threads
would take turns on one interpreter lock; a large batch is shared among processes instead
(`Verifier(workers=N)`). Each worker is a Python process running `worker_process.main`: it opens the
same index with the verifier's settings (its own SQLite connection; the vectors memory-mapped, so
their pages are shared) and then verifies what it is sent: pieces of a bibliography, runs of whole
answers, or extracted citations. The shares are taken one at a time by whoever is free, the calling
process included (`_Batch`).

Why not `multiprocessing`: its spawn start re-imports the caller's main module in every child (a
script without an `if __name__ == "__main__"` guard would start itself again), and a forked child
inherits OpenMP and BLAS thread pools (GNU OpenMP is not fork-safe: a FAISS search in the child can
hang). A worker here imports citeproof and nothing of the caller's.

The wire: messages of JSON both ways (no pickle: neither side runs what it reads), each a count of
parts and the parts, each with its 4-byte big-endian length, bytes travelling as parts of their own;
the first message to a worker is its settings, the first from it says it is ready. Results come
back as JSON with each record named by its id, and the verifier takes the records from its own
index: rebuilding the records themselves from a pickle or from JSON cost 0.2 s for the 1,119 dev
entries' results (2,800 records), a fifth of verifying them.

A worker that dies or answers with an error leaves its share to the verifier, which does it itself:
no work is lost, and every result is the one a single process gives.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import IO, Any, Generic, TypeVar

from pydantic import TypeAdapter
from threadpoolctl import ThreadpoolController

from citeproof.index.dense import scans_on_this_thread
from citeproof.models import Citation, CitationResult, Record, Suggestion

__all__ = [
    "Answer",
    "Encoded",
    "WorkerSettings",
    "Workers",
    "citations_from_payload",
    "citations_payload",
    "decode_results",
    "encode_results",
    "read_frame",
    "write_frame",
]

_HEADER = struct.Struct(">I")
_RESULTS: TypeAdapter[list[CitationResult]] = TypeAdapter(list[CitationResult])
_CITATIONS: TypeAdapter[list[Citation]] = TypeAdapter(list[Citation])
_NO_RECORDS = {"__all__": {"record", "suggestions"}}
# a worker's BLAS and OpenMP run one thread: the processes are the parallelism
_ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


@dataclass(frozen=True)
class WorkerSettings:
    """What a worker needs to build the verifier's twin."""

    index: str
    k: int
    today: date | None
    strict: bool
    calibration: bool
    bf16_screen: bool  # load the batch screen's bfloat16 product (`citeproof.index.bf16`) before "ready"

    def to_wire(self) -> dict[str, object]:
        return {**asdict(self), "today": self.today.isoformat() if self.today else None}

    @classmethod
    def from_wire(cls, d: dict[str, Any]) -> WorkerSettings:
        return cls(**{**d, "today": date.fromisoformat(d["today"]) if d["today"] else None})


# ------------------------------------------------------------------------------------------ encoding


@dataclass(frozen=True)
class Encoded:
    """Results as a worker sends them: their JSON without records, and the records by id."""

    json: bytes
    record_ids: list[str | None]
    suggestions: list[list[tuple[str, float]]]


def encode_results(results: Sequence[CitationResult]) -> Encoded:
    return Encoded(
        _RESULTS.dump_json(list(results), exclude=_NO_RECORDS),
        [r.record.id if r.record is not None else None for r in results],
        [[(s.record.id, s.score) for s in r.suggestions] for r in results],
    )


def decode_results(enc: Encoded, records: Callable[[list[str]], dict[str, Record]]) -> list[CitationResult]:
    """The results of `enc`, their records read with `records` (ids -> records). Raises KeyError if one
    is missing (the index changed under the worker)."""
    results = _RESULTS.validate_json(enc.json)
    wanted = [i for i in enc.record_ids if i is not None] + [i for ss in enc.suggestions for i, _ in ss]
    found = records(wanted) if wanted else {}
    for r, rid, ss in zip(results, enc.record_ids, enc.suggestions, strict=True):
        if rid is not None:
            r.record = found[rid]
        if ss:
            r.suggestions = [Suggestion(record=found[i], score=score) for i, score in ss]
    return results


def citations_payload(citations: Sequence[Citation]) -> bytes:
    return _CITATIONS.dump_json(list(citations))


def citations_from_payload(payload: bytes) -> list[Citation]:
    return _CITATIONS.validate_json(payload)


# ------------------------------------------------------------------------------------------ the pool


def write_frame(stream: IO[bytes], obj: object) -> None:
    """Write one message: JSON, with each `bytes` and `Encoded` in it sent as a part of its own (no
    pickle: nothing here executes what it reads; results' JSON passes through unparsed)."""
    blobs: list[bytes] = []

    def lift(x: object) -> object:
        if isinstance(x, bytes):
            blobs.append(x)
            return {"$blob": len(blobs) - 1}
        if isinstance(x, Encoded):
            blobs.append(x.json)
            return {"$results": len(blobs) - 1, "ids": x.record_ids, "suggestions": x.suggestions}
        if isinstance(x, list | tuple):
            return [lift(v) for v in x]
        if isinstance(x, dict):
            return {k: lift(v) for k, v in x.items()}
        return x

    parts = [json.dumps(lift(obj), ensure_ascii=False).encode("utf-8"), *blobs]
    stream.write(_HEADER.pack(len(parts)) + b"".join(_HEADER.pack(len(p)) + p for p in parts))
    stream.flush()


def read_frame(stream: IO[bytes]) -> Any:
    """The next message (tuples read back as lists); EOFError when the stream ends."""

    def exactly(size: int) -> bytes:
        data = stream.read(size)
        if len(data) < size:
            raise EOFError
        return data

    count = _HEADER.unpack(exactly(_HEADER.size))[0]
    parts = [exactly(_HEADER.unpack(exactly(_HEADER.size))[0]) for _ in range(count)]

    def drop(x: Any) -> Any:
        if isinstance(x, list):
            return [drop(v) for v in x]
        if isinstance(x, dict):
            if "$blob" in x:
                return parts[1 + x["$blob"]]
            if "$results" in x:
                return Encoded(parts[1 + x["$results"]], x["ids"], [[(i, sc) for i, sc in ss] for ss in x["suggestions"]])
            return {k: drop(v) for k, v in x.items()}
        return x

    return drop(json.loads(parts[0]))


# what a worker runs: `worker_process.main`, which builds a `Verifier` (the pool, imported by the
# verifier, cannot import it)
_ENTRY = "from citeproof.verifier.worker_process import main; main()"

T = TypeVar("T")


@dataclass
class Answer:
    """What became of one task: done here (`value` is `local`'s result), or by a worker (`value` is its
    answer), or failed there (`ok` False, `value` says why: the caller does it itself)."""

    here: bool
    ok: bool
    value: Any


class _Batch(Generic[T]):
    """The tasks of one `Workers.run`, taken one at a time by whoever is free: the calling process and
    each worker (its reader thread hands it the next task as it answers the last). Shares are small
    and many, so that a process slowed by another job on the machine does fewer of them instead of
    holding up the batch."""

    def __init__(self, tasks: Sequence[T], wire: Callable[[T], tuple[str, Any]]) -> None:
        self.tasks = tasks
        self.wire = wire
        self.answers: list[Answer | None] = [None] * len(tasks)
        self._todo = list(range(len(tasks) - 1, -1, -1))  # popped from the end: in order
        self._out = 0  # tasks sent and not yet answered
        self._unread: list[int] = []  # tasks a worker answered whose answer `read` has not gathered
        self._cond = threading.Condition()

    def take(self) -> int | None:
        with self._cond:
            return self._todo.pop() if self._todo else None

    def give(self, worker: _Worker) -> None:
        """Send `worker` the next task, if any is left."""
        with self._cond:
            if not self._todo or not worker.alive:
                worker.job = None
                return
            i = self._todo.pop()
            self._out += 1
        worker.job = (self, i)
        if not worker.send(self.wire(self.tasks[i])):
            self.answered(i, Answer(False, False, "the worker process ended"))
            worker.job = None

    def answered(self, i: int, answer: Answer) -> None:
        self.answers[i] = answer
        with self._cond:
            self._out -= 1
            if answer.ok:
                self._unread.append(i)
            self._cond.notify_all()

    def read(self, gather: Callable[[T, Any], Any]) -> None:
        """Turn the workers' answers that came in so far into what `gather(task, answer)` makes of
        them (in the calling thread: decoding results is Python work, done between its own shares
        rather than all at the end)."""
        while True:
            with self._cond:
                if not self._unread:
                    return
                i = self._unread.pop()
            a = self.answers[i]
            assert a is not None
            self.answers[i] = Answer(False, True, gather(self.tasks[i], a.value))

    def wait(self) -> list[Answer]:
        with self._cond:
            self._cond.wait_for(lambda: self._out == 0)
        assert all(a is not None for a in self.answers)
        return self.answers  # type: ignore[return-value]


class _Worker:
    """One worker process, and a thread that reads its answers (portable: no select on pipes), so that
    readiness can be asked without blocking and the next task is sent the moment one is answered."""

    def __init__(self, settings: WorkerSettings) -> None:
        env = {**os.environ, **_ONE_THREAD}
        self.proc = subprocess.Popen([sys.executable, "-c", _ENTRY], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self.ready = threading.Event()
        self.alive = True
        self.job: tuple[_Batch[Any], int] | None = None
        self._send_lock = threading.Lock()
        assert self.proc.stdin is not None
        try:
            write_frame(self.proc.stdin, settings.to_wire())
        except OSError:
            self.alive = False
        threading.Thread(target=self._pump, daemon=True, name="citeproof-worker-reader").start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        try:
            if read_frame(self.proc.stdout) != "ready":
                raise EOFError
            self.ready.set()
            while True:
                ok, value = read_frame(self.proc.stdout)
                job, self.job = self.job, None
                if job is not None:
                    batch, i = job
                    batch.answered(i, Answer(False, ok, value))
                    batch.give(self)
        except Exception:  # a frame that cannot be read ends the worker's use, never the batch
            self.alive = False
            self.ready.set()  # (to wake a waiter; `alive` says it is gone)
            job, self.job = self.job, None
            if job is not None:
                job[0].answered(job[1], Answer(False, False, "the worker process ended"))
            with contextlib.suppress(OSError):
                self.proc.kill()

    def send(self, task: tuple[str, Any]) -> bool:
        assert self.proc.stdin is not None
        try:
            with self._send_lock:
                write_frame(self.proc.stdin, task)
            return True
        except OSError:
            self.alive = False
            return False

    def close(self, timeout: float = 5.0) -> None:
        self.alive = False
        with contextlib.suppress(OSError):
            if self.proc.stdin:
                self.proc.stdin.close()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Workers:
    """`n` worker processes verifying shares of a batch next to the calling process.

    Started at once; they load the index in the background, and only those ready take shares
    (`ready`), so a batch never waits for a start. One batch at a time: a call that finds them busy
    (another thread's batch) is told so and verifies alone."""

    def __init__(self, settings: WorkerSettings, n: int) -> None:
        self._workers = [_Worker(settings) for _ in range(n)]
        self._busy = threading.Lock()
        self._threads: ThreadpoolController | None = None

    def _one_thread(self) -> contextlib.AbstractContextManager[object]:
        """This process's BLAS and OpenMP held to one thread while the workers run: their pools' idle
        threads spin for a while after each call (the dense search's matrix product, FAISS's heaps),
        taking the cores the workers run on (a batch of the dev entries on 2 cores: 1,200 -> 1,380
        citations/s from this alone). For the same reason a query searched alone is scanned on the
        calling thread only (`dense.scans_on_this_thread`), as in the workers."""
        if self._threads is None:  # (made at the first batch: it sees the libraries loaded by then)
            self._threads = ThreadpoolController()
        return self._threads.limit(limits=1)

    def ready(self, timeout: float = 0.0) -> int:
        """How many workers are ready, waiting up to `timeout` seconds for all to be."""
        for w in self._workers:
            w.ready.wait(timeout)
        return sum(w.alive and w.ready.is_set() for w in self._workers)

    def run(
        self,
        tasks: Sequence[T],
        local: Callable[[T], Any],
        wire: Callable[[T], tuple[str, Any]],
        gather: Callable[[T, Any], Any],
    ) -> list[Answer] | None:
        """Every task done by whoever is free, this process (`local(task)`) or a ready worker (sent as
        `wire(task)`, its answer made into `gather(task, answer)` in this thread), one `Answer` each,
        in order. None when the workers are busy with another batch or none is ready."""
        if not self._busy.acquire(blocking=False):
            return None
        try:
            ready = [w for w in self._workers if w.alive and w.ready.is_set()]
            if not ready:
                return None
            batch = _Batch(tasks, wire)
            for w in ready:
                batch.give(w)
            with self._one_thread(), scans_on_this_thread():
                while (i := batch.take()) is not None:
                    batch.answers[i] = Answer(True, True, local(tasks[i]))
                    batch.read(gather)
            answers = batch.wait()
            batch.read(gather)
            return answers
        finally:
            self._busy.release()

    def close(self) -> None:
        for w in self._workers:
            w.close()
