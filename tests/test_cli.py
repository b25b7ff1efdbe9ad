"""The CLI's contract: exit 0 clean, 1 flagged, 2 usage/input errors with a message and no traceback."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from click.testing import CliRunner

from citeproof.cli import main
from tests.conftest import DATA

CLEAN = (
    "Vaswani, A., Shazeer, N., Parmar, N., Uszkoreit, J., Jones, L., Gomez, A. N., Kaiser, L., & Polosukhin, I. "
    "(2017). Attention is all you need. Advances in Neural Information Processing Systems, 30.\n"
)
FLAGGED = CLEAN + "\nSmith, J., & Lee, K. (2021). Quantum gradient hashing for sparse retrieval transformers. ICML.\n"


def run(args: list[str], stdin: str | bytes | None = None):
    return CliRunner().invoke(main, args, input=stdin, catch_exceptions=False)


def test_verify_clean_exits_0(dev_index_dir: Path) -> None:
    r = run(["verify", "-", "--index", str(dev_index_dir)], CLEAN)
    assert r.exit_code == 0, r.output
    assert "verified" in r.output


def test_verify_flagged_exits_1_and_json_is_a_report(dev_index_dir: Path) -> None:
    r = run(["verify", "-", "--index", str(dev_index_dir), "--format", "json"], FLAGGED)
    assert r.exit_code == 1
    report = json.loads(r.output)
    statuses = [c["status"] for c in report["citations"]]
    assert statuses == ["verified", "fabricated"]
    assert report["summary"]["fabricated"] == 1
    assert report["citations"][1]["suggestions"]


def test_exit_zero_flag(dev_index_dir: Path) -> None:
    assert run(["verify", "-", "--index", str(dev_index_dir), "--exit-zero"], FLAGGED).exit_code == 0


def test_jsonl_and_markdown(dev_index_dir: Path) -> None:
    r = run(["verify", "-", "--index", str(dev_index_dir), "--format", "jsonl"], FLAGGED)
    assert [json.loads(x)["status"] for x in r.output.strip().splitlines()] == ["verified", "fabricated"]
    r = run(["verify", "-", "--index", str(dev_index_dir), "--format", "markdown"], FLAGGED)
    assert "| 2 | **fabricated** |" in r.output


def test_empty_input_exits_0(dev_index_dir: Path) -> None:
    r = run(["verify", "-", "--index", str(dev_index_dir)], "")
    assert r.exit_code == 0
    assert "0 citations" in r.output


def test_missing_file_and_binary_junk_exit_2(dev_index_dir: Path, tmp_path: Path) -> None:
    r = run(["verify", str(tmp_path / "nope.md"), "--index", str(dev_index_dir)])
    assert r.exit_code == 2 and "no such file" in r.output
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 64)
    r = run(["verify", str(junk), "--index", str(dev_index_dir)])
    assert r.exit_code == 2 and "binary" in r.output
    gz = tmp_path / "x.gz"
    gz.write_bytes(gzip.compress(b"hello"))
    assert run(["verify", str(gz), "--index", str(dev_index_dir)]).exit_code == 2


def test_not_an_index_exits_2(tmp_path: Path) -> None:
    r = run(["verify", "-", "--index", str(tmp_path)], CLEAN)
    assert r.exit_code == 2 and "not a citeproof index" in r.output


def test_index_build_and_info(tmp_path: Path) -> None:
    src = tmp_path / "mixed.jsonl"
    lines = gzip.open(DATA / "hallmark_corpus_dev.csl.jsonl.gz", "rt", encoding="utf-8").read().splitlines()[:40]
    lines.insert(5, '{"id": "broken", "title": ')  # a malformed line among real records
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "idx"
    r = run(["index", "build", str(src), "--format", "csl-json", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "40 records, 1 skipped" in r.output
    info = json.loads(run(["index", "info", str(out), "--verify"]).output)
    assert info["count"] == 40 and info["skipped"] == 1 and info["model"] == "static-minilm"


def test_index_build_missing_input_exits_2(tmp_path: Path) -> None:
    r = run(["index", "build", str(tmp_path / "none.json"), "--out", str(tmp_path / "idx")])
    assert r.exit_code == 2
    assert not (tmp_path / "idx").exists()


def test_strict_mode(dev_index_dir: Path) -> None:
    # "BERT" alone is the main title of "BERT: Pre-training of ...": accepted, but not in --strict
    text = "Devlin, J., Chang, M.-W., Lee, K., & Toutanova, K. (2019). BERT. In NAACL-HLT.\n"
    assert run(["verify", "-", "--index", str(dev_index_dir)], text).exit_code == 0
    r = run(["verify", "-", "--index", str(dev_index_dir), "--strict", "--format", "jsonl"], text)
    assert r.exit_code == 1
    assert json.loads(r.output)["status"] == "mismatch"
    # an author-year mention alone is unverifiable: fine normally, a failure in --strict
    mention = "Smith et al. (2020) showed this.\n"
    assert run(["verify", "-", "--index", str(dev_index_dir)], mention).exit_code == 0
    assert run(["verify", "-", "--index", str(dev_index_dir), "--strict"], mention).exit_code == 1
