"""A local stand-in for the helpdesk app's HTTP API, on 127.0.0.1, for the action tests.

The actions run in the Rasa environment, where the app cannot; so the tests serve what the
real app answered (``tests/actions/data``, recorded by ``record_diagnoses.py``) over real
HTTP, and look at the requests the actions really sent.
"""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

DATA = Path(__file__).resolve().parent / "data"


def conversation(name: str) -> list[dict[str, Any]]:
    """The recorded exchanges of ``data/<name>.json``: ``{"request", "status", "body"}`` each."""
    exchanges: list[dict[str, Any]] = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    return exchanges


@dataclass
class FakeApp:
    """``POST /v1/diagnose`` answers with ``diagnoses`` in turn (status, body); ``POST
    /v1/handoffs`` makes a ticket, or refuses a case with a 422 when ``refuse_case``."""

    diagnoses: list[tuple[int, Any]] = field(default_factory=list)
    refuse_case: bool = False
    diagnose_requests: list[dict[str, Any]] = field(default_factory=list)
    handoff_requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def answer(self, *exchanges: dict[str, Any]) -> None:
        """Queue recorded answers."""
        self.diagnoses += [(e["status"], e["body"]) for e in exchanges]

    async def _diagnose(self, request: web.Request) -> web.Response:
        self.diagnose_requests.append(await request.json())
        if not self.diagnoses:
            return web.json_response({"detail": [{"loc": [], "msg": "no answer queued", "type": "test"}]}, status=500)
        status, body = self.diagnoses.pop(0)
        if isinstance(body, str):  # not the app's shape (a proxy's page)
            return web.Response(status=status, text=body)
        return web.json_response(body, status=status)

    async def _handoff(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.handoff_requests.append(body)
        if self.refuse_case and body.get("case") is not None:
            problem = {"loc": ["body", "case", "version"], "msg": "Input should be 1", "type": "literal_error"}
            return web.json_response({"detail": [problem]}, status=422)
        ticket = f"tk-{len(self.handoff_requests)}"
        return web.json_response({"id": ticket, "created_at": "2026-12-05T10:00:00Z"}, status=201)


@asynccontextmanager
async def serve(app: FakeApp) -> AsyncIterator[FakeApp]:
    """``app`` listening on a free port of 127.0.0.1 (``app.url``) until the block ends."""
    routes = web.Application()
    routes.router.add_post("/v1/diagnose", app._diagnose)
    routes.router.add_post("/v1/handoffs", app._handoff)
    runner = web.AppRunner(routes)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    site = web.SockSite(runner, sock)
    await site.start()
    app.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        yield app
    finally:
        await runner.cleanup()
        sock.close()
