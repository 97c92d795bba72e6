"""The Slack channel on the real Rasa server, with a local fake of Slack's Web API
(``channel_fakes.slack``) recording what would have been posted."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.channels.conftest import Oracle, slack_headers
from tests.channels.fakes import ChannelFakes, load_vectors
from tests.stack import BotStack, RasaApi

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

QUIET_S = 2.0  # how long a refused or duplicate event gets to (wrongly) cause a post
BOT_USER = "UBOT0001"


def url(bot_stack: BotStack) -> str:
    return f"{bot_stack.rasa_url}/webhooks/slack/webhook"


def event(text: str, *, channel: str, mention: bool = False, user: str | None = None) -> dict[str, Any]:
    """An Events API callback: a DM (``message.im``) or a mention in a channel (``app_mention``)."""
    ts = f"{time.time():.6f}"
    inner = {"type": "message", "channel_type": "im", "text": text}
    if mention:
        inner = {"type": "app_mention", "text": f"<@{BOT_USER}> {text}"}
    return {
        "token": "legacy-verification-token",
        "team_id": "T0TEST",
        "api_app_id": "A0TEST",
        "type": "event_callback",
        "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()),
        "authorizations": [{"user_id": BOT_USER, "is_bot": True}],
        "event": {**inner, "user": user or f"U{uuid.uuid4().hex[:8].upper()}", "channel": channel, "ts": ts},
    }


def send(bot_stack: BotStack, fakes: ChannelFakes, payload: dict[str, Any], **headers: str) -> httpx.Response:
    body = json.dumps(payload).encode()
    return httpx.post(
        url(bot_stack), content=body, headers={**slack_headers(fakes.slack_signing_secret, body), **headers}, timeout=10
    )


def new_channel(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:9].upper()}"


def blocks_of(post: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [b for b in post["blocks"] if b["type"] == kind]


def all_text(post: dict[str, Any]) -> str:
    return json.dumps(post["blocks"], ensure_ascii=False)


# --- signatures -----------------------------------------------------------------------------------


def test_rasa_tests_signature_vector_verifies(oracle: Oracle) -> None:
    v = load_vectors()["slack_signature_rasa_tests"]
    request = {"secret": v["signing_secret"], "timestamp": v["timestamp"], "body": v["body"]}
    # Checked at the moment it was signed; the same request later is a replay.
    assert oracle.ask("slack_problem", **request, signature=v["expected_header"], now=int(v["timestamp"])) == {
        "result": None
    }
    late = oracle.ask("slack_problem", **request, signature=v["expected_header"], now=int(v["timestamp"]) + 301)
    assert "five minutes" in late["result"]
    forged = oracle.ask(
        "slack_problem", **{**request, "secret": "barfoo"}, signature=v["expected_header"], now=int(v["timestamp"])
    )
    assert "does not match" in forged["result"]


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
    ],
)
def test_the_channel_does_not_start_half_configured(oracle: Oracle, env: dict[str, str], needle: str) -> None:
    answer = oracle.ask("configure", channel="slack", env=env)
    assert answer["error"] == "InvalidConfigException" and needle in answer["message"]


def test_the_channel_is_absent_when_none_of_its_variables_is_set(oracle: Oracle) -> None:
    assert oracle.ask("configure", channel="slack", env={}) == {"result": {"class": "AbsentChannel", "routes": []}}
    configured = oracle.ask(
        "configure", channel="slack", env={"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
    )
    assert configured == {"result": {"class": "SlackInput", "routes": ["/", "/webhook"]}}


# --- on the running Rasa ----------------------------------------------------------------------------


def test_url_verification_challenge(bot_stack: BotStack, channel_fakes: ChannelFakes) -> None:
    r = send(
        bot_stack,
        channel_fakes,
        {"token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"},
    )
    assert r.status_code == 200
    assert r.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_a_direct_message_gets_port_verdict_fields(bot_stack: BotStack, channel_fakes: ChannelFakes) -> None:
    channel = new_channel("D")
    r = send(bot_stack, channel_fakes, event("445端口能用吗", channel=channel))
    assert r.status_code == 200

    [post] = channel_fakes.slack.wait_for_posts(channel)
    assert "thread_ts" not in post  # a DM stays a flat conversation
    assert "as_user" not in post
    assert "TCP 445" in post["text"]  # the notification text
    fields = [[f["text"] for f in b["fields"]] for b in blocks_of(post, "section") if "fields" in b]
    assert ["*TCP 445*", ":no_entry: 被拦截，无法使用"] in fields
    assert ["*UDP 445*", ":white_check_mark: 未被平台拦截"] in fields
    assert blocks_of(post, "context"), "each verdict carries its reason and advice"


def test_a_channel_mention_gets_the_faq_answer_in_its_thread(bot_stack: BotStack, channel_fakes: ChannelFakes) -> None:
    channel = new_channel("C")
    payload = event("如何创建安全组", channel=channel, mention=True)
    send(bot_stack, channel_fakes, payload)

    [post] = channel_fakes.slack.wait_for_posts(channel)
    assert post["thread_ts"] == payload["event"]["ts"]
    expected = bot_stack.api("POST", "/v1/answer", json={"question": "如何创建安全组"})["answer"]
    first = blocks_of(post, "section")[0]["text"]["text"]
    assert first.startswith(f"*{expected['question']}*")
    assert "<https://cloud.tencent.com/" in first  # Markdown links as Slack links
    [context] = blocks_of(post, "context")
    assert expected["source_url"] in context["elements"][0]["text"]
    [link] = [e for b in blocks_of(post, "actions") for e in b["elements"]]
    assert link["url"] == expected["source_url"]


@pytest.mark.parametrize(
    "tamper",
    ["wrong signature", "no signature", "no timestamp", "stale timestamp"],
)
def test_requests_not_signed_by_slack_are_refused(
    bot_stack: BotStack, channel_fakes: ChannelFakes, tamper: str
) -> None:
    channel = new_channel("D")
    body = json.dumps(event("你好", channel=channel)).encode()
    headers = slack_headers(channel_fakes.slack_signing_secret, body)
    if tamper == "wrong signature":
        headers = slack_headers("not-the-secret", body)
    elif tamper == "no signature":
        del headers["X-Slack-Signature"]
    elif tamper == "no timestamp":
        del headers["X-Slack-Request-Timestamp"]
    elif tamper == "stale timestamp":  # correctly signed, six minutes ago: a replay
        headers = slack_headers(channel_fakes.slack_signing_secret, body, age_s=6 * 60)
    r = httpx.post(url(bot_stack), content=body, headers=headers, timeout=10)
    assert 400 <= r.status_code < 500
    time.sleep(QUIET_S)
    assert channel_fakes.slack.posts(channel) == []


def _with_event(payload: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**payload, "event": {**payload["event"], **changes}}


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        # Each was a server error (or, without a user, a conversation with an empty id) in Rasa 3.6.
        (lambda p: {**p, "event": "not an object"}, ["body", "event"]),
        (lambda p: _with_event(p, text=42), ["body", "event", "text"]),
        (lambda p: _with_event(p, user=None), ["body", "event", "user"]),
        (lambda p: _with_event(p, user=""), ["body", "event", "user"]),
        (lambda p: _with_event(p, channel=["D1"]), ["body", "event", "channel"]),
        (lambda p: {**p, "authorizations": "UBOT"}, ["body", "authorizations"]),
        (lambda p: {**p, "authed_users": [1]}, ["body", "authed_users"]),
        (lambda p: {"type": "url_verification"}, ["body", "challenge"]),
        (lambda p: [p], ["body"]),
    ],
)
def test_a_malformed_but_signed_event_gets_400_naming_the_field(
    bot_stack: BotStack, channel_fakes: ChannelFakes, change: Any, loc: list[Any]
) -> None:
    channel = new_channel("D")
    body = json.dumps(change(event("你好", channel=channel))).encode()
    r = httpx.post(url(bot_stack), content=body, headers=slack_headers(channel_fakes.slack_signing_secret, body))
    assert r.status_code == 400, r.text
    assert r.json()["detail"][0]["loc"] == loc
    time.sleep(QUIET_S)
    assert channel_fakes.slack.posts(channel) == []


@pytest.mark.parametrize(
    ("payload", "loc"),
    [
        ("{not json", ["body", "payload"]),
        (json.dumps({"actions": []}), ["body", "payload", "actions"]),
        (json.dumps({"actions": [{"type": "button", "value": "/x"}]}), ["body", "payload", "user"]),
        (
            json.dumps({"actions": [{"type": "button", "value": "/x"}], "user": {"id": ""}}),
            ["body", "payload", "user", "id"],
        ),
        (json.dumps({"actions": ["x"], "user": {"id": "U1"}}), ["body", "payload", "actions", 0]),
    ],
)
def test_a_malformed_but_signed_click_gets_400_naming_the_field(
    bot_stack: BotStack, channel_fakes: ChannelFakes, payload: str, loc: list[Any]
) -> None:
    body = urlencode({"payload": payload}).encode()
    headers = slack_headers(channel_fakes.slack_signing_secret, body, content_type="application/x-www-form-urlencoded")
    r = httpx.post(url(bot_stack), content=body, headers=headers, timeout=10)
    assert r.status_code == 400, r.text
    assert r.json()["detail"][0]["loc"] == loc


@pytest.mark.parametrize("reason", ["http_timeout", "http_error"])
def test_a_retry_of_an_answered_event_is_not_answered_again(
    bot_stack: BotStack, channel_fakes: ChannelFakes, reason: str
) -> None:
    channel = new_channel("D")
    payload = event("你好", channel=channel)
    assert send(bot_stack, channel_fakes, payload).status_code == 200
    channel_fakes.slack.wait_for_posts(channel)

    retry = send(bot_stack, channel_fakes, payload, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": reason})
    assert 200 <= retry.status_code < 300
    assert retry.headers.get("X-Slack-No-Retry") == "1"
    time.sleep(QUIET_S)
    assert len(channel_fakes.slack.posts(channel)) == 1


def _unsure_question(bot_stack: BotStack, rasa_api: RasaApi) -> str:
    for q in ["我的服务器连不上", "端口有点问题", "服务器访问有问题", "规则", "my security group acts strange"]:
        intent = rasa_api.intent(q)
        answer = bot_stack.api("POST", "/v1/answer", json={"question": q})
        if intent in ("ask_faq", "nlu_fallback") and not answer["confident"] and answer["candidates"]:
            return q
    pytest.fail("no vague question leads to candidates; update the list")


def test_candidates_are_buttons_and_a_click_shows_the_entry(
    bot_stack: BotStack, rasa_api: RasaApi, channel_fakes: ChannelFakes
) -> None:
    channel, user = new_channel("D"), f"U{uuid.uuid4().hex[:8].upper()}"
    question = _unsure_question(bot_stack, rasa_api)
    candidates = bot_stack.api("POST", "/v1/answer", json={"question": question, "top_k": 3})["candidates"]
    send(bot_stack, channel_fakes, event(question, channel=channel, user=user))

    [offer] = channel_fakes.slack.wait_for_posts(channel)
    buttons = [e for b in blocks_of(offer, "actions") for e in b["elements"]]
    assert buttons[0]["value"] == "/choose_faq" + json.dumps({"faq_id": candidates[0]["id"]})
    assert buttons[-1]["value"] == "/request_human"

    # The user clicks the first button: Slack posts the interaction, form-encoded.
    interaction = {
        "type": "block_actions",
        "user": {"id": user},
        "channel": {"id": channel},
        "message": {"ts": "1700000000.000100", "text": offer["text"]},
        "actions": [{"type": "button", "action_id": buttons[0]["action_id"], "value": buttons[0]["value"]}],
    }
    body = urlencode({"payload": json.dumps(interaction)}).encode()
    headers = slack_headers(channel_fakes.slack_signing_secret, body, content_type="application/x-www-form-urlencoded")
    assert httpx.post(url(bot_stack), content=body, headers=headers, timeout=10).status_code == 200

    shown = channel_fakes.slack.wait_for_posts(channel, count=2)[1]
    assert blocks_of(shown, "section")[0]["text"]["text"].startswith(f"*{candidates[0]['question']}")


def test_every_post_was_accepted_by_the_fake_slack(bot_stack: BotStack, channel_fakes: ChannelFakes) -> None:
    """Block Kit within Slack's limits, the bot token on every call (checked by the fake)."""
    channel = new_channel("D")
    send(bot_stack, channel_fakes, event("hello", channel=channel))
    channel_fakes.slack.wait_for_posts(channel)
    calls = channel_fakes.slack.snapshot()
    assert all(c["auth"] == f"Bearer {channel_fakes.slack.token}" for c in calls)
    log = next(s for s in bot_stack.services if s.name == "rasa").log.read_text(errors="replace")
    assert "invalid_blocks" not in log and "SlackApiError" not in log
