"""The Ray engine of `build_index(..., engine="ray")`: parse and embed a dump on a Ray cluster with
Ray Data, writing the same shards as the local engine (`citeproof.index.build._embed_shards`).

Embedding is nearly all the cost of a build, and it is embarrassingly parallel; parsing JSON lines is
the next cost once embedding is fast (`static-minilm`). So both run on the cluster, as one streaming
Ray Data pipeline, and only the shard files are written by this process (the driver):

    read (Ray tasks, one per file, no CPU reserved)  ->  parse (Ray tasks)  ->  embed (actor pool)
        -> driver: counts skipped records in `stats`, cuts the stream into shards, writes them

* read: a worker opens the dump file (from storage every node sees at the same path) with the
  connectors' own `Source` (gunzip, decoding, line numbers) and asks the connectors' format registry
  (`citeproof.connectors.formats`) what the local reader would do with it. A file its format's reader
  reads as JSON lines (CSL-JSON lines, Crossref items as JSON lines, the arXiv metadata snapshot, S2
  papers) is sent on as raw lines in blocks, so that parsing is spread over the cluster. A dump that
  cannot be split into lines (dblp XML, BibTeX, OAI-PMH XML, a Crossref `{"items": [...]}` page, a JSON
  array) is parsed right there by `read_records` itself, sequentially, and sent on as records.
* parse: every line is read by its format's `read_line`, which runs the local reader's own steps on
  it (the JSON cursor, the format's per-object function, the skip-and-count step), so the records
  and the skip reasons are the local reader's, word for word. This engine knows nothing about any
  format: a change to a reader is a change here too.
* embed: a fixed pool of `workers` actors, each holding one model loaded by name (`Embedder(emb.name)`;
  the driver's model object is never shipped).

Order is preserved end to end (`DataContext.execution_options.preserve_order`), so shard k holds
records k*shard_size ... (k+1)*shard_size-1 in the order `read_records` yields them, and a build
started by one engine can be resumed by the other. Skips and notes travel in the stream as rows of
their own, at their place, so `stats` ends with the same counts and the same messages in the same
order as with the local engine. The driver holds one shard and a few blocks at a time.

Resuming after `start` done shards parses (without embedding) up to the last record of the done
shards to find where it lies (file, line, item), then runs the pipeline from there; files before that
point are not read again.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
import warnings
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import Any, TypedDict

import numpy as np

from citeproof.connectors.formats import DumpFormat, format_of, get_format
from citeproof.connectors.readers import expand_paths, read_records
from citeproof.connectors.records import end_of_file
from citeproof.connectors.source import Source
from citeproof.errors import CiteproofError, InputError, ModelLoadError
from citeproof.index.embed import Embedder
from citeproof.index.layout import embedding_text
from citeproof.index.shards import Checkpoint, record_json, write_shard
from citeproof.models import ReadStats

try:
    import pyarrow as pa
    import ray
    import ray.data
except ImportError as e:  # an optional dependency: the error says how to install it
    _RAY_MISSING: ImportError | None = e
else:
    _RAY_MISSING = None

__all__ = ["default_workers", "embed_shards"]

# Lines (or records) per block leaving a read task: big enough that Ray's per-block overhead (a few
# ms) is small next to parsing the block, small enough to spread one file over many parse tasks and to
# keep the blocks in flight at a few MB.
_BLOCK_ROWS = 2048
# Files read at once. One reader feeds many parse tasks (gunzip and line splitting are cheap next to
# JSON decoding); a second one hides the start-up of the next file's task. With order preserved, a
# file read ahead waits in the object store until the files before it are consumed.
_READERS_AT_ONCE = 2

# What Ray Data appends to the message of an error raised in a stage (`_internal/util.py`).
_RETRY_ADVICE = re.compile(r"\nFailed to [^\n]* after \d+/\d+ attempts \(total backoff [^)]*\)\..*\Z", re.S)

# Row kinds in the stream.
_RECORD = 0  # `rec` holds a Record as JSON, `title` what is embedded
_EVENT = 1  # a skip or a note: `msg` (if any) goes to stats.errors, `skipped` to stats.skipped
_LINE = 2  # a raw JSON line, parsed by the parse stage


@dataclass(frozen=True)
class _Cut:
    """Where a resumed build picks up: rows at or before (file, line or row number, item in line) are
    done. Rows are ordered by that triple."""

    f: int
    no: int
    k: int

    def keeps(self, f: int, no: int, k: int) -> bool:
        return (f, no, k) > (self.f, self.no, self.k)


# ---------------------------------------------------------------------------------------------------
# Blocks


def _schema(*, lines: bool) -> pa.Schema:
    """Columns of the rows between stages; `lines`: with the raw-line columns the parse stage reads."""
    fields = [
        ("f", pa.int32()),  # file index
        ("no", pa.int64()),  # line number (JSON lines) or row number (a file parsed whole)
        ("k", pa.int32()),  # item of the line (a JSON line may hold several)
        ("kind", pa.int8()),
        ("rec", pa.string()),
        ("title", pa.string()),
        ("msg", pa.string()),
        ("skipped", pa.int32()),
        ("psec", pa.float64()),  # seconds spent reading and parsing, on the block's first row
    ]
    if lines:
        fields += [("src", pa.string()), ("fmt", pa.string()), ("line", pa.string())]
    return pa.schema(fields)


class _Rows:
    """Column lists for one block, built row by row."""

    def __init__(self, *, lines: bool) -> None:
        self.schema = _schema(lines=lines)
        self.cols: dict[str, list[Any]] = {name: [] for name in self.schema.names}

    def __len__(self) -> int:
        return len(self.cols["f"])

    def add(self, f: int, no: int, k: int, kind: int, **values: Any) -> None:
        row = {"f": f, "no": no, "k": k, "kind": kind, "skipped": 0, "psec": 0.0, **values}
        for name, col in self.cols.items():
            col.append(row.get(name))

    def table(self, seconds: float) -> pa.Table:
        if self.cols["psec"]:
            self.cols["psec"][0] += seconds
        return pa.Table.from_pydict(self.cols, schema=self.schema)


# ---------------------------------------------------------------------------------------------------
# Read stage (Ray tasks, one per file)


def _read_file(batch: pa.Table, fmt: str | None, cut: _Cut | None) -> Iterator[pa.Table]:
    """Ray Data stage: one row (f, path) -> the file's blocks. JSON lines leave as raw lines; any
    other dump is parsed here by `read_records` and leaves as records and events."""
    f = int(batch["f"][0].as_py())
    path = str(batch["path"][0].as_py())
    with Source(path) as src:
        # The format `read_records` reads the file in (an undetectable format raises here), and
        # whether its reader reads it line by line: both the registry's answers, as for the reader.
        dump = format_of(src, fmt)
        if dump is not None and dump.json_lines(src):
            # The local reader raises DumpFormatError when the first records of a file all fail;
            # running it up to the file's first record raises exactly that error, or nothing.
            next(iter(dump.read(path, ReadStats())), None)
            yield from _line_blocks(f, src, dump, cut)
            return
    yield from _whole_file_blocks(f, path, fmt, cut)


def _line_blocks(f: int, src: Source, dump: DumpFormat, cut: _Cut | None) -> Iterator[pa.Table]:
    """A JSON-lines file as blocks of the raw lines its reader parses, then the reader's end-of-file
    note about undecodable bytes."""
    first = cut.no if cut is not None and cut.f == f else 0  # lines before it are done
    t = time.perf_counter()
    rows = _Rows(lines=True)
    last = 0
    for no, line in dump.item_lines(src):
        last = no
        if no < first:
            continue
        rows.add(f, no, 0, _LINE, src=src.name, fmt=dump.name, line=line)
        if len(rows) >= _BLOCK_ROWS:
            yield rows.table(time.perf_counter() - t)
            t = time.perf_counter()
            rows = _Rows(lines=True)
    end = ReadStats()
    end_of_file(src, end)  # the reader's note once the file is read
    for m in end.errors:
        rows.add(f, last + 1, 0, _EVENT, msg=m)
    if len(rows):
        yield rows.table(time.perf_counter() - t)


def _whole_file_blocks(f: int, path: str, fmt: str | None, cut: _Cut | None) -> Iterator[pa.Table]:
    """A dump that cannot be split by lines, parsed here by the local reader. What the reader puts in
    its stats between two records is sent as event rows before the second one; rows are numbered
    in order, which is what a resume cut refers to."""
    done = cut.no if cut is not None and cut.f == f else -1
    stats = ReadStats(max_errors_kept=sys.maxsize)  # drained below: the driver keeps the first 100
    t = time.perf_counter()
    rows = _Rows(lines=False)
    no = 0
    counted = 0

    def emit(kind: int, **values: Any) -> None:
        nonlocal no
        if no > done:
            rows.add(f, no, 0, kind, **values)
        no += 1

    def drain() -> None:
        # Messages and the skip count travel apart: notes are messages that skip nothing.
        nonlocal counted
        for m in stats.errors:
            emit(_EVENT, msg=m)
        stats.errors.clear()
        if stats.skipped > counted:
            emit(_EVENT, skipped=stats.skipped - counted)
            counted = stats.skipped

    for rec in read_records([path], fmt=fmt, stats=stats):
        drain()
        emit(_RECORD, rec=record_json(rec), title=embedding_text(rec.title))
        if len(rows) >= _BLOCK_ROWS:
            yield rows.table(time.perf_counter() - t)
            t = time.perf_counter()
            rows = _Rows(lines=False)
    drain()
    if len(rows):
        yield rows.table(time.perf_counter() - t)


# ---------------------------------------------------------------------------------------------------
# Parse stage (Ray tasks)


def _parse_lines(batch: pa.Table, cut: _Cut | None) -> pa.Table:
    """Ray Data stage: raw JSON lines -> records and skip events; other rows pass through.

    Each line is read by its format's `read_line`, which runs the reader's own steps on it (a broken
    line is skipped with its line number, each item goes through the reader's skip-and-count step),
    so that the skip reasons are the reader's own, word for word."""
    t = time.perf_counter()
    out = _Rows(lines=False)
    cols = batch.to_pydict()
    stats = ReadStats(max_errors_kept=sys.maxsize)
    for i, kind in enumerate(cols["kind"]):
        f, no = cols["f"][i], cols["no"][i]
        if kind != _LINE:
            if cut is None or cut.keeps(f, no, cols["k"][i]):
                out.add(
                    f,
                    no,
                    cols["k"][i],
                    kind,
                    **{c: cols[c][i] for c in ("rec", "title", "msg", "skipped", "psec")},
                )
            continue
        src, fmt, line = cols["src"][i], cols["fmt"][i], cols["line"][i]
        before = stats.skipped
        for k, rec in get_format(fmt).read_line(src, no, line, stats):
            skipped, before = stats.skipped - before, stats.skipped
            if cut is not None and not cut.keeps(f, no, k):
                continue
            if skipped:
                out.add(f, no, k, _EVENT, msg=stats.errors[-1], skipped=1)
            if rec is not None:
                out.add(f, no, k, _RECORD, rec=record_json(rec), title=embedding_text(rec.title))
        stats.errors.clear()
    return out.table(time.perf_counter() - t)


# ---------------------------------------------------------------------------------------------------
# Embed stage (actor pool)


class _EmbedWorker:
    """Ray Data actor: holds one model, loaded once by name, and adds the record rows' vectors."""

    def __init__(self, model: str, device: str | None, batch_size: int, dim: int) -> None:
        self.emb = Embedder(model, device=device, batch_size=batch_size)
        self.dim = dim
        # An error raised here would reach the driver as Ray's ActorDiedError, with the original
        # only as text; raised from the first batch, it reaches it as itself (a ModelLoadError).
        self.error: CiteproofError | None = None
        try:
            loaded = self.emb.dim  # loads the model now, not inside the first batch
        except CiteproofError as e:
            self.error = e
        else:
            if loaded != dim:  # another model under this name on this node: its vectors would not fit
                self.error = ModelLoadError(
                    f"model {model!r} on this Ray node embeds in {loaded} dimensions, not {dim}"
                )

    def __call__(self, batch: pa.Table) -> pa.Table:
        if self.error is not None:
            raise self.error
        t = time.perf_counter()
        kinds = batch["kind"].to_numpy()
        records = np.flatnonzero(kinds == _RECORD)
        vecs = np.zeros((len(batch), self.dim), dtype=np.float32)
        if len(records):
            titles = batch["title"].take(pa.array(records)).to_pylist()
            vecs[records] = self.emb.encode(titles)
        esec = np.zeros(len(batch))
        if len(batch):
            esec[0] = time.perf_counter() - t
        out = batch.drop_columns(["title"])
        out = out.append_column("esec", pa.array(esec, type=pa.float64()))
        return out.append_column("vec", pa.FixedSizeListArray.from_arrays(pa.array(vecs.ravel()), self.dim))


# ---------------------------------------------------------------------------------------------------
# Driver


def _machine_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _RayQuiet(TypedDict):
    logging_level: int
    log_to_driver: bool


def _connect(address: str | None) -> bool:
    """Join the cluster at `address` (or RAY_ADDRESS), or start a local Ray on this machine's CPUs.
    Returns whether this call connected, i.e. whether the caller should disconnect at the end (which
    stops a local instance it started and leaves a cluster running)."""
    if ray.is_initialized():
        return False
    quiet: _RayQuiet = {"logging_level": logging.WARNING, "log_to_driver": False}
    if address is None and not os.environ.get("RAY_ADDRESS"):
        ray.init(address="local", num_cpus=_machine_cpus(), include_dashboard=False, **quiet)
    else:
        ray.init(address=address, **quiet)
    return True


def default_workers() -> int:
    """Embedding actors when none are asked for: one per two CPUs of the cluster (Ray must be
    initialised), so that the other half parses."""
    return max(1, int(ray.cluster_resources().get("CPU", 1)) // 2)


@contextmanager
def _data_context() -> Iterator[None]:
    """Order-preserving execution, without Ray Data's progress bars (the CLI draws its own), its
    per-run log lines, its tracebacks of a worker's error (the error itself is raised here, see
    `_unwrap`) and its advice to shrink pools that small dumps do not fill (the pools are sized for
    the cluster); all restored afterwards for other users of Ray Data in this process."""
    ctx = ray.data.DataContext.get_current()
    saved = (ctx.execution_options.preserve_order, ctx.enable_progress_bars, ctx.raise_original_map_exception)
    levels = {
        "ray.data": logging.WARNING,  # "Starting execution of Dataset ..." on every run
        "ray.data._internal.progress": logging.ERROR,  # "Progress bars disabled ..."
        "ray.data._internal.execution.streaming_executor_state": logging.CRITICAL,  # a worker's traceback
        "ray.data.exceptions": logging.CRITICAL,  # the same, again
    }
    loggers = [logging.getLogger(name) for name in levels]
    before = [lg.level for lg in loggers]
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = False
    ctx.raise_original_map_exception = True  # else a stage's error arrives as a bare UserCodeException
    for lg in loggers:
        lg.setLevel(levels[lg.name])
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "The maximum number of concurrent tasks", UserWarning)
            yield
    finally:
        ctx.execution_options.preserve_order, ctx.enable_progress_bars, ctx.raise_original_map_exception = (
            saved
        )
        for lg, level in zip(loggers, before, strict=True):
            lg.setLevel(level)


def _pipeline(files: list[str], fmt: str | None, cut: _Cut | None, cpus: int) -> ray.data.Dataset:
    """read -> parse, from the file the cut lies in (the files before it are done)."""
    first = cut.f if cut is not None else 0
    items = [{"f": i, "path": p} for i, p in enumerate(files) if i >= first]
    ds: ray.data.Dataset = ray.data.from_items(items, override_num_blocks=max(1, len(items)))
    # No CPU is reserved for readers (they mostly wait on storage and on the parsers), so a reader
    # never holds a CPU a parser needs; the pool size caps how many run.
    # ray's stub types `fn` as a one-argument callable; the extra arguments come from `fn_kwargs`
    ds = ds.map_batches(
        _read_file,  # type: ignore[arg-type]
        batch_size=1,
        batch_format="pyarrow",
        fn_kwargs={"fmt": fmt, "cut": cut},
        num_cpus=0,
        compute=ray.data.TaskPoolStrategy(size=min(_READERS_AT_ONCE, len(items))),
    )
    # At most one parse task per cluster CPU; Ray runs them on the CPUs the embedding actors leave.
    # (A pool size other than the actor pool's also keeps Ray from fusing parsing into the actors,
    # which would run it inside them, one batch at a time, instead of beside them.)
    return ds.map_batches(
        _parse_lines,  # type: ignore[arg-type]  # `cut` comes from fn_kwargs (see above)
        batch_size=None,
        batch_format="pyarrow",
        fn_kwargs={"cut": cut},
        num_cpus=1,
        compute=ray.data.TaskPoolStrategy(size=cpus),
    )


def _batches(ds: ray.data.Dataset, size: int | None = None) -> Generator[pa.Table, None, None]:
    """The pipeline's output in order, in batches of `size` rows (None: as the blocks come). The
    execution stops when the consumer stops (an exception, a KeyboardInterrupt from `progress`, or
    enough rows for a resume cut)."""
    it = iter(ds.iter_batches(batch_size=size, batch_format="pyarrow", prefetch_batches=2))
    try:
        yield from it
    except Exception as e:
        raise _unwrap(e) from e
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            close()


def _unwrap(e: BaseException) -> BaseException:
    """The citeproof error a worker raised (a dump in the wrong format, a truncated file), as the
    local engine would have raised it, instead of Ray's wrapper around it; any other error as is.
    Ray Data appends its retry advice to the message of an error in a stage: that is taken off."""
    seen: set[int] = set()
    cur: BaseException | None = e
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, CiteproofError) and type(cur).__module__.startswith("citeproof."):
            if cur.args and isinstance(cur.args[0], str):
                cur.args = (_RETRY_ADVICE.sub("", cur.args[0]), *cur.args[1:])
            return cur
        cause = getattr(cur, "cause", None)
        cur = cause if isinstance(cause, BaseException) else (cur.__cause__ or cur.__context__)
    return e


