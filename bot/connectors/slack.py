"""Rasa's Slack channel, configured from the environment, with Block Kit replies.

Register ``https://<public host>/webhooks/slack/webhook`` in the Slack app as the Event
Subscriptions Request URL (events ``message.im`` and ``app_mention``) and as the
Interactivity Request URL (for the buttons). What this adds to Rasa 3.6's ``SlackInput``:

- settings from ``SLACK_BOT_TOKEN``, ``SLACK_SIGNING_SECRET`` (both required: no channel
  without the signing secret; neither set: no channel), ``SLACK_CHANNEL`` and ``SLACK_API_URL``
  (tests point it at a fake);
- a redelivered event (same ``event_id``, whatever its ``X-Slack-Retry-Reason``) is not answered
  twice; Rasa alone re-answers retries for reasons other than ``http_timeout``;
- the url_verification answer is ``{"challenge": ...}`` (Rasa sends a bare JSON string), and a
  body that is not JSON gets 400 instead of a server error;
- replies in a thread for channel mentions and threads, in the conversation itself for DMs;
- each bot message is one ``chat.postMessage`` rendered from its ``custom`` payload as Block Kit
  (Rasa would post the payload's keys as API arguments), without the legacy ``as_user``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot
from rasa.core.channels.slack import SlackInput as RasaSlackInput
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

from connectors import AbsentChannel, any_set, recent_keys

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
ENV = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")  # neither set: no Slack channel
MAX_REQUEST_AGE_S = 5 * 60
MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_BUTTON_CHARS = 75


def slack_request_problem(signing_secret: str, timestamp: str, body: bytes, signature: str, now: float) -> str | None:
    """Why a request is not from Slack (``None`` if it is): ``v0=HMAC-SHA256(secret, "v0:{ts}:{body}")``
    over a timestamp at most five minutes from ``now``."""
    if not signature:
        return "no X-Slack-Signature"
    if not timestamp.isdigit():
        return "no valid X-Slack-Request-Timestamp"
    if abs(now - int(timestamp)) > MAX_REQUEST_AGE_S:
        return "timestamp more than five minutes away (replayed?)"
    digest = hmac.new(signing_secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return (
        None if hmac.compare_digest(f"v0={digest}", signature) else "signature does not match (SLACK_SIGNING_SECRET?)"
    )


# --- rendering ------------------------------------------------------------------------------

VERDICTS = {
    "blocked": (":no_entry:", {"zh": "被拦截，无法使用", "en": "Blocked"}),
    "restricted": (":warning:", {"zh": "默认受限", "en": "Restricted by default"}),
    "open": (":white_check_mark:", {"zh": "未被平台拦截", "en": "Not blocked by the platform"}),
}
SOURCE = {"zh": "来源：", "en": "Source: "}
OPEN_SOURCE = {"zh": "查看原文", "en": "Open the FAQ"}


def escape(text: str) -> str:
    """Slack's three control characters, so no text can ping ``<!channel>`` or fake a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(markdown: str) -> str:
    """The FAQ's Markdown as Slack mrkdwn: links, bold, headings; tables as preformatted text."""
    out: list[str] = []
    table: list[str] = []
    for line in [*markdown.splitlines(), ""]:
        if line.strip().startswith("|"):
            table.append(line)
            continue
        if table:
            out.append("```\n" + escape("\n".join(table)) + "\n```")
            table = []
        line = escape(line)
        line = re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", lambda m: f"<{m[2].replace('|', '%7C')}|{m[1]}>", line)
        line = re.sub(r"\*\*(.+?)\*\*", r"*\1*", line)
        line = re.sub(r"^#{1,6}\s+(.*)$", r"*\1*", line)
        out.append(line)
    return "\n".join(out).strip()


def _sections(text: str) -> list[dict[str, Any]]:
    """mrkdwn sections of at most MAX_SECTION_CHARS, cut at line ends where possible."""
    blocks, current = [], ""
    for line in text.splitlines(keepends=True):
        while len(line) > MAX_SECTION_CHARS:
            blocks.append(current)
            current, line = line[:MAX_SECTION_CHARS], line[MAX_SECTION_CHARS:]
        if len(current) + len(line) > MAX_SECTION_CHARS:
            blocks.append(current)
            current = ""
        current += line
    return [{"type": "section", "text": {"type": "mrkdwn", "text": b}} for b in [*blocks, current] if b.strip()]


