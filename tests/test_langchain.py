"""citeproof.langchain against real langchain-core chat models (the offline fakes it ships).

The bar: an answer with a fabricated citation, from a model with the handler attached, leaves a
Report in `handler.reports` that flags it, and `on_flag="raise"` really raises out of the call.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import io
import logging
import pickle
import sys
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel, GenericFakeChatModel
from langchain_core.output_parsers import StrOutputParser

from citeproof.errors import CiteproofError
from citeproof.langchain import (
    AsyncCitationCallbackHandler,
    CitationCallbackHandler,
    CitationVerifier,
    FabricatedCitationError,
    VerifiedAnswer,
    citation_callback,
)
from citeproof.models import Status
from tests.conftest import FAKE, REAL, ROOT

ANSWER = f"Attention [1] and expert routing [2] scale language models.\n\nReferences\n1. {REAL}\n2. {FAKE}\n"
CLEAN = f"Attention [1] is all you need.\n\nReferences\n1. {REAL}\n"


def model(*answers: str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter(answers))


def statuses(report) -> list[Status]:
    return [c.status for c in report.citations]


def test_handler_keeps_a_report_that_flags_the_fabricated_citation(verifier, caplog) -> None:
    handler = CitationCallbackHandler(verifier)
    with caplog.at_level(logging.WARNING, logger="citeproof.langchain"):
        message = model(ANSWER).invoke("What scales LLMs?", config={"callbacks": [handler]})
    assert message.content == ANSWER  # a callback observes; the answer is untouched
    [report] = handler.reports
    assert statuses(report) == [Status.verified, Status.fabricated]
    assert report.flagged[0].title.startswith("Quantum gradient routing")
    assert not caplog.records  # "annotate" (the default) neither logs nor raises
    assert list(handler.reports_by_run.values()) == [[report]]


def test_on_flag_raise_really_raises_out_of_the_model_call(verifier) -> None:
    handler = CitationCallbackHandler(verifier, on_flag="raise")
    assert handler.raise_error  # without it langchain-core would log the error and carry on
    with pytest.raises(FabricatedCitationError) as info:
        FakeListChatModel(responses=[ANSWER]).invoke("q", config={"callbacks": [handler]})
    assert isinstance(info.value, CiteproofError)
    assert info.value.report.summary.fabricated == 1
    assert "Quantum gradient routing" in str(info.value)
    assert handler.reports == [info.value.report]  # kept before raising
    FakeListChatModel(responses=[CLEAN]).invoke("q", config={"callbacks": [handler]})  # clean: no raise


def test_on_flag_warn_logs_and_returns_the_answer(verifier, caplog) -> None:
    handler = CitationCallbackHandler(verifier, on_flag="warn")
    with caplog.at_level(logging.WARNING, logger="citeproof.langchain"):
        model(ANSWER).invoke("q", config={"callbacks": [handler]})
    [record] = [r for r in caplog.records if r.name == "citeproof.langchain"]
    assert "1 flagged citation" in record.getMessage() and "fabricated" in record.getMessage()


def test_bad_on_flag_is_refused_at_construction(verifier) -> None:
    with pytest.raises(ValueError, match="on_flag"):
        CitationCallbackHandler(verifier, on_flag="explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="on_flag"):
        CitationVerifier(verifier, on_flag="ignore")


def _no_whole_text_verify(*args: object) -> None:
    raise AssertionError("a streamed answer must be verified from its tokens, not again at the end")


def test_streaming_model_is_verified_from_its_tokens(verifier, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = verifier.verify(ANSWER)
    monkeypatch.setattr(verifier, "verify", _no_whole_text_verify)
    handler = CitationCallbackHandler(verifier)
    chunks = list(model(ANSWER).stream("q", config={"callbacks": [handler]}))
    assert len(chunks) > 10 and "".join(str(c.content) for c in chunks) == ANSWER
    [report] = handler.reports
    assert report.text == ANSWER and statuses(report) == [Status.verified, Status.fabricated]
    assert [(c.start, c.end, c.status) for c in report.citations] == [(c.start, c.end, c.status) for c in whole.citations]
    assert report.summary == whole.summary


def test_raise_stops_a_stream_at_the_first_flagged_citation(verifier) -> None:
    answer = f"References\n1. {FAKE}\n2. {REAL}\n\nThe second one is the classic; more below.\n" + "Filler. " * 50
    handler = CitationCallbackHandler(verifier, on_flag="raise")
    received: list[str] = []
    with pytest.raises(FabricatedCitationError) as info:
        for chunk in model(answer).stream("q", config={"callbacks": [handler]}):
            received.append(str(chunk.content))
    assert "".join(received) != answer and answer.startswith("".join(received))  # cut short
    assert info.value.report.flagged[0].raw == FAKE and answer.startswith(info.value.report.text)
    assert handler.reports == [info.value.report] and not handler._streams


def test_async_handler_verifies_and_raises_under_ainvoke_and_astream(verifier) -> None:
    async def run() -> AsyncCitationCallbackHandler:
        handler = AsyncCitationCallbackHandler(verifier, on_flag="raise")
        await model(CLEAN).ainvoke("q", config={"callbacks": [handler]})
        with pytest.raises(FabricatedCitationError):
            await model(ANSWER).ainvoke("q", config={"callbacks": [handler]})
        with pytest.raises(FabricatedCitationError):
            async for _ in model(ANSWER).astream("q", config={"callbacks": [handler]}):
                pass
        return handler

    handler = asyncio.run(run())
    assert [r.summary.fabricated for r in handler.reports] == [0, 1, 1]
    assert handler.reports[2].text == ANSWER and not handler._streams


def test_one_handler_serves_concurrent_calls(verifier) -> None:
    handler = CitationCallbackHandler(verifier)
    llm = FakeListChatModel(responses=[ANSWER, CLEAN])
    llm.batch([f"q{i}" for i in range(8)], config={"callbacks": [handler], "max_concurrency": 8})
    assert len(handler.reports) == 8 and len(handler.reports_by_run) == 8
    assert sorted(r.summary.fabricated for r in handler.reports) == [0, 0, 0, 0, 1, 1, 1, 1]


def test_citation_callback_verifies_every_call_in_the_block_only(verifier) -> None:
    chain = FakeListChatModel(responses=[ANSWER]) | StrOutputParser()
    with citation_callback(verifier) as cb:
        chain.invoke("inside")  # no callbacks passed: the context supplies the handler
    chain.invoke("outside")
    [report] = cb.reports
    assert report.summary.fabricated == 1
    with pytest.raises(FabricatedCitationError), citation_callback(verifier, on_flag="raise"):
        chain.invoke("inside, raising")


def test_verifier_runnable_returns_the_answer_with_its_report(verifier) -> None:
    out = (model(ANSWER) | CitationVerifier(verifier)).invoke("q")
    assert isinstance(out, VerifiedAnswer)
    assert out.text == ANSWER == str(out) == out.report.text
    assert statuses(out.report) == [Status.verified, Status.fabricated]
    assert (FakeListChatModel(responses=[CLEAN]) | StrOutputParser() | CitationVerifier(verifier)).invoke("q").report.summary.verified == 1


def test_verifier_runnable_strikes_flagged_citations_and_appends_the_footer(verifier) -> None:
    out = CitationVerifier(verifier, strike=True, footer=True).invoke(ANSWER)
    body, footer = out.text.split("**References checked**")
    assert f"~~{FAKE}~~ **[fabricated]**" in body
    assert f"1. {REAL}\n" in body  # the verified one is left alone
    assert "| 2 | **fabricated** |" in footer and "1 verified" in footer
    assert out.report.text == ANSWER  # offsets still refer to the model's own text


def test_verifier_runnable_in_a_streaming_chain_yields_one_whole_answer(verifier, monkeypatch) -> None:
    whole = verifier.verify(ANSWER)
    monkeypatch.setattr(verifier, "verify", _no_whole_text_verify)  # verified while streaming
    [out] = list((model(ANSWER) | CitationVerifier(verifier, strike=True)).stream("q"))
    assert out.report.text == ANSWER and out.report.summary == whole.summary
    assert f"~~{FAKE}~~" in out.text

    async def collect() -> list[VerifiedAnswer]:
        return [a async for a in (model(ANSWER) | StrOutputParser() | CitationVerifier(verifier)).astream("q")]

    [aout] = asyncio.run(collect())
    assert aout.report.summary == whole.summary


def test_verifier_runnable_raise_stops_a_streaming_chain(verifier) -> None:
    answer = f"References\n1. {FAKE}\n2. {REAL}\n\nMore text.\n"
    with pytest.raises(FabricatedCitationError) as info:
        list((model(answer) | CitationVerifier(verifier, on_flag="raise")).stream("q"))
    assert info.value.report.summary.fabricated == 1


def test_verifier_runnable_raises_and_refuses_what_it_cannot_read(verifier) -> None:
    with pytest.raises(FabricatedCitationError):
        (model(ANSWER) | CitationVerifier(verifier, on_flag="raise")).invoke("q")
    with pytest.raises(TypeError, match="StrOutputParser"):
        CitationVerifier(verifier).invoke(42)
    assert asyncio.run(CitationVerifier(verifier).ainvoke(CLEAN)).report.summary.verified == 1


def test_error_keeps_its_report_across_pickling(verifier) -> None:
    err = FabricatedCitationError(verifier.verify(ANSWER))
    back = pickle.loads(pickle.dumps(err))
    assert str(back) == str(err) and back.report == err.report


def test_import_without_langchain_core_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "citeproof.langchain" or m.startswith("citeproof.langchain.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "langchain_core", None)  # what an uninstalled package looks like
    with pytest.raises(ImportError, match=r"pip install 'langchain-core"):
        importlib.import_module("citeproof.langchain")


def test_chat_app_example_runs_offline(dev_index_dir: Path) -> None:
    spec = importlib.util.spec_from_file_location("chat_app", ROOT / "examples" / "chat_app.py")
    assert spec and spec.loader
    chat_app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(chat_app)
    out = io.StringIO()
    assert chat_app.main(["--index", str(dev_index_dir)], stdin=io.StringIO("transformers?\nexperts?\n\n"), stdout=out) == 0
    text = out.getvalue()
    assert text.count("citeproof checked the references") == 2
    assert "2 citations: 2 verified" in text and "0 verified, 1 mismatch, 1 fabricated" in text