def _apply_events(stats: ReadStats, cols: dict[str, list[Any]], rows: Iterable[int]) -> None:
    """Count skips and keep messages exactly as `ReadStats.skip` and `_records.note` do."""
    for i in rows:
        stats.skipped += cols["skipped"][i] or 0
        msg = cols["msg"][i]
        if msg is not None and len(stats.errors) < stats.max_errors_kept:
            stats.errors.append(msg)


def _find_cut(ds: ray.data.Dataset, skip: int, stats: ReadStats, timings: dict[str, float]) -> _Cut | None:
    """Parse (without embedding) through the `skip` records of the done shards, counting their skips
    in `stats`; returns the position of the last of them, or None if the dump has no more."""
    seen = 0
    with closing(_batches(ds)) as batches:
        for batch in batches:
            cols = batch.select(["f", "no", "k", "kind", "msg", "skipped", "psec"]).to_pydict()
            timings["parse"] += sum(cols["psec"])
            for i, kind in enumerate(cols["kind"]):
                _apply_events(stats, cols, (i,))
                if kind == _RECORD:
                    stats.read += 1
                    seen += 1
                    if seen == skip:
                        return _Cut(cols["f"][i], cols["no"][i], cols["k"][i])
    return None


class _ShardWriter:
    """Collects records and vectors in stream order and writes shard k as soon as it is full."""

    def __init__(self, checkpoint: Checkpoint, start: int, timings: dict[str, float]) -> None:
        self.checkpoint = checkpoint
        self.size = checkpoint.plan.shard_size
        self.k = start
        self.timings = timings
        self.recs: list[str] = []
        self.vecs: list[np.ndarray] = []
        self.held = 0

    def add(self, recs: list[str], vecs: np.ndarray) -> None:
        while recs:
            take = min(self.size - self.held, len(recs))
            self.recs += recs[:take]
            self.vecs.append(vecs[:take])
            self.held += take
            recs, vecs = recs[take:], vecs[take:]
            if self.held == self.size:
                self.flush()

    def flush(self) -> None:
        if not self.held:
            return
        t = time.perf_counter()
        write_shard(self.checkpoint.shard_path(self.k), self.recs, np.concatenate(self.vecs))
        self.timings["shards"] += time.perf_counter() - t
        self.k += 1
        self.recs, self.vecs, self.held = [], [], 0