def _buttons(buttons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    elements = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": _cut(str(b.get("title", "")), MAX_BUTTON_CHARS)},
            "value": str(b["payload"])[:2000],
            "action_id": f"choice-{i}",
        }
        for i, b in enumerate(buttons[:25])
        if b.get("payload")
    ]
    return [{"type": "actions", "elements": elements}] if elements else []


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _source(url: str, lang: str) -> list[dict[str, Any]]:
    if not url:
        return []
    return [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"{SOURCE[lang]}<{url}|{escape(url)}>"}]},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": OPEN_SOURCE[lang]},
                    "url": url,
                    "action_id": "source",
                }
            ],
        },
    ]


def _port_blocks(text: str, results: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    blocks = _sections(escape(text.splitlines()[0])) if text else []
    for r in results:
        emoji, label = VERDICTS.get(
            r.get("verdict", ""), (":grey_question:", {"zh": r.get("verdict"), "en": r.get("verdict")})
        )
        port = f"*{escape(str(r.get('protocol', '')).upper())} {r.get('port')}*"
        blocks.append(
            {
                "type": "section",
                "fields": [{"type": "mrkdwn", "text": port}, {"type": "mrkdwn", "text": f"{emoji} {label[lang]}"}],
            }
        )
        notes = " ".join(escape(str(r[k])) for k in ("reason", "advice") if r.get(k))
        if notes:
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(notes, MAX_SECTION_CHARS)}]})
    return blocks


def render(message: dict[str, Any]) -> list[dict[str, Any]]:
    """A Rasa bot message as ``chat.postMessage`` arguments (one call each; Slack takes 50 blocks)."""
    text = (message.get("text") or "").strip()
    raw_custom = message.get("custom")
    custom: dict[str, Any] = raw_custom if isinstance(raw_custom, dict) else {}
    lang = "en" if custom.get("language") == "en" else "zh"
    kind = custom.get("kind")
    if kind == "faq_answer":
        blocks = [
            *_sections(f"*{escape(custom.get('question', ''))}*\n{mrkdwn(custom.get('answer_markdown', ''))}"),
            *_source(custom.get("source_url", ""), lang),
        ]
    elif kind == "port_verdict" and custom.get("results"):
        blocks = _port_blocks(text, custom["results"], lang)
    else:
        blocks = [*_sections(escape(text)), *_buttons(message.get("buttons") or [])]
        if kind == "delete_diagnosis":
            blocks += _source(custom.get("source_url", ""), lang)[:1]
    notification = _cut(escape(text), MAX_SECTION_CHARS)
    return [
        {"text": notification, "blocks": blocks[i : i + MAX_BLOCKS], "unfurl_links": False}
        for i in range(0, len(blocks), MAX_BLOCKS)
    ]


class SlackOutput(SlackBot):
    """Rasa's SlackBot with a configurable Web API URL and Block Kit replies."""

    def __init__(
        self,
        token: str,
        slack_channel: str | None = None,
        thread_id: str | None = None,
        proxy: str | None = None,
        api_url: str = DEFAULT_API_URL,
    ) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        self.client = AsyncWebClient(token, proxy=proxy, base_url=api_url)

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        custom = message.get("custom")
        if custom and not (isinstance(custom, dict) and "kind" in custom):
            # Not one of ours: a Slack message in a domain response, posted as Rasa does.
            await super().send_response(recipient_id, message)
            return
        for post in render(message):
            if post["blocks"]:
                await self._post_message(channel=self.slack_channel or recipient_id, **post)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_response(recipient_id, {"text": text, "buttons": buttons})


# --- the input channel --------------------------------------------------------------------------


