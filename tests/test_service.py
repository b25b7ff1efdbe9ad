"""The HTTP service, its BibTeX output, the MCP server and their CLI commands.

API behaviour is tested in-process (TestClient); the load test runs the real uvicorn server on a
free loopback port (one per module) and fires 200 concurrent requests at it.
"""

from __future__ import annotations

import asyncio
import sys

import pytest
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bench.load_service import fire
from citeproof.cli import main
from citeproof.connectors.bibtex import parse_bibtex, record_from_bibtex
from citeproof.mcp import create_mcp_server
from citeproof.models import Author, Record, Report, Status
from citeproof.service import background, create_app
from citeproof.service.bibtex import bibtex_entry, bibtex_key
from tests.conftest import FAKE, REAL

ANSWER = f"Attention [1] and expert routing [2].\n\nReferences\n1. {REAL}\n2. {FAKE}\n"
BIB = """@inproceedings{he2015resnet,
  author = {He, Kaiming and Zhang, Xiangyu and Ren, Shaoqing and Sun, Jian},
  title = {Deep Residual Learning for Image Recognition},
  booktitle = {CVPR},
  year = {2015}
}
"""
VASWANI = "dblp-conf/nips/VaswaniSPUJGKP17"


@pytest.fixture(scope="module")
def app(verifier) -> FastAPI:
    return create_app(verifier)


@pytest.fixture(scope="module")
def client(app: FastAPI):
    with TestClient(app) as c:  # runs the lifespan (model warm-up) like uvicorn does
        yield c


@pytest.fixture(scope="module")
def small(verifier):
    """An app with tiny limits, over the same loaded Verifier."""
    with TestClient(create_app(verifier, max_bytes=2_000, max_citations=2)) as c:
        yield c