def embed_shards(
    checkpoint: Checkpoint,
    start: int,
    emb: Embedder,
    stats: ReadStats,
    *,
    batch_size: int = 4096,
    progress: Callable[[int], None] | None = None,
    timings: dict[str, float] | None = None,
    address: str | None = None,
    workers: int | None = None,
) -> None:
    """Write shards `start`, `start + 1`, ... of `checkpoint` by parsing and embedding on Ray.

    Same contract as the local engine: the shards hold the records `read_records` yields, in its
    order, with `emb.name`'s vectors; done shards' records are parsed again but not embedded; `stats`
    gets the reader's skip counts and messages; `progress(n)` is called with the records done.
    `address` is the cluster to join (None: RAY_ADDRESS, else a local Ray on this machine's CPUs);
    `workers` the number of embedding actors (default: half the cluster's CPUs), each holding one
    model and one CPU, encoding `batch_size` rows at a time. `timings["parse"]` and `["embed"]` get
    the seconds the workers spent, summed over workers (more than the wall time when they overlap);
    `["shards"]` the driver's time writing shards. The dump files must be readable at the same path
    on every node.
    """
    if _RAY_MISSING is not None:
        raise InputError(
            f"the ray engine needs Ray Data ({_RAY_MISSING}): pip install 'citeproof[ray]' "
            "(or pip install 'ray[data]==2.60.0')"
        )
    if workers is not None and workers < 1:
        raise InputError(f"workers must be at least 1, not {workers}")
    plan = checkpoint.plan
    timings = timings if timings is not None else {}
    for key in ("parse", "embed", "shards"):
        timings.setdefault(key, 0.0)
    files = [os.fspath(p) for p in expand_paths([p for p, _, _ in plan.sources])]
    if "-" in files:
        raise InputError("the ray engine reads dumps from files that the workers can open, not from stdin")
    if not files:
        return  # empty directories: nothing to read, as with the local engine
    connected = _connect(address)
    try:
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        n_workers = workers if workers is not None else default_workers()
        if n_workers > cpus:
            raise InputError(f"{n_workers} embedding workers asked for, but the Ray cluster has {cpus} CPUs")
        with _data_context():
            _run(checkpoint, start, emb, stats, files, cpus, n_workers, batch_size, progress, timings)
    finally:
        if connected:
            ray.shutdown()


