"""The README's run command exposes no conversation: Rasa's HTTP API is off unless given a token.

``bot_stack`` is started as scripts/run.sh starts Rasa (scripts/bot.sh server, defaults);
anyone who can reach its port (the widget needs it reachable) must not read a conversation,
append forged bot messages to it or load another model. An operator who needs the API sets
``RASA_API_TOKEN`` (``rasa_api``): then every call needs the token.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.channels.socketio_client import SocketIoClient
from tests.stack import BotStack, RasaApi

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

REFUSED = (401, 403, 404)
FORGED = {"event": "bot", "text": "A human agent has taken over this conversation.", "data": {}}


def api_calls(sender: str) -> list[tuple[str, str, Any]]:
    """What the attacker of issue 12 did: read a conversation, forge a bot message, load a model."""
    return [
        ("GET", f"/conversations/{sender}/tracker", None),
        ("POST", f"/conversations/{sender}/tracker/events", FORGED),
        ("PUT", "/model", {"model_file": "models/current.tar.gz"}),
        ("POST", "/model/parse", {"text": "445"}),
        ("GET", "/status", None),
    ]


def test_the_default_stack_refuses_rasas_http_api(bot_stack: BotStack, sender: str) -> None:
    bot_stack.say("你好", sender)  # the conversation exists
    for method, path, body in api_calls(sender):
        r = httpx.request(method, f"{bot_stack.rasa_url}{path}", json=body, timeout=10)
        assert r.status_code in REFUSED, f"{method} {path}: {r.status_code} {r.text[:200]}"
    # Nothing was forged into the conversation: it goes on as before.
    _, payloads = bot_stack.chat("445端口能用吗", sender)
    assert [p["kind"] for p in payloads] == ["port_verdict"]


def test_the_widgets_channels_still_work(bot_stack: BotStack, sender: str) -> None:
    assert httpx.get(f"{bot_stack.rasa_url}/webhooks/rest/", timeout=10).json() == {"status": "ok"}
    _, payloads = bot_stack.chat("hello", sender)
    assert payloads and payloads[0]["language"] == "en"
    client = SocketIoClient(bot_stack.rasa_url)
    try:
        session = f"test-{uuid.uuid4().hex[:12]}"
        client.session(session)
        client.emit("user_uttered", {"message": "你好", "session_id": session})
        replies = client.events("bot_uttered", count=2, timeout=30)
    finally:
        client.close()
    assert any(r.get("custom", {}).get("language") == "zh" for r in replies), replies


@pytest.mark.parametrize(("origin", "allowed"), [("app", True), ("https://evil.example", False)])
def test_browsers_may_call_rasa_from_the_apps_origin_only(bot_stack: BotStack, origin: str, allowed: bool) -> None:
    origin = bot_stack.app_url if origin == "app" else origin
    r = httpx.options(
        f"{bot_stack.rasa_url}/webhooks/rest/webhook",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=10,
    )
    assert (r.headers.get("access-control-allow-origin") == origin) is allowed, dict(r.headers)


def test_an_operators_api_needs_its_token(rasa_api: RasaApi, sender: str) -> None:
    for method, path, body in api_calls(sender):
        for params in ({}, {"token": "not-the-token"}):
            r = httpx.request(method, f"{rasa_api.url}{path}", json=body, params=params, timeout=10)
            assert r.status_code in (401, 403), f"{method} {path} {params}: {r.status_code}"
    assert rasa_api.intent("445端口能用吗") == "ask_port"
    assert rasa_api.call("GET", f"/conversations/{sender}/tracker")["sender_id"] == sender
