"""Side by side: citeproof against the peer checker hallucinator 0.2.2, offline, on the same records.

    python -m bench.peer [--sizes 31008,121000] [--model static-minilm] [--work /tmp/citeproof-peer]
                         [--peer-python /work/peer/venv/bin/python] [--peer-workers 4] [--rebuild] [--no-bf16]

The peer (`pip install hallucinator==0.2.2`, AGPL, a Rust core behind PyO3) ships wheels for
CPython 3.12 only, so it lives in its own venv (`python3.12 -m venv /work/peer/venv &&
/work/peer/venv/bin/pip install hallucinator==0.2.2`) and runs in a child process driven from here.

What is measured, per size (the 31,008 real dev records, or those plus records from `bench.synth`,
the same dump `bench.scale` builds, so both tools hold exactly the same records):

* build: the peer's offline DBLP database and citeproof's index, each from the same dump files read
  with `citeproof.connectors.read_records` (timed from reading the dump to the finished file);
* speed, warm and batched: references/s on the 1,119 HALLMARK dev BibTeX entries
  (`dev_public.bib`), the median of `--passes` passes after one untimed warm-up pass, and the ratio
  citeproof/peer. Passes alternate (citeproof, peer, citeproof, peer, ...) so that a burst of load
  from other jobs on this shared 2-core machine hits both tools alike: absolute numbers are noisy
  here, the ratio is what to compare across runs. Both use every core of the machine: citeproof
  one call `Verifier(workers=--workers).verify(bib)` (0, the default: a process per CPU core; the
  workers' start is not timed, as a service starts them once), also timed as one process alone; the
  peer `Validator.check(refs)` with its default 4 workers on a tokio runtime. Citeproof is timed end to end (BibTeX parsing and extraction
  included, `verify`), and also on its `verify_s` phase alone; the peer gets the entries already
  parsed, so the end-to-end ratio is the one that favours the peer. The ratio depends on the CPU: the
  header names it and its bfloat16 instructions, each size says whether citeproof's batch screen
  multiplied in bfloat16 (`citeproof.index.bf16`), and `--no-bf16` measures without it;
* accuracy on the dev labels: DR, FPR, F1 (`bench.eval.scores`), flagged = citeproof's `mismatch`
  or `fabricated`; and DR per hallucination type for both.

How the peer is built and fed. Its offline DBLP database is the SQLite file its `update-dblp`
command writes (`hallucinator-dblp` 0.2.2, `src/db.rs` and `src/builder.rs` in the sdist): tables
`authors(id, name UNIQUE)`, `publications(id, key UNIQUE, title)`, `publication_authors(pub_id,
author_id)`, the external-content FTS5 table `publications_fts(title)` over `publications`, rebuilt
after loading, and `metadata(key, value)` with `schema_version` = 3 (the only version it opens),
`last_updated`, `publication_count`, `author_count`; 8 KiB pages, WAL, VACUUMed. One record is one
publication (key = citeproof's record id, title as stored, authors as "Given Family" like DBLP's
`<author>` elements). The peer has no year, venue or identifier there: its DBLP lookup is an FTS5
query on title words, then a rapidfuzz ratio >= 0.90 on the normalised titles, then an author check.
Each dev entry is read by citeproof's own extractor (`extract_citations`: the fields citeproof
checks, LaTeX decoded; it also recovers the 7 entries with broken braces that a strict BibTeX parser
drops) and handed to the peer as `Reference(title, authors=["Given Family", ...])`, outside the
timed passes: the peer's offline path reads only those two fields. DOI and arXiv id are not passed: the peer resolves a DOI
at doi.org, which is not offline; year and venue it does not take. Every online database is
disabled by name (`ValidatorConfig.disabled_dbs`; note the names are the display names,
"Semantic Scholar", not "semantic_scholar" as its README says) and no cache or SearxNG is set, so
DBLP-offline is its only source; the databases the peer reports having queried are printed.

How the peer is scored. `ValidationResult.status` is "verified", "mismatch" (an author mismatch:
title found, authors disagree) or "not_found" (no title at ratio >= 0.90; also a title of fewer than
6 words found with disagreeing authors, since the peer suppresses author mismatches on short titles). Mapped to citeproof's statuses: verified -> verified
(not flagged), mismatch -> mismatch (flagged), not_found -> fabricated (flagged). An entry without a
title (none in the dev split) would not be sent to the peer and counts as not flagged, as citeproof's
own unextracted citations do.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bench.eval import BENCH_TODAY, DEFAULT_DATA, scores
from bench.scale import REAL_RECORDS
from bench.scale import _dump as scale_dump
from bench.synth import REAL_FILES
from citeproof.connectors import read_records
from citeproof.index import Index, bf16, build_index
from citeproof.verifier import Verifier
from citeproof.verifier.extract import extract_citations

PEER = "hallucinator==0.2.2"
PEER_PYTHON = Path("/work/peer/venv/bin/python")
# Every backend of hallucinator-core 0.2.2's `build_database_list` except DBLP (matched
# case-insensitively against these display names).
PEER_ONLINE_DBS = (
    "CrossRef", "arXiv", "Semantic Scholar", "ACL Anthology", "Europe PMC", "PubMed", "IACR ePrint",
    "DOI", "OpenAlex", "GovInfo", "Standards", "Open Library",
)  # fmt: skip
PEER_STATUS = {"verified": "verified", "mismatch": "mismatch", "not_found": "fabricated"}
FLAGGED = ("mismatch", "fabricated")

# The schema of hallucinator-dblp 0.2.2 (src/db.rs, `init_database`), verbatim.
_PEER_SCHEMA = """
CREATE TABLE IF NOT EXISTS authors (
    id INTEGER PRIMARY KEY,
    name TEXT UNIQUE NOT NULL
);
CREATE TABLE IF NOT EXISTS publications (
    id INTEGER PRIMARY KEY,
    key TEXT UNIQUE NOT NULL,
    title TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS publication_authors (
    pub_id INTEGER NOT NULL,
    author_id INTEGER NOT NULL,
    PRIMARY KEY (pub_id, author_id)
);
CREATE VIRTUAL TABLE IF NOT EXISTS publications_fts USING fts5(
    title,
    content='publications',
    content_rowid='id'
);
CREATE TABLE IF NOT EXISTS metadata (
    key TEXT PRIMARY KEY,
    value TEXT
);
"""

# Runs under the peer's Python: one `check` per "pass" line on stdin, timed in the child, answered by one
# JSON line (seconds inside the process, statuses in input order, databases queried).
_PEER_CHILD = r"""
import json, sys, time
import hallucinator
from hallucinator import Reference, Validator, ValidatorConfig
db, refs_path, workers, disabled = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
refs = [Reference(r["title"], authors=r["authors"]) for r in json.load(open(refs_path, encoding="utf-8"))]
cfg = ValidatorConfig()
cfg.dblp_offline_path = db
cfg.disabled_dbs = disabled
cfg.num_workers = workers
validator = Validator(cfg)
print(json.dumps({"ready": True, "config": repr(cfg)}), flush=True)
for line in sys.stdin:
    if line.strip() != "pass":
        break
    t0 = time.perf_counter()
    out = validator.check(refs)
    dt = time.perf_counter() - t0
    print(json.dumps({
        "seconds": dt,
        "status": [r.status for r in out],
        "dbs": sorted({d.db_name for r in out for d in r.db_results}),
        "failed": sum(bool(r.failed_dbs) for r in out),
    }), flush=True)
"""


# ------------------------------------------------------------------------------------------- records


def dump_paths(size: int, work: Path, data: Path) -> list[Path]:
    """The dump files of `size` records: the real dev records, or (larger) the `bench.scale` dump."""
    if size == REAL_RECORDS:
        return [data / name for name in REAL_FILES]
    if size < REAL_RECORDS:
        raise SystemExit(f"--sizes: {size} is below the {REAL_RECORDS:,} real records every size holds")
    return [scale_dump(work, size)]


# --------------------------------------------------------------------------------------- peer's DB


def _write_peer_db(paths: list[Path], out: Path) -> int:
    """Write the peer's offline DBLP database from `paths` as its own builder does; returns the count."""
    con = sqlite3.connect(out, isolation_level=None)
    try:
        con.execute("PRAGMA page_size = 8192")
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA synchronous = NORMAL")
        con.executescript(_PEER_SCHEMA)
        con.executescript("PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -64000;")
        author_ids: dict[str, int] = {}
        pub_ids: dict[str, int] = {}
        pubs: list[tuple[int, str, str]] = []
        links: set[tuple[int, int]] = set()
        for rec in read_records(paths, fmt="csl-json"):
            pid = pub_ids.get(rec.id)
            if pid is None:  # a repeated key keeps its id and takes the later title, as its upsert does
                pid = pub_ids[rec.id] = len(pub_ids) + 1
                pubs.append((pid, rec.id, rec.title))
            else:
                pubs[pid - 1] = (pid, rec.id, rec.title)
            for a in rec.authors:
                name = a.display()
                if name:
                    aid = author_ids.setdefault(name, len(author_ids) + 1)
                    links.add((pid, aid))
        con.execute("BEGIN")
        con.executemany(
            "INSERT INTO authors (id, name) VALUES (?, ?)", ((i, n) for n, i in author_ids.items())
        )
        con.executemany("INSERT INTO publications (id, key, title) VALUES (?, ?, ?)", pubs)
        con.executemany("INSERT INTO publication_authors (pub_id, author_id) VALUES (?, ?)", sorted(links))
        con.execute("COMMIT")
        con.execute("INSERT INTO publications_fts(publications_fts) VALUES('rebuild')")
        meta = {
            "last_updated": str(int(time.time())),
            "schema_version": "3",
            "publication_count": str(len(pubs)),
            "author_count": str(len(author_ids)),
        }
        con.executemany("INSERT INTO metadata (key, value) VALUES (?, ?)", meta.items())
        con.execute("VACUUM")
    finally:
        con.close()
    return len(pubs)


def peer_db(paths: list[Path], work: Path, size: int, rebuild: bool) -> tuple[Path, dict[str, Any]]:
    """The peer's DB for `size` records (cached with its build figures beside it)."""
    out = work / f"peer-dblp-{size}.sqlite"
    info = out.with_suffix(".json")
    if rebuild or not (out.exists() and info.exists()):
        tmp = work / f"peer-dblp-{size}.building"
        for p in (tmp, out, info):
            p.unlink(missing_ok=True)
        t0 = time.perf_counter()
        count = _write_peer_db(paths, tmp)
        seconds = time.perf_counter() - t0
        os.replace(tmp, out)
        info.write_text(json.dumps({"count": count, "seconds": seconds}))
        return out, {"count": count, "seconds": seconds, "cached": False}
    return out, {**json.loads(info.read_text()), "cached": True}


def citeproof_index(
    paths: list[Path], work: Path, size: int, model: str, rebuild: bool
) -> tuple[Path, dict[str, Any]]:
    """Citeproof's index for `size` records and `model` (cached; `build_index` records its own time)."""
    out = work / f"index-{size}-{model}"
    cached = (out / "manifest.json").exists() and not rebuild
    if not cached:
        shutil.rmtree(out, ignore_errors=True)
        build_index(paths, out, fmt="csl-json", model=model, shard_size=100_000)
    index = Index(out)
    try:
        m = index.manifest
        return out, {
            "count": m.count,
            "seconds": m.build_seconds,
            "cached": cached,
            "index_type": m.index_type,
        }
    finally:
        index.close()


# ------------------------------------------------------------------------------------ references


def peer_references(bib: str) -> dict[str, dict[str, Any]]:
    """The dev entries as the peer takes them, by BibTeX key: title and "Given Family" authors, as
    citeproof's extractor reads them (it also recovers the 7 entries whose braces are broken)."""
    refs: dict[str, dict[str, Any]] = {}
    for c in extract_citations(bib):
        if c.key and c.title:  # a citation without a title gives the peer nothing to look up
            refs[c.key] = {"title": c.title, "authors": [a.display() for a in c.authors if a.display()]}
    return refs


class PeerProcess:
    """The peer in a child process (its own Python), one warm `Validator` answering timed passes."""

    def __init__(self, python: Path, db: Path, refs_path: Path, workers: int):
        args = [
            str(python),
            "-c",
            _PEER_CHILD,
            str(db),
            str(refs_path),
            str(workers),
            json.dumps(PEER_ONLINE_DBS),
        ]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.ready = self._read()

    def _read(self) -> dict[str, Any]:
        out: IO[str] | None = self.proc.stdout
        line = out.readline() if out else ""
        if not line:
            raise RuntimeError(f"the peer process ended (exit code {self.proc.wait()})")
        return json.loads(line)

    def run_pass(self) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write("pass\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


# ------------------------------------------------------------------------------------------ scoring


Row = tuple[str, bool, str]


def rows_for(status_by_key: dict[str, str], labels: list[dict[str, Any]]) -> list[Row]:
    """(status, is hallucinated, type) per labelled entry; an entry with no verdict is unverifiable."""
    return [
        (
            status_by_key.get(lab["key"], "unverifiable"),
            lab["label"] == "HALLUCINATED",
            lab["type"] or "VALID",
        )
        for lab in labels
    ]


def per_type(rows: list[Row]) -> dict[str, float]:
    """DR per hallucination type (FPR for VALID)."""
    by: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by[r[2]].append(r)
    return {t: sum(r[0] in FLAGGED for r in rs) / len(rs) for t, rs in by.items()}


# ------------------------------------------------------------------------------------------ measure


@dataclass
class Passes:
    seconds: list[float]
    n: int

    @property
    def rate(self) -> float:
        return self.n / statistics.median(self.seconds)


def measure(size: int, args: argparse.Namespace, bib: str, labels: list[dict[str, Any]]) -> dict[str, Any]:
    paths = dump_paths(size, args.work, args.data)
    db, pbuild = peer_db(paths, args.work, size, args.rebuild)
    idx, cbuild = citeproof_index(paths, args.work, size, args.model, args.rebuild)
    refs = peer_references(bib)
    keys = list(refs)
    refs_path = args.work / "peer-refs.json"
    refs_path.write_text(json.dumps([refs[k] for k in keys], ensure_ascii=False), encoding="utf-8")

    index = Index(idx)
    verifier = Verifier(index, today=BENCH_TODAY, workers=args.workers, bf16_screen=args.bf16)
    alone = Verifier(index, today=BENCH_TODAY)
    verifier.workers_ready(timeout=120)  # the workers' start is not timed: a service starts them once
    if args.bf16:
        bf16.load()  # waits for the caller's background load: passes are timed with it settled
    peer = PeerProcess(args.peer_python, db, refs_path, args.peer_workers)
    try:
        verifier.verify(bib)  # warm-up: model loaded, pages cached
        alone.verify(bib)
        peer_first = peer.run_pass()  # warm-up: connections opened, pages cached
        cp_total, cp_verify, cp_alone, peer_s = [], [], [], []
        peer_statuses = {tuple(peer_first["status"])}
        for _ in range(args.passes):  # alternated, so load from other jobs falls on all alike
            t0 = time.perf_counter()
            report = verifier.verify(bib)
            cp_total.append(time.perf_counter() - t0)
            cp_verify.append(report.timings["verify_s"])
            p = peer.run_pass()
            peer_s.append(p["seconds"])
            peer_statuses.add(tuple(p["status"]))
            t0 = time.perf_counter()
            single = alone.verify(bib)
            cp_alone.append(time.perf_counter() - t0)
    finally:
        peer.close()
        verifier.close()
        index.close()
    assert single.citations == report.citations, "a batch shared among processes must verify as one process does"

    cp_by_key = {c.key: c.status.value for c in report.citations if c.key}
    peer_by_key = {k: PEER_STATUS[s] for k, s in zip(keys, p["status"], strict=True)}
    n_cp = len(report.citations)
    return {
        "size": size, "peer_build": pbuild, "cp_build": cbuild,
        "cp": Passes(cp_total, n_cp), "cp_verify": Passes(cp_verify, n_cp), "peer": Passes(peer_s, len(keys)),
        "cp_alone": Passes(cp_alone, n_cp), "workers": args.workers or os.cpu_count(),
        "cp_rows": rows_for(cp_by_key, labels), "peer_rows": rows_for(peer_by_key, labels),
        "peer_dbs": p["dbs"], "peer_failed": p["failed"], "peer_deterministic": len(peer_statuses) == 1,
        "peer_counts": {s: p["status"].count(s) for s in sorted(set(p["status"]))},
        "bf16": bf16.ready(),
    }  # fmt: skip


def _build_line(name: str, b: dict[str, Any]) -> str:
    how = "cached; built earlier in" if b["cached"] else "built in"
    return f"  {name:<28} {b['count']:>9,} records, {how} {b['seconds']:.1f}s = {b['count'] / b['seconds']:,.0f} records/s"


def report(r: dict[str, Any]) -> None:
    cp, cpv, peer = r["cp"], r["cp_verify"], r["peer"]
    print(f"\n--- {r['size']:,} records ---")
    print(_build_line(f"peer DB ({PEER}):", r["peer_build"]))
    print(_build_line(f"citeproof index ({r['cp_build']['index_type']}):", r["cp_build"]))
    print(f"  build time ratio citeproof/peer = {r['cp_build']['seconds'] / r['peer_build']['seconds']:.2f}")
    print(f"  speed, warm, batched (median of {len(peer.seconds)} alternated passes after a warm-up):")
    alone = r["cp_alone"]
    print(
        f"    citeproof  {cp.rate:8.1f} references/s end to end, {r['workers']} processes "
        f"({cp.n} citations; passes {_secs(cp.seconds)}; batch screen product in "
        f"{'bfloat16' if r['bf16'] else 'float32'})"
    )
    print(f"    citeproof  {cpv.rate:8.1f} references/s verify phase only (extraction excluded)")
    print(f"    citeproof  {alone.rate:8.1f} references/s end to end, one process (passes {_secs(alone.seconds)})")
    print(f"    peer       {peer.rate:8.1f} references/s ({peer.n} references; passes {_secs(peer.seconds)})")
    print(
        f"    ratio citeproof/peer = {cp.rate / peer.rate:.2f} end to end, {cpv.rate / peer.rate:.2f} verify only, "
        f"{alone.rate / peer.rate:.2f} one process end to end"
    )
    c, p = scores(r["cp_rows"]), scores(r["peer_rows"])
    for name, s in (("citeproof", c), ("peer", p)):
        print(
            f"  {name:<10} F1={s['F1']:.3f} DR={s['DR']:.3f} FPR={s['FPR']:.3f} precision={s['precision']:.3f} (n={s['n']})"
        )
    print(
        f"  peer verdicts: {r['peer_counts']}; databases it queried: {r['peer_dbs']}; "
        f"references with a failed database: {r['peer_failed']}; same verdicts every pass: {r['peer_deterministic']}"
    )
    ct, pt = per_type(r["cp_rows"]), per_type(r["peer_rows"])
    print("  flagged share per type (DR; FPR for VALID):   citeproof   peer")
    for t in sorted(ct, key=lambda t: (t != "VALID", t)):
        print(f"    {t:<26} {ct[t]:>22.3f} {pt[t]:>6.3f}")


def _secs(xs: list[float]) -> str:
    return ", ".join(f"{x:.2f}s" for x in xs)


def cpu_model() -> str:
    """The CPU's name, and whether it has bfloat16 instructions (the batch screen's product runs on
    them, `citeproof.index.bf16`), since ratios from one machine do not carry to another."""
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "CPU unknown"
    name = next((ln.split(":", 1)[1].strip() for ln in info.splitlines() if ln.startswith("model name")), "CPU unknown")
    flags = set(next((ln.split(":", 1)[1].split() for ln in info.splitlines() if ln.startswith("flags")), []))
    has = [f for f in ("avx512_bf16", "amx_bf16") if f in flags]
    return f"{name} ({', '.join(has) if has else 'no bfloat16 instructions'})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=f"{REAL_RECORDS},121000")
    ap.add_argument(
        "--model", default="static-minilm", help="citeproof's model (static-minilm or all-MiniLM-L6-v2)"
    )
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--work", type=Path, default=Path("/tmp/citeproof-peer"))
    ap.add_argument(
        "--rebuild", action="store_true", help="rebuild the cached peer DBs and citeproof indexes"
    )
    ap.add_argument(
        "--peer-python", type=Path, default=PEER_PYTHON, help=f"a Python 3.12 with {PEER} installed"
    )
    ap.add_argument("--peer-workers", type=int, default=4, help="the peer's num_workers (its default: 4)")
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument(
        "--workers", type=int, default=0, help="citeproof's processes (Verifier(workers=N); 0: one per CPU core)"
    )
    ap.add_argument(
        "--no-bf16", dest="bf16", action="store_false",
        help="citeproof's batch screen multiplies in float32 (Verifier(bf16_screen=False)): how much the bfloat16 product gives on this CPU",
    )  # fmt: skip
    args = ap.parse_args()
    if not args.peer_python.exists():
        raise SystemExit(f"{args.peer_python} not found: python3.12 -m venv /work/peer/venv && "
                         f"/work/peer/venv/bin/pip install {PEER}")  # fmt: skip
    args.work.mkdir(parents=True, exist_ok=True)
    bib = (args.data / "dev_public.bib").read_text(encoding="utf-8")
    labels = [json.loads(x) for x in open(args.data / "dev_public.labels.jsonl", encoding="utf-8")]
    print(
        f"citeproof model {args.model} vs {PEER} (offline DBLP SQLite, {args.peer_workers} workers); "
        f"{len(labels)} HALLMARK dev BibTeX entries; machine: {os.cpu_count()} CPUs, {cpu_model()} (shared: read the ratios)"
    )
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        report(measure(size, args, bib, labels))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