def _run(
    checkpoint: Checkpoint,
    start: int,
    emb: Embedder,
    stats: ReadStats,
    files: list[str],
    cpus: int,
    workers: int,
    batch_size: int,
    progress: Callable[[int], None] | None,
    timings: dict[str, float],
) -> None:
    plan = checkpoint.plan
    skip = start * plan.shard_size
    cut: _Cut | None = None
    if skip:
        cut = _find_cut(_pipeline(files, plan.fmt, None, cpus), skip, stats, timings)
        if cut is None:
            return  # every record is in a done shard
    ds = _pipeline(files, plan.fmt, cut, cpus).map_batches(
        _EmbedWorker,
        batch_size=batch_size,
        batch_format="pyarrow",
        fn_constructor_kwargs={
            "model": emb.name,
            "device": emb.device,
            "batch_size": emb.batch_size,
            "dim": plan.dim,
        },
        num_cpus=1,
        num_gpus=1 if (emb.device or "").startswith("cuda") else 0,
        compute=ray.data.ActorPoolStrategy(size=workers),
    )
    writer = _ShardWriter(checkpoint, start, timings)
    n = skip
    # Rows of `batch_size` (blocks leave the actors as big as they entered them): `progress` is then
    # called about as often as by the local engine, once per embedded batch.
    with closing(_batches(ds, batch_size)) as batches:
        for batch in batches:
            cols = batch.select(["kind", "rec", "msg", "skipped", "psec", "esec"]).to_pydict()
            timings["parse"] += sum(cols["psec"])
            timings["embed"] += sum(cols["esec"])
            kinds = np.asarray(cols["kind"])
            _apply_events(stats, cols, np.flatnonzero(kinds == _EVENT).tolist())
            records = np.flatnonzero(kinds == _RECORD)
            if not len(records):
                continue
            vec = batch["vec"].combine_chunks()
            vecs = vec.values.to_numpy(zero_copy_only=False).reshape(len(batch), plan.dim)[records]
            writer.add([cols["rec"][i] for i in records], vecs)
            stats.read += len(records)
            n += len(records)
            if progress:
                progress(n)
    writer.flush()
