"""The `citeproof` command: a thin layer over the library (as sqlite-utils is over its API).

`app` holds the command groups, `verify`, `index_commands` and `serve_commands` the commands, and
`errors` the exit codes and error reporting every command shares. `serve` and `mcp` import their
optional extras only when they run, so `citeproof verify` never loads FastAPI or the MCP SDK.
"""

from __future__ import annotations

from citeproof.cli import index_commands, serve_commands, verify
from citeproof.cli.app import index_group, main

__all__ = ["main"]

verify.register(main)
index_commands.register(index_group)
serve_commands.register(main)
