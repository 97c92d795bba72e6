"""Local servers for tests: an ASGI app served in a thread; free_port is the benchmarks' own."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pytest
import uvicorn
from fastapi import FastAPI

from benchmarks.measure import free_port

__all__ = ["ThreadServer", "free_port", "serve_in_thread"]


@dataclass
class ThreadServer:
    """An app served by uvicorn in a daemon thread."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve_in_thread(app: FastAPI, name: str) -> ThreadServer:
    """Serve ``app`` on a free port and wait until it accepts connections."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name=f"{name}-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail(f"the {name} test server did not start", pytrace=False)
        time.sleep(0.05)
    return ThreadServer(f"http://127.0.0.1:{port}", server, thread)
