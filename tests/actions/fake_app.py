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


def recorded_answers() -> dict[str, list[dict[str, Any]]]:
    """What the real app answered to the conversation actions' requests (``record_answers.py``)."""
    found: dict[str, list[dict[str, Any]]] = json.loads((DATA / "app_answers.json").read_text(encoding="utf-8"))
    return found


def conversation(name: str) -> list[dict[str, Any]]:
    """The recorded exchanges of ``data/<name>.json``: ``{"request", "status", "body"}`` each."""
    exchanges: list[dict[str, Any]] = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    return exchanges


@dataclass
class FakeApp:
    """``POST /v1/diagnose`` answers with ``diagnoses`` in turn (status, body), else with the
    recorded answer to that very request; ``POST /v1/answer``, ``GET /v1/faq/{id}/text`` and
    ``GET /v1/ports/{protocol}/{port}`` answer as the real app did (``recorded``), and with
    a 500 naming the request when it was never recorded; ``POST /v1/handoffs`` makes a
    ticket, or refuses a case with a 422 when ``refuse_case``. Every request is kept."""

    diagnoses: list[tuple[int, Any]] = field(default_factory=list)
    refuse_case: bool = False
    recorded: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    diagnose_requests: list[dict[str, Any]] = field(default_factory=list)
    handoff_requests: list[dict[str, Any]] = field(default_factory=list)
    answer_requests: list[dict[str, Any]] = field(default_factory=list)
    faq_requests: list[dict[str, Any]] = field(default_factory=list)
    port_requests: list[tuple[str, int]] = field(default_factory=list)
    url: str = ""

    def _recorded(self, route: str, request: dict[str, Any]) -> web.Response:
        for exchange in self.recorded.get(route, []):
            if exchange["request"] == request:
                return web.json_response(exchange["body"])
        problem = {"loc": [], "msg": f"not recorded: {route} {request}", "type": "test"}
        return web.json_response({"detail": [problem]}, status=500)

    async def _answer(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.answer_requests.append(body)
        return self._recorded("answer", body)

    async def _faq_text(self, request: web.Request) -> web.Response:
        asked = {"id": request.match_info["faq_id"], "language": request.query.get("language")}
        self.faq_requests.append(asked)
        return self._recorded("faq_text", asked)

    async def _port(self, request: web.Request) -> web.Response:
        asked = (request.match_info["protocol"], int(request.match_info["port"]))
        self.port_requests.append(asked)
        return self._recorded("ports", {"protocol": asked[0], "port": asked[1]})

    def answer(self, *exchanges: dict[str, Any]) -> None:
        """Queue recorded answers."""
        self.diagnoses += [(e["status"], e["body"]) for e in exchanges]

    async def _diagnose(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.diagnose_requests.append(body)
        if not self.diagnoses:
            return self._recorded("diagnose", body)
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
async def listening(routes: web.Application) -> AsyncIterator[str]:
    """``routes`` served on a free port of 127.0.0.1 until the block ends; yields its base URL."""
    runner = web.AppRunner(routes)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        await runner.cleanup()
        sock.close()


@asynccontextmanager
async def serve(app: FakeApp) -> AsyncIterator[FakeApp]:
    """``app`` listening on a free port of 127.0.0.1 (``app.url``) until the block ends."""
    routes = web.Application()
    routes.router.add_post("/v1/diagnose", app._diagnose)
    routes.router.add_post("/v1/handoffs", app._handoff)
    routes.router.add_post("/v1/answer", app._answer)
    routes.router.add_get("/v1/faq/{faq_id}/text", app._faq_text)
    routes.router.add_get("/v1/ports/{protocol}/{port}", app._port)
    async with listening(routes) as url:
        app.url = url
        yield app
