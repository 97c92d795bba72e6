"""One message must never freeze the bot: every channel answers an over-long message at once.

A message over HELPDESK_MAX_MESSAGE_CHARS (20,000 on the stack) is answered politely in the
user's language, with ``{"kind": "text", "intent": "too_long"}``, without NLU or the policies
(guards/message_size.py, wrapping where every channel's messages arrive), within a second;
the turn is still recorded. Each channel is driven by its real protocol: REST and socket.io
as a client would, Slack and WeCom as their servers would (signed), answered through the fakes.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.channels.conftest import Oracle, slack_headers
from tests.channels.fakes import ChannelFakes
from tests.channels.socketio_client import SocketIoClient
from tests.channels.test_slack import event, new_channel
from tests.channels.test_wecom import callback, content, new_user, post, text_message
from tests.stack import BotStack

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

LIMIT = 20_000  # contract.limits.MAX_MESSAGE_CHARS: the stack does not set HELPDESK_MAX_MESSAGE_CHARS
ANSWER_WITHIN_S = 1.0
TOO_LONG = {"zh": "这条消息太长了", "en": "This message is too long"}
# Over the limit, in each language: the reply's language is read from the start of the message.
MESSAGES = {"zh": "端口" * 10_001, "en": "port " * 4_001}


def too_long(payloads: list[dict[str, Any]], language: str) -> None:
    assert payloads == [{"kind": "text", "language": language, "intent": "too_long"}], payloads


def timed_say(bot_stack: BotStack, text: str, sender: str) -> tuple[float, list[dict[str, Any]]]:
    start = time.monotonic()
    messages = bot_stack.say(text, sender)
    return time.monotonic() - start, messages


@pytest.mark.parametrize("language", ["zh", "en"])
def test_rest_answers_an_over_long_message_at_once_in_the_users_language(
    bot_stack: BotStack, sender: str, language: str
) -> None:
    took, messages = timed_say(bot_stack, MESSAGES[language], sender)
    too_long([m["custom"] for m in messages if "custom" in m], language)
    text = "".join(m.get("text", "") for m in messages)
    assert TOO_LONG[language] in text and (f"{LIMIT:,}" if language == "en" else str(LIMIT)) in text  # the limit
    assert took < ANSWER_WITHIN_S, f"{took:.2f} s"
    # The conversation goes on: the next message is understood as usual.
    _, payloads = bot_stack.chat("445端口能用吗", sender)
    assert [p["kind"] for p in payloads] == ["port_verdict"]


def test_a_message_at_the_limit_is_read(bot_stack: BotStack, sender: str) -> None:
    text = ("445端口能用吗 " + "x" * LIMIT)[:LIMIT]
    _, payloads = bot_stack.chat(text, sender)
    assert "too_long" not in [p.get("intent") for p in payloads]


def test_a_megabyte_message_is_answered_at_once(bot_stack: BotStack, sender: str) -> None:
    took, messages = timed_say(bot_stack, "a" * 1_000_000, sender)  # the message that froze Rasa for 47 s
    too_long([m["custom"] for m in messages if "custom" in m], "en")
    assert took < ANSWER_WITHIN_S, f"{took:.2f} s"


def test_a_body_over_the_servers_limit_is_refused_before_parsing(bot_stack: BotStack, sender: str) -> None:
    body = json.dumps({"sender": sender, "message": "a" * 5_000_000})  # SANIC_REQUEST_MAX_SIZE: 4 MiB
    r = httpx.post(f"{bot_stack.rasa_url}/webhooks/rest/webhook", content=body, timeout=30)
    assert r.status_code == 413


def test_an_over_long_turn_is_recorded_with_an_excerpt(bot_stack: BotStack, sender: str) -> None:
    bot_stack.say(MESSAGES["zh"], sender)
    deadline, turns = time.monotonic() + 20, []
    while not turns and time.monotonic() < deadline:
        turns = [t for t in bot_stack.admin("GET", "/v1/admin/export/turns.json") if t["conversation_id"] == sender]
        time.sleep(0.2)
    assert len(turns) == 1, turns
    turn = turns[0]
    assert (turn["intent"], turn["outcome"], turn["language"], turn["channel"]) == ("too_long", "other", "zh", "rest")
    assert MESSAGES["zh"].startswith(turn["text"]) and len(turn["text"]) <= 1000  # an excerpt, not 20,002 characters


@pytest.mark.parametrize("language", ["zh", "en"])
def test_socketio_answers_an_over_long_message_at_once(bot_stack: BotStack, language: str) -> None:
    client = SocketIoClient(bot_stack.rasa_url)
    try:
        session = f"test-{uuid.uuid4().hex[:12]}"
        client.session(session)
        start = time.monotonic()
        client.emit("user_uttered", {"message": MESSAGES[language], "session_id": session})
        replies = client.events("bot_uttered", count=2, timeout=10)
        took = time.monotonic() - start
    finally:
        client.close()
    assert TOO_LONG[language] in replies[0]["text"]
    too_long([r["custom"] for r in replies if "custom" in r], language)
    assert took < ANSWER_WITHIN_S, f"{took:.2f} s"


@pytest.mark.parametrize("language", ["zh", "en"])
def test_slack_answers_an_over_long_message_at_once(
    bot_stack: BotStack, channel_fakes: ChannelFakes, language: str
) -> None:
    channel = new_channel("D")
    body = json.dumps(event(MESSAGES[language], channel=channel)).encode()
    start = time.monotonic()
    r = httpx.post(
        f"{bot_stack.rasa_url}/webhooks/slack/webhook",
        content=body,
        headers=slack_headers(channel_fakes.slack_signing_secret, body),
        timeout=10,
    )
    assert r.status_code == 200
    (reply,) = channel_fakes.slack.wait_for_posts(channel)
    took = time.monotonic() - start
    assert TOO_LONG[language] in reply["text"]
    assert took < ANSWER_WITHIN_S, f"{took:.2f} s"


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # WeCom refuses callbacks over 64 KB (a real one is 2,048 bytes at most), so mostly ASCII.
        ("zh", "端口能用吗" * 20 + "x" * LIMIT),
        ("en", "port " * 20 + "x" * LIMIT),
    ],
)
def test_wecom_answers_an_over_long_message_at_once(
    bot_stack: BotStack, channel_fakes: ChannelFakes, oracle: Oracle, language: str, text: str
) -> None:
    user = new_user()
    query, body = callback(oracle, channel_fakes, text_message(user, text))
    start = time.monotonic()
    assert post(bot_stack, query, body).status_code == 200
    (reply,) = channel_fakes.wecom.wait_for_sends(user)
    took = time.monotonic() - start
    assert TOO_LONG[language] in content(reply)
    assert took < ANSWER_WITHIN_S, f"{took:.2f} s"
