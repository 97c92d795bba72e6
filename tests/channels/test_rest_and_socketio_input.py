"""Rasa's REST and socket.io channels refuse a malformed message clearly, naming the field.

Rasa 3.6 answered an HTML 500 page to a REST body that is not a JSON object, put a body without
``sender`` into the conversation ``default`` shared by everyone, and raised inside
python-socketio on a malformed ``user_uttered`` payload (connectors/rest.py, socketio.py).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from tests.channels.socketio_client import SocketIoClient
from tests.stack import BotStack

pytestmark = [pytest.mark.rasa, pytest.mark.slow]


def webhook(bot_stack: BotStack, body: bytes | str) -> httpx.Response:
    content = body.encode() if isinstance(body, str) else body
    return httpx.post(
        f"{bot_stack.rasa_url}/webhooks/rest/webhook",
        content=content,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )


@pytest.mark.parametrize(
    ("body", "loc", "type_"),
    [
        ("", ["body"], "missing"),
        ("null", ["body"], "object_type"),
        ("[1,2]", ["body"], "object_type"),
        ("42", ["body"], "object_type"),
        ('"hi"', ["body"], "object_type"),
        ("{nope", ["body"], "json_invalid"),
        (b"\xff\xfe", ["body"], "encoding"),
        ('{"sender": "a", "message": NaN}', ["body"], "json_invalid"),  # Python's parser accepts NaN; JSON has none
        # No sender: refused, not put into a conversation shared with everyone else who left it out.
        ('{"message": "hi"}', ["body", "sender"], "missing"),
        ('{"sender": null, "message": "hi"}', ["body", "sender"], "missing"),
        ('{"sender": "", "message": "hi"}', ["body", "sender"], "string_too_short"),
        ('{"sender": 7, "message": "hi"}', ["body", "sender"], "string_type"),
        (
            json.dumps({"sender": "s" * 201, "message": "hi"}),
            ["body", "sender"],
            "string_too_long",
        ),  # the records' limit
        ('{"sender": "\\ud800", "message": "hi"}', ["body", "sender"], "string_unicode"),  # a lone surrogate
        ('{"sender": "a"}', ["body", "message"], "missing"),
        ('{"sender": "a", "message": ["hi"]}', ["body", "message"], "string_type"),
        ('{"sender": "a", "message": "\\udfff"}', ["body", "message"], "string_unicode"),
        ('{"sender": "a", "message": "hi", "metadata": [1]}', ["body", "metadata"], "object_type"),
        ('{"sender": "a", "message": "hi", "input_channel": "slack"}', ["body", "input_channel"], "literal_error"),
    ],
)
def test_a_bad_rest_body_gets_400_naming_the_field(
    bot_stack: BotStack, body: str | bytes, loc: list[str], type_: str
) -> None:
    r = webhook(bot_stack, body)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/json")
    (problem,) = r.json()["detail"]
    assert (problem["loc"], problem["type"]) == (loc, type_)
    field = loc[-1] if len(loc) > 1 else "body"
    assert field in problem["msg"], problem  # the message names the field too


def test_rest_bodies_that_rasa_accepts_still_work(bot_stack: BotStack, sender: str) -> None:
    # Metadata and the channel's own name are allowed, as is an empty message (the bot asks for one).
    body = {"sender": sender, "message": "你好", "metadata": {"page": "/demo"}, "input_channel": "rest"}
    r = webhook(bot_stack, json.dumps(body))
    assert r.status_code == 200 and any("custom" in m for m in r.json())
    assert webhook(bot_stack, json.dumps({"sender": sender, "message": ""})).status_code == 200


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ("hello", "payload"),
        ([1, 2], "payload"),
        ({"session_id": "s"}, "message"),  # no message
        ({"message": 42, "session_id": "s"}, "message"),
        ({"message": "hi"}, "session_id"),  # sessions are persistent (credentials.yml): one is required
        ({"message": "hi", "session_id": "s", "metadata": [1]}, "metadata"),
        ({"message": "hi", "session_id": "s", "metadata": "{not json"}, "metadata"),
    ],
)
def test_a_bad_socketio_message_is_answered_with_an_error_naming_the_field(
    bot_stack: BotStack, payload: Any, field: str
) -> None:
    client = SocketIoClient(bot_stack.rasa_url)
    try:
        client.emit("user_uttered", payload)
        (reply,) = client.events("bot_uttered", timeout=10)
        # The connection is still usable: a good message after it is answered.
        session = f"test-{uuid.uuid4().hex[:12]}"
        client.session(session)
        client.emit("user_uttered", {"message": "你好", "session_id": session})
        answers = client.events("bot_uttered", count=2, timeout=30)
    finally:
        client.close()
    assert reply["custom"] == {"kind": "error", "language": "en", "error": "rejected"}
    assert field in reply["text"], reply
    assert any(a.get("custom", {}).get("kind") == "text" for a in answers), answers
