"""Running the app with uvicorn: in the foreground (`citeproof serve`) or in a background thread.

The background form binds its socket before the server starts, so a caller asking for port 0 knows
the port the OS chose; tests, notebooks and benchmarks use it to get a real HTTP server in-process.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

__all__ = ["background", "serve"]


def serve(app: FastAPI, host: str = "127.0.0.1", port: int = 8000, log_level: str = "info") -> None:
    """Serve `app` until interrupted (Ctrl-C stops it cleanly)."""
    uvicorn.run(app, host=host, port=port, log_level=log_level)


@contextmanager
def background(app: FastAPI, host: str = "127.0.0.1", port: int = 0, timeout: float = 60.0) -> Iterator[str]:
    """Serve `app` in a daemon thread for the `with` block; yields its base URL (`http://host:port`)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="citeproof-service", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError(f"the citeproof service did not start within {timeout:.0f}s")
        time.sleep(0.02)
    bound = sock.getsockname()[1]
    try:
        yield f"http://{'[' + host + ']' if ':' in host else host}:{bound}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
