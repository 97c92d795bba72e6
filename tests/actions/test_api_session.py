"""The actions' HTTP client (actions/api_client.py): one session per event loop, whose connections
are reused from call to call, which the loop's end closes, and which carries the hand-off token on
the hand-off only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from aiohttp import web

from actions.api_client import HelpdeskApi, shared_session
from tests.actions.fake_app import listening


class Recorder:
    """A stand-in app that answers a port verdict, an answer and a hand-off, noting each request's
    client port (the connection it came on) and its Authorization header."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int, str | None]] = []

    def note(self, request: web.Request) -> None:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.seen.append((request.path, peer[1] if peer else -1, request.headers.get("Authorization")))

    async def port(self, request: web.Request) -> web.Response:
        self.note(request)
        protocol, port = request.match_info["protocol"], int(request.match_info["port"])
        return web.json_response({"protocol": protocol, "port": port, "verdict": "open", "reason": "", "advice": ""})

    async def answer(self, request: web.Request) -> web.Response:
        self.note(request)
        return web.json_response({"confident": False, "confidence": 0.1, "answer": None, "candidates": []})

    async def handoff(self, request: web.Request) -> web.Response:
        self.note(request)
        return web.json_response({"id": "tk-1", "created_at": "2026-12-05T10:00:00Z"}, status=201)


@asynccontextmanager
async def serving(recorder: Recorder) -> AsyncIterator[str]:
    routes = web.Application()
    routes.router.add_get("/v1/ports/{protocol}/{port}", recorder.port)
    routes.router.add_post("/v1/answer", recorder.answer)
    routes.router.add_post("/v1/handoffs", recorder.handoff)
    async with listening(routes) as url:
        yield url


def test_calls_reuse_the_loops_session_and_its_connection_and_the_loop_closes_it() -> None:
    recorder = Recorder()

    async def main() -> aiohttp.ClientSession:
        async with serving(recorder) as url:
            api = HelpdeskApi(url)
            await api.port_verdicts([("tcp", 22)])
            await api.answer("如何配置安全组", "zh")
            await HelpdeskApi(url).port_verdicts([("udp", 53)])  # another action run, the same loop
            session = await shared_session()
            assert session is await shared_session() and not session.closed
            return session

    session = asyncio.run(main())
    ports = {port for _, port, _ in recorder.seen}
    assert len(recorder.seen) == 3 and len(ports) == 1, f"one connection for calls in turn: {recorder.seen}"
    assert session.closed, "the loop's end closes its session"


def test_a_new_loop_gets_a_new_session() -> None:
    async def session_of_this_loop() -> aiohttp.ClientSession:
        return await shared_session()

    first, second = asyncio.run(session_of_this_loop()), asyncio.run(session_of_this_loop())
    assert first is not second and first.closed and second.closed


def test_the_handoff_token_goes_with_the_handoff_only() -> None:
    recorder = Recorder()

    async def main() -> None:
        async with serving(recorder) as url:
            api = HelpdeskApi(url, handoff_token="s3cret")
            await api.answer("转人工", "zh")
            fields: dict[str, Any] = {"transcript": [], "candidates": []}
            await api.create_handoff(
                conversation_id="c1", channel="rest", language="zh", reason="user_request", **fields
            )
            await api.port_verdicts([("tcp", 22), ("udp", 22)])

    asyncio.run(main())
    tokens = {path: auth for path, _, auth in recorder.seen}
    assert tokens == {
        "/v1/answer": None,
        "/v1/handoffs": "Bearer s3cret",
        "/v1/ports/tcp/22": None,
        "/v1/ports/udp/22": None,
    }
