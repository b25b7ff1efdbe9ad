"""A small chat loop in which every answer's citations are checked by citeproof as it arrives.

It runs offline as it is: the "model" is langchain-core's `GenericFakeChatModel` replaying canned
answers (one cites a paper that does not exist, one gets a year wrong). To talk to a real model,
return any LangChain chat model from `make_model()`, e.g. `init_chat_model("openai:gpt-4o-mini")`
(that needs the `langchain` and provider packages); nothing else changes.

    python examples/chat_app.py [--index DIR]    # type a question; an empty line or Ctrl-D quits

Without --index it uses the bundled demo index (built into your cache directory on first use).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import uuid
from typing import TextIO

from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from rich.console import Console

from citeproof.langchain import CitationCallbackHandler
from citeproof.verifier.render import render_text

__all__ = ["CANNED_ANSWERS", "main", "make_model"]

CANNED_ANSWERS = (
    "The Transformer replaced recurrence with self-attention [1]; residual connections [2] make such deep "
    "stacks trainable.\n\nReferences\n"
    "1. Vaswani, A., Shazeer, N., Parmar, N., Uszkoreit, J., Jones, L., Gomez, A. N., Kaiser, L., & "
    "Polosukhin, I. (2017). Attention is all you need. Advances in Neural Information Processing Systems, 30.\n"
    "2. He, K., Zhang, X., Ren, S., & Sun, J. (2016). Deep residual learning for image recognition. In "
    "Proceedings of the IEEE Conference on Computer Vision and Pattern Recognition (CVPR).\n",
    "Sparse experts route tokens with learned gates [1], building on residual networks [2].\n\nReferences\n"
    "1. Smith, J., & Doe, R. (2021). Quantum gradient routing for sparse mixture-of-experts transformers. "
    "Advances in Neural Information Processing Systems, 34, 1-20.\n"
    "2. He, K., Zhang, X., Ren, S., & Sun, J. (2015). Deep residual learning for image recognition. In CVPR.\n",
)


def make_model() -> BaseChatModel:
    """The chat model to talk to: a fake one that streams the canned answers in turn (offline)."""
    return GenericFakeChatModel(messages=itertools.cycle(CANNED_ANSWERS))


def main(argv: list[str] | None = None, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", default=None, help="index directory (default: the bundled demo index)")
    args = parser.parse_args(argv)

    console = Console(file=stdout, soft_wrap=True)
    model = make_model()
    # "warn" also logs each flagged answer; the loop below shows the evidence to the user itself.
    handler = CitationCallbackHandler(index=args.index, on_flag="warn")
    history: list[BaseMessage] = []
    while True:
        stdout.write("you> ")
        stdout.flush()
        question = stdin.readline().strip()
        if not question:
            stdout.write("\n")
            return 0
        history.append(HumanMessage(question))
        run_id = uuid.uuid4()  # to find this turn's report among all the handler has kept
        stdout.write("bot> ")
        answer = ""
        for chunk in model.stream(history, config={"callbacks": [handler], "run_id": run_id}):
            answer += str(chunk.text)
            stdout.write(str(chunk.text))
            stdout.flush()
        history.append(AIMessage(answer))
        for report in handler.reports_by_run.get(run_id, []):
            console.print("\n[bold]citeproof checked the references in this answer:[/]")
            render_text(report, console)


if __name__ == "__main__":
    sys.exit(main())
