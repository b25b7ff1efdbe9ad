"""A LangChain agent that looks up real works before citing them, and whose answers are checked.

`create_agent` gets citeproof's tools (`find_references`, `verify_citations`) and its middleware
(`CitationMiddleware`), both over one index. With `--on-flag retry` (the default here), an answer
with a flagged citation goes back to the model with the findings, and the model answers again.

It runs offline as it is: the "model" is a small fake that looks the question up with
`find_references`, answers citing the first work that came back plus, on its first try, one work it
made up, and fixes that when the middleware sends the findings back. Pass `--model` to use a real
chat model instead (any `init_chat_model` name, e.g. `openai:gpt-4o-mini`; that needs the provider
package and its API key):

    python examples/agent_with_citations.py [--index DIR] [--model NAME] [--on-flag retry] ["question"]

Without --index it uses the bundled demo index (built into your cache directory on first use).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from langchain.agents import create_agent
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from citeproof.langchain import CitationMiddleware, citation_tools
from citeproof.verifier import Verifier

__all__ = ["DEFAULT_QUESTION", "SYSTEM_PROMPT", "OfflineResearcher", "build_agent", "main"]

DEFAULT_QUESTION = 'Which paper introduced the Transformer? I think it was "Atention is all you need".'
SYSTEM_PROMPT = (
    "You answer research questions with citations. Before citing a work, look it up with find_references "
    "and cite only works it returned, copied exactly into a numbered reference list at the end of your answer. "
    "Never cite a work from memory."
)
MADE_UP = (
    "Smith, J., & Doe, R. (2021). Quantum gradient routing for sparse mixture-of-experts transformers. "
    "Advances in Neural Information Processing Systems, 34, 1-20."
)


class OfflineResearcher(BaseChatModel):
    """A stand-in for a real chat model, so the example runs with no network and no API key.

    It plays a researcher with a shaky memory: it calls `find_references` for the question (or for
    the title in double quotes in it, if any), then
    answers citing the first reference that came back and one it made up; told the made-up one was
    flagged, it answers again with the real one only. Its turns are read off the conversation, so it
    really cites what the tool returned.
    """

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> OfflineResearcher:
        """Accept the tools `create_agent` binds; this fake knows which one it wants."""
        return self

    @property
    def _llm_type(self) -> str:
        return "offline-researcher"

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, **kwargs: Any) -> ChatResult:
        found = [m for m in messages if isinstance(m, ToolMessage)]
        answered = any(isinstance(m, AIMessage) and not m.tool_calls for m in messages)
        if not found:
            question = next(m.text for m in messages if isinstance(m, HumanMessage))
            quoted = re.search(r'"([^"]+)"', question)
            query = quoted.group(1) if quoted else question
            call = {"name": "find_references", "args": {"query": query, "k": 3}, "id": "call_1", "type": "tool_call"}
            message = AIMessage(content="", tool_calls=[call])
        else:
            refs = re.findall(r"^1\. (.+)$", found[-1].text, flags=re.MULTILINE)
            if not refs:
                message = AIMessage(content="I found no real work on this, so I cite none.")
            else:
                cited = [refs[0]] if answered else [refs[0], MADE_UP]
                mentions = "The work you mean is [1]" + ("." if answered else ", later extended to sparse experts [2].")
                listing = "\n".join(f"{i}. {ref}" for i, ref in enumerate(cited, 1))
                message = AIMessage(content=f"{mentions}\n\nReferences\n{listing}\n")
        return ChatResult(generations=[ChatGeneration(message=message)])


def build_agent(model: BaseChatModel, verifier: Verifier, on_flag: str = "retry") -> tuple[Any, CitationMiddleware]:
    """The agent, with the tools and the middleware sharing one loaded index, and the middleware."""
    checker = CitationMiddleware(verifier, on_flag=on_flag)  # type: ignore[arg-type]
    agent = create_agent(model, tools=citation_tools(verifier), middleware=[checker], system_prompt=SYSTEM_PROMPT)
    return agent, checker


def main(argv: list[str] | None = None, stdout: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("question", nargs="?", default=DEFAULT_QUESTION)
    parser.add_argument("--index", default=None, help="index directory (default: the bundled demo index)")
    parser.add_argument("--model", default=None, help="a chat model for init_chat_model (default: offline fake)")
    parser.add_argument("--on-flag", default="retry", choices=("annotate", "retry", "raise"))
    args = parser.parse_args(argv)

    if args.model:
        from langchain.chat_models import init_chat_model

        model: BaseChatModel = init_chat_model(args.model)
    else:
        model = OfflineResearcher()
    agent, checker = build_agent(model, Verifier(args.index), args.on_flag)
    result = agent.invoke({"messages": [HumanMessage(args.question)]})

    for m in result["messages"]:
        calls = "".join(f"\n  -> {c['name']}({c['args']})" for c in getattr(m, "tool_calls", []))
        stdout.write(f"[{m.type}] {m.text}{calls}\n\n")
    for i, report in enumerate(checker.reports, 1):
        s = report.summary
        stdout.write(
            f"answer {i}: {s.total} citation{'s' if s.total != 1 else ''}: {s.verified} verified, {s.mismatch} mismatch, "
            f"{s.fabricated} fabricated, {s.unverifiable} unverifiable\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