class SlackInput(RasaSlackInput):
    """Configure in credentials.yml as ``connectors.slack.SlackInput``; secrets come from SLACK_*."""

    @classmethod
    def name(cls) -> str:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not any_set(ENV):
            return AbsentChannel(cls.name(), ENV)
        options = dict(credentials or {})
        token, secret = os.environ.get("SLACK_BOT_TOKEN", ""), os.environ.get("SLACK_SIGNING_SECRET", "")
        if not secret:
            raise InvalidConfigException(
                "The Slack channel needs SLACK_SIGNING_SECRET (Slack app → Basic Information → Signing Secret): "
                "without it anyone could post as Slack. Set it, or unset SLACK_BOT_TOKEN to run without Slack."
            )
        if not token:
            raise InvalidConfigException(
                "The Slack channel needs SLACK_BOT_TOKEN (Slack app → OAuth & Permissions → Bot User OAuth Token, "
                "xoxb-…). Set it, or unset SLACK_SIGNING_SECRET to run without Slack."
            )
        return cls(
            token,
            os.environ.get("SLACK_CHANNEL") or None,
            proxy=options.get("proxy"),
            slack_retry_reason_header="x-slack-retry-reason",
            slack_retry_number_header="x-slack-retry-num",
            use_threads=True,  # get_metadata decides per message whether to thread
            slack_signing_secret=secret,
            conversation_granularity=options.get("conversation_granularity", "sender"),
            api_url=os.environ.get("SLACK_API_URL") or DEFAULT_API_URL,
        )

    def __init__(self, *args: Any, api_url: str = DEFAULT_API_URL, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.api_url = api_url
        self._seen = recent_keys("slack")

    def is_request_from_slack_authentic(self, request: Request) -> bool:
        problem = slack_request_problem(
            self.slack_signing_secret,
            request.headers.get("X-Slack-Request-Timestamp", ""),
            request.body,
            request.headers.get("X-Slack-Signature", ""),
            time.time(),
        )
        if problem:
            logger.warning("slack: refused a request from %s: %s", request.remote_addr or request.ip, problem)
        return problem is None

    def get_metadata(self, request: Request) -> dict[str, Any]:
        metadata: dict[str, Any] = super().get_metadata(request)  # Rasa's SlackInput is untyped
        # Answer in the thread asked in, or start one under a channel mention; a DM stays flat.
        content_type = request.headers.get("content-type")
        if content_type == "application/json":
            event = (request.json or {}).get("event", {})
            threaded = event.get("thread_ts") or event.get("channel_type") != "im"
            metadata["thread_id"] = (event.get("thread_ts") or event.get("ts")) if threaded else None
        elif content_type == "application/x-www-form-urlencoded":  # a button under one of our messages
            metadata["thread_id"] = json.loads(request.form["payload"][0]).get("message", {}).get("thread_ts")
        return metadata

    def get_output_channel(self, channel: str | None = None, thread_id: str | None = None) -> OutputChannel:
        return SlackOutput(self.slack_token, channel or self.slack_channel, thread_id, self.proxy, self.api_url)

    async def _on_event(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        try:
            output = json.loads(request.body)
        except ValueError:
            return response.text("body is not JSON", status=400)
        if not isinstance(output, dict):
            return response.text("body is not a JSON object", status=400)
        if output.get("type") == "url_verification":
            return response.json({"challenge": output.get("challenge", "")})
        event_id = output.get("event_id")
        if event_id and not self._seen.first_time(str(event_id)):
            logger.info("slack: dropped redelivery #%s of %s", request.headers.get(self.retry_num_header), event_id)
            return response.text("", headers={"X-Slack-No-Retry": "1"})
        if not self._is_user_message(output):
            return response.text("Bot message delivered.")
        metadata = self.get_metadata(request)
        if not self._is_supported_channel(output, metadata):
            logger.info("slack: ignored a message in channel %s", metadata.get("out_channel"))
            return response.text("channel not supported.")
        event = output["event"]
        answered: HTTPResponse = await self.process_message(  # Rasa's SlackInput is untyped
            request,
            on_new_message,
            text=self._sanitize_user_message(event.get("text", ""), metadata["users"]),
            sender_id=self._get_conversation_id(event.get("user", ""), metadata["out_channel"], metadata["thread_id"]),
            metadata=metadata,
        )
        return answered

    async def _on_interaction(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        try:
            payload = json.loads(request.form["payload"][0])
            action = payload["actions"][0]
        except (KeyError, IndexError, TypeError, ValueError):
            return response.text("no interaction payload", status=400)
        if not self._is_interactive_message(payload):
            return response.text("interaction not supported")
        text = self._get_interactive_response(action)
        if text is None:  # a link button: Slack opens the link, nothing to answer
            return response.text("")
        metadata = self.get_metadata(request)
        sender_id = self._get_conversation_id(payload["user"]["id"], metadata["out_channel"], metadata["thread_id"])
        answered: HTTPResponse = await self.process_message(request, on_new_message, text, sender_id, metadata)
        return answered

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("slack_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.is_request_from_slack_authentic(request):
                return response.text("not signed by Slack (X-Slack-Signature)", status=401)
            content_type = (request.headers.get("content-type") or "").split(";")[0].strip()
            if content_type == "application/json":
                return await self._on_event(request, on_new_message)
            if content_type == "application/x-www-form-urlencoded":
                return await self._on_interaction(request, on_new_message)
            return response.text(f"unsupported content type {content_type!r}", status=415)

        return bp