def test_healthz(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["records"] == 1027 and body["model"] == "static-minilm"


def test_verify_returns_the_report(client: TestClient) -> None:
    resp = client.post("/verify", json={"text": ANSWER})
    assert resp.status_code == 200
    report = Report.model_validate(resp.json())
    assert [c.status for c in report.citations] == [Status.verified, Status.fabricated]
    assert all(ANSWER[c.start : c.end] == c.raw for c in report.citations)
    assert report.citations[0].record and report.citations[0].record.id == VASWANI
    assert report.citations[1].suggestions


def test_verify_bibtex_takes_a_raw_body_or_json(client: TestClient) -> None:
    for kwargs in ({"content": BIB, "headers": {"Content-Type": "text/plain"}}, {"json": {"text": BIB}}):
        resp = client.post("/verify/bibtex", **kwargs)
        assert resp.status_code == 200, resp.text
        [c] = resp.json()["citations"]
        assert (c["key"], c["status"]) == ("he2015resnet", "mismatch")


@pytest.mark.parametrize(
    ("kwargs", "code", "detail"),
    [
        ({"content": "no entries here", "headers": {"Content-Type": "text/plain"}}, 422, "no BibTeX entries"),
        ({"content": b"\xff\xfe@", "headers": {"Content-Type": "text/plain"}}, 422, "not UTF-8"),
        ({"content": b"{}", "headers": {"Content-Type": "application/json"}}, 422, '{"text": "..."}'),
        ({"content": b"@x{", "headers": {"Content-Type": "image/png"}}, 415, "text/plain"),
    ],
)
def test_verify_bibtex_errors_say_what_to_change(client: TestClient, kwargs: dict, code: int, detail: str) -> None:
    resp = client.post("/verify/bibtex", **kwargs)
    assert resp.status_code == code and detail in resp.json()["detail"]


def test_missing_text_is_a_clear_422(client: TestClient) -> None:
    resp = client.post("/verify", json={"txt": ANSWER})
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["loc"] == ["body", "text"]


def test_records_as_json_and_bibtex(client: TestClient) -> None:
    assert client.get(f"/records/{VASWANI}").json()["title"] == "Attention is All you Need"
    bib = client.get(f"/records/{VASWANI.replace('/', '%2F')}", params={"format": "bibtex", "key": "vaswani17"})
    assert bib.headers["content-type"].startswith("application/x-bibtex")
    assert bib.text.startswith("@inproceedings{vaswani17,\n")
    assert client.get("/records/no-such-id").status_code == 404
    assert client.get(f"/records/{VASWANI}", params={"format": "bibtex", "key": "bad key,"}).status_code == 422


def test_body_size_limit_is_413_declared_or_streamed(small: TestClient) -> None:
    resp = small.post("/verify", json={"text": "x" * 5_000})
    assert resp.status_code == 413 and "2,000 bytes" in resp.json()["detail"]
    chunks = (b'{"text": "' + b"x" * 1_000 for _ in range(5))  # no Content-Length: counted as it arrives
    resp = small.post("/verify", content=chunks, headers={"Content-Type": "application/json"})
    assert resp.status_code == 413


def test_citation_count_limit_is_422(small: TestClient) -> None:
    resp = small.post("/verify", json={"text": f"1. {REAL}\n2. {FAKE}\n3. {BIB}"})
    assert resp.status_code == 422 and "at most 2" in resp.json()["detail"]
    assert small.post("/verify", json={"text": f"1. {REAL}\n2. {FAKE}\n"}).status_code == 200


def test_cors_is_off_unless_origins_are_given(client: TestClient, verifier) -> None:
    preflight = {"Origin": "http://example.org", "Access-Control-Request-Method": "POST"}
    assert "access-control-allow-origin" not in client.options("/verify", headers=preflight).headers
    with TestClient(create_app(verifier, cors_origins=["http://example.org"])) as c:
        assert c.options("/verify", headers=preflight).headers["access-control-allow-origin"] == "http://example.org"


def test_page_and_docs_load_nothing_from_elsewhere(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
    assert "http://" not in page.text and "https://" not in page.text
    for asset in ("/static/app.js", "/static/app.css"):
        assert client.get(asset).status_code == 200
    docs = client.get("/docs").text
    assert "/static-offline-docs/swagger-ui-bundle.js" in docs and "cdn." not in docs
    assert client.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/verify", "/verify/bibtex", "/records/{record_id}", "/healthz"} <= set(paths)


def test_create_app_refuses_nonsense_limits(verifier) -> None:
    with pytest.raises(ValueError, match="positive"):
        create_app(verifier, max_citations=0)


def test_200_concurrent_requests_on_loopback_all_succeed(app: FastAPI) -> None:
    with background(app) as url:
        assert url.startswith("http://127.0.0.1:")
        result = fire(url, n=200, timeout=120)
    assert result.errors == [], result.errors[:3]
    assert len(result.latencies) == 200 and result.wall < 180
    print(result.line())


# -- BibTeX output ------------------------------------------------------------------------------


def test_bibtex_entry_reads_back_as_the_same_record() -> None:
    rec = Record(
        id="x", title="Learning 100% of the $k$ features_fast & {well}", year=2020, venue="Journal of Tests",
        authors=[Author(family="Schölkopf", given="Bernhard"), Author(family="van der Maaten", given="Laurens")],
        doi="10.1000/ABC_1", type="article-journal",
    )
    entry = bibtex_entry(rec)
    assert entry.startswith("@article{scholkopf2020learning,\n") and r"100\% of the \$k\$ features\_fast \& {well}" in entry
    [parsed] = parse_bibtex(entry)
    back = record_from_bibtex(parsed)
    assert [a.family for a in back.authors] == ["Schölkopf", "van der Maaten"]
    assert (back.year, back.doi, back.venue) == (2020, "10.1000/abc_1", "Journal of Tests")


def test_bibtex_types_and_keys() -> None:
    assert bibtex_entry(Record(id="p", title="A preprint", type="article")).startswith("@misc{")
    assert "booktitle = {NeurIPS}" in bibtex_entry(Record(id="c", title="T", venue="NeurIPS", type="paper-conference"))
    assert "unbalanced \\{" in bibtex_entry(Record(id="u", title="unbalanced { brace"))
    assert bibtex_key(Record(id="a/b", title="The")) == "ab"


# -- MCP ----------------------------------------------------------------------------------------


def test_mcp_tools_verify_and_look_up(verifier) -> None:
    from mcp.client import Client

    async def run() -> None:
        async with Client(create_mcp_server(verifier)) as mcp:
            assert {t.name for t in (await mcp.list_tools()).tools} == {"verify_citations", "lookup"}
            result = await mcp.call_tool("verify_citations", {"text": ANSWER})
            assert not result.is_error and result.structured_content["summary"]["fabricated"] == 1
            for query in ("attention is all you need", "https://arxiv.org/abs/1706.03762"):
                found = (await mcp.call_tool("lookup", {"query": query, "limit": 3})).structured_content["result"]
                assert found[0]["id"] == VASWANI
            found = (await mcp.call_tool("lookup", {"query": "10.1109/CVPR.2016.90"})).structured_content["result"]
            assert [r["title"] for r in found] == ["Deep Residual Learning for Image Recognition"]

    asyncio.run(run())


def test_citeproof_mcp_speaks_the_protocol_over_stdio(dev_index_dir) -> None:
    """The real command in a subprocess: anything else it printed to stdout would break the protocol."""
    from mcp.client import Client
    from mcp.client.stdio import StdioServerParameters

    cli = "from citeproof.cli import main; main()"
    params = StdioServerParameters(command=sys.executable, args=["-c", cli, "mcp", "--index", str(dev_index_dir)])

    async def run() -> None:
        async with Client(params) as mcp:
            result = await mcp.call_tool("verify_citations", {"text": f"1. {REAL}\n"})
            assert result.structured_content["summary"]["verified"] == 1

    asyncio.run(run())


# -- CLI ----------------------------------------------------------------------------------------


def test_serve_and_mcp_are_commands_with_help() -> None:
    for cmd in ("serve", "mcp"):
        r = CliRunner().invoke(main, [cmd, "--help"])
        assert r.exit_code == 0 and "--index" in r.output
    assert "127.0.0.1" in CliRunner().invoke(main, ["serve", "--help"]).output


def test_serve_with_a_missing_index_exits_2(tmp_path) -> None:
    r = CliRunner().invoke(main, ["serve", "--index", str(tmp_path / "none")])
    assert r.exit_code == 2 and "not a citeproof index" in r.output


def test_serve_without_fastapi_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "citeproof.service.app", raising=False)
    monkeypatch.setitem(sys.modules, "fastapi", None)
    r = CliRunner().invoke(main, ["serve"])
    assert r.exit_code == 2 and "pip install 'citeproof[serve]'" in r.output


def test_serve_passes_its_limits_to_the_app(dev_index_dir, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--timeout` and the other limits reach the app's settings; nothing is bound (serve is stubbed)."""
    import citeproof.service as service

    apps = []
    monkeypatch.setattr(service, "serve", lambda app, host, port: apps.append(app))
    args = ["serve", "--index", str(dev_index_dir), "--timeout", "2.5", "--max-citations", "7", "--port", "0"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    settings = apps[0].state.citeproof
    assert (settings.timeout_s, settings.max_citations) == (2.5, 7)
    assert CliRunner().invoke(main, ["serve", "--index", str(dev_index_dir), "--timeout", "0"]).exit_code == 2
