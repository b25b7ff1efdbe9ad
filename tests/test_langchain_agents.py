"""citeproof in LangChain 1.x agents: `CitationMiddleware`, `CitationRetriever` and `citation_tools()`,
run in real `create_agent` graphs with offline fake chat models.

The bar: with `on_flag="annotate"`, an agent whose model answers with one real citation (a work the
index holds, cited correctly as a numbered reference line) and one fabricated one leaves
`middleware.reports[-1]` with statuses [verified, fabricated] and an annotated final answer that
names the `fabricated` verdict.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("langchain.agents", reason="the agent integration needs langchain (Python 3.11+)")

from langchain.agents import create_agent
from langchain_core.documents import Document
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langgraph.checkpoint.memory import InMemorySaver

from citeproof.langchain import (
    CitationMiddleware,
    CitationRetriever,
    FabricatedCitationError,
    citation_tools,
)
from citeproof.langchain.retriever import METADATA_FIELDS
from citeproof.models import Record, Report, Status
from tests.conftest import ROOT
from tests.test_langchain import ANSWER, CLEAN, FAKE

QUESTION = {"messages": [HumanMessage("Which papers made language models scale?")]}


class FakeToolModel(GenericFakeChatModel):
    """GenericFakeChatModel replays scripted answers; `create_agent` also needs `bind_tools` to exist."""

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> FakeToolModel:
        return self


def agent_for(middleware: CitationMiddleware, *answers: str | AIMessage, tools: list | None = None, **kw: Any):
    return create_agent(FakeToolModel(messages=iter(answers)), tools=tools or [], middleware=[middleware], **kw)


def statuses(report: Report) -> list[Status]:
    return [c.status for c in report.citations]


def test_annotate_marks_the_fabricated_citation_and_keeps_the_report(verifier) -> None:
    """The done-when bar."""
    middleware = CitationMiddleware(verifier, on_flag="annotate")
    result = agent_for(middleware, ANSWER).invoke(QUESTION)

    assert statuses(middleware.reports[-1]) == [Status.verified, Status.fabricated]
    answer = result["messages"][-1]
    assert [m.type for m in result["messages"]] == ["human", "ai"]  # annotated in place, not appended
    assert answer.content.startswith(ANSWER)  # the model's words stay as they were
    section = answer.content[len(ANSWER) :]
    assert "Citations checked" in section and "**fabricated**" in section
    assert "Quantum gradient routing" in section and "Closest real work" in section
    assert "**verified**" not in section  # only flagged citations are listed
    # the same Report is in the agent state, in JSON form
    [kept] = result["citations"]
    assert kept == middleware.reports[-1].model_dump(mode="json")
    assert statuses(Report.model_validate(kept)) == [Status.verified, Status.fabricated]


def test_a_clean_answer_is_left_byte_for_byte_untouched(verifier) -> None:
    middleware = CitationMiddleware(verifier, on_flag="annotate")
    result = agent_for(middleware, CLEAN).invoke(QUESTION)
    assert result["messages"][-1].content == CLEAN
    assert statuses(middleware.reports[-1]) == [Status.verified]
    assert len(result["citations"]) == 1


def test_retry_sends_the_findings_back_and_the_second_answer_passes(verifier) -> None:
    middleware = CitationMiddleware(verifier, on_flag="retry")
    result = agent_for(middleware, ANSWER, CLEAN).invoke(QUESTION)

    assert [m.type for m in result["messages"]] == ["human", "ai", "human", "ai"]
    feedback = result["messages"][2]
    assert "**fabricated**" in feedback.text and "Quantum gradient routing" in feedback.text
    assert result["messages"][-1].content == CLEAN  # clean: passes untouched
    assert [statuses(r) for r in middleware.reports] == [[Status.verified, Status.fabricated], [Status.verified]]
    assert len(result["citations"]) == 2


def test_retry_gives_up_after_max_retries_and_annotates(verifier) -> None:
    middleware = CitationMiddleware(verifier, on_flag="retry", max_retries=1)
    result = agent_for(middleware, ANSWER, ANSWER, CLEAN).invoke(QUESTION)
    assert [m.type for m in result["messages"]] == ["human", "ai", "human", "ai"]  # one retry, not two
    assert "**fabricated**" in result["messages"][-1].content
    assert len(middleware.reports) == 2

    no_retry = CitationMiddleware(verifier, on_flag="retry", max_retries=0)
    result = agent_for(no_retry, ANSWER).invoke(QUESTION)
    assert len(result["messages"]) == 2 and "**fabricated**" in result["messages"][-1].content


def test_retry_count_is_per_run_even_on_a_checkpointed_thread(verifier) -> None:
    middleware = CitationMiddleware(verifier, on_flag="retry")
    agent = agent_for(middleware, ANSWER, CLEAN, ANSWER, CLEAN, checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t1"}}
    agent.invoke(QUESTION, config)
    result = agent.invoke({"messages": [HumanMessage("And again?")]}, config)
    assert result["messages"][-1].content == CLEAN  # the second run retried too
    assert len(result["citations"]) == 4  # the thread keeps every report, as plain JSON
    assert [Report.model_validate(r).summary.flagged for r in result["citations"]] == [1, 0, 1, 0]


def test_raise_raises_with_the_report(verifier) -> None:
    middleware = CitationMiddleware(verifier, on_flag="raise")
    with pytest.raises(FabricatedCitationError) as info:
        agent_for(middleware, ANSWER).invoke(QUESTION)
    assert statuses(info.value.report) == [Status.verified, Status.fabricated]
    assert middleware.reports == [info.value.report]  # kept before raising
    assert agent_for(middleware, CLEAN).invoke(QUESTION)["messages"][-1].content == CLEAN


def test_async_agent_annotates_and_raises(verifier) -> None:
    annotate = CitationMiddleware(verifier, on_flag="annotate")
    result = asyncio.run(agent_for(annotate, ANSWER).ainvoke(QUESTION))
    assert "**fabricated**" in result["messages"][-1].content
    assert statuses(annotate.reports[-1]) == [Status.verified, Status.fabricated]

    with pytest.raises(FabricatedCitationError):
        asyncio.run(agent_for(CitationMiddleware(verifier, on_flag="raise"), ANSWER).ainvoke(QUESTION))


def test_bad_settings_are_refused_at_construction(verifier) -> None:
    with pytest.raises(ValueError, match="on_flag"):
        CitationMiddleware(verifier, on_flag="warn")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_retries"):
        CitationMiddleware(verifier, max_retries=-1)
    with pytest.raises(ValueError, match="online"):
        CitationMiddleware(verifier, online=True)  # a shared Verifier keeps its own online setting
    with pytest.raises(ValueError, match="online"):
        citation_tools(verifier, online=True)


class Researcher(FakeToolModel):
    """Replays its script (a find_references call) until a tool answered; then cites what it returned."""

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any) -> ChatResult:
        tool_messages = [m for m in messages if isinstance(m, ToolMessage)]
        if not tool_messages:
            return super()._generate(messages, stop=stop, run_manager=run_manager, **kw)
        first = next(line for line in tool_messages[-1].text.splitlines() if line.startswith("1. "))
        answer = AIMessage(f"The Transformer [1] replaced recurrence.\n\nReferences\n{first}\n")
        return ChatResult(generations=[ChatGeneration(message=answer)])


def test_the_model_finds_references_through_tool_calls_and_cites_what_came_back(verifier) -> None:
    middleware = CitationMiddleware(verifier, on_flag="raise")  # a flagged citation would fail the test
    call = {"name": "find_references", "args": {"query": "Atention is all need", "k": 3}, "id": "c1", "type": "tool_call"}
    model = Researcher(messages=iter([AIMessage(content="", tool_calls=[call])]))
    agent = create_agent(model, tools=citation_tools(verifier), middleware=[middleware])
    result = agent.invoke(QUESTION)

    kinds = [m.type for m in result["messages"]]
    assert kinds == ["human", "ai", "tool", "ai"]
    tool_message = result["messages"][2]
    assert tool_message.name == "find_references"
    docs = tool_message.artifact
    assert all(isinstance(d, Document) for d in docs) and docs[0].metadata["title"] == "Attention is All you Need"
    answer = result["messages"][-1].text
    assert docs[0].page_content in answer  # cited exactly what came back
    [report] = middleware.reports  # the tool-calling turn was not verified; the answer was, once
    assert statuses(report) == [Status.verified]
    assert report.citations[0].record is not None and report.citations[0].record.id == docs[0].metadata["id"]


def test_verify_citations_tool_returns_the_report_as_json(verifier) -> None:
    find_references, verify_citations = citation_tools(verifier)
    assert {t.name for t in (find_references, verify_citations)} == {"find_references", "verify_citations"}
    assert set(find_references.args) == {"query", "k"} and set(verify_citations.args) == {"text"}
    assert all(len(t.description) > 200 for t in (find_references, verify_citations))  # written for a model

    out = verify_citations.invoke({"text": ANSWER})
    report = Report.model_validate_json(out)
    assert statuses(report) == [Status.verified, Status.fabricated]
    assert json.loads(out)["summary"]["fabricated"] == 1

    found = find_references.invoke({"query": "a title nobody wrote about zebra quaternions", "k": 2})
    assert isinstance(found, str) and found.count("\n") <= 2


def test_retriever_puts_the_real_record_first_despite_a_typo_and_a_dropped_word(verifier) -> None:
    retriever = CitationRetriever(verifier, k=3)
    docs = retriever.invoke("Deep Residul Learning for Recognition")  # typo, "Image" dropped
    assert 1 <= len(docs) <= 3
    first = docs[0]
    assert first.metadata["title"] == "Deep Residual Learning for Image Recognition"
    record = Record.model_validate({k: first.metadata[k] for k in METADATA_FIELDS})
    assert first.page_content == record.reference()
    assert set(METADATA_FIELDS) <= set(first.metadata)
    stored = verifier.index.get(record.id)
    assert stored is not None and record == Record.model_validate(stored.model_dump(include=set(METADATA_FIELDS)))

    assert retriever.invoke("Atention is All Need", k=1)[0].metadata["title"] == "Attention is All you Need"
    adocs = asyncio.run(retriever.ainvoke("Deep Residul Learning for Recognition"))
    assert [d.id for d in adocs] == [d.id for d in docs]
    assert retriever.invoke("   ") == []


def _hide(monkeypatch: pytest.MonkeyPatch, package: str) -> None:
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        monkeypatch.delitem(sys.modules, name)
    for name in [m for m in sys.modules if m == "citeproof.langchain" or m.startswith("citeproof.langchain.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, package, None)  # what an uninstalled package looks like


def test_middleware_without_langchain_says_what_to_install_and_the_rest_still_works(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _hide(monkeypatch, "langchain")
    lc = importlib.import_module("citeproof.langchain")  # the langchain-core parts import fine
    assert lc.CitationRetriever and lc.citation_tools and lc.CitationCallbackHandler
    with pytest.raises(ImportError, match=r"pip install 'citeproof\[langchain\]'"):
        from citeproof.langchain import CitationMiddleware  # noqa: F401


def _run_example(argv: list[str]) -> str:
    spec = importlib.util.spec_from_file_location("agent_with_citations", ROOT / "examples" / "agent_with_citations.py")
    assert spec and spec.loader
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    out = io.StringIO()
    assert example.main(argv, stdout=out) == 0
    return out.getvalue()


def test_agent_example_runs_offline(dev_index_dir: Path) -> None:
    text = _run_example(["--index", str(dev_index_dir)])
    assert "find_references" in text and "Attention is All you Need" in text
    assert "answer 1: 2 citations: 1 verified, 0 mismatch, 1 fabricated" in text
    assert "answer 2: 1 citation: 1 verified" in text
    assert FAKE[:40] in text  # the made-up work was cited, flagged, and sent back
