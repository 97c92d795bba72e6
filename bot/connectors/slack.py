"""Rasa's Slack channel, configured from the environment, with Block Kit replies.

Register ``https://<public host>/webhooks/slack/webhook`` in the Slack app as the Event
Subscriptions Request URL (events ``message.im`` and ``app_mention``) and as the
Interactivity Request URL (for the buttons). What this adds to Rasa 3.6's ``SlackInput``:

- settings from ``SLACK_BOT_TOKEN``, ``SLACK_SIGNING_SECRET`` (both required: no channel
  without the signing secret; neither set: no channel), ``SLACK_CHANNEL`` and ``SLACK_API_URL``
  (tests point it at a fake);
- a redelivered event (same ``event_id``, whatever its ``X-Slack-Retry-Reason``) is not answered
  twice; Rasa alone re-answers retries for reasons other than ``http_timeout``;
- the url_verification answer is ``{"challenge": ...}`` (Rasa sends a bare JSON string); a
  signed body that is not JSON, or whose fields have the wrong shape, gets 400 naming the
  field (slack_events.py) instead of a server error;
- the user's text is cleaned in linear time (slack_events.sanitize; Rasa's pattern backtracks),
  and read as typed: Slack's ``&amp;``/``&lt;``/``&gt;`` undone and code-block fences dropped,
  so a paste in a code block reaches the diagnosis as pasted (slack_events.as_typed);
- replies in a thread for channel mentions and threads, in the conversation itself for DMs;
- each bot message is one ``chat.postMessage`` rendered from its ``custom`` payload as Block Kit
  (slack_blocks.py, a diagnosis by slack_diagnosis.py; Rasa would post the payload's keys as
  API arguments), without the legacy ``as_user``.

Rasa's own reading of events (which are a user's message, which conversation, which click)
is used through ``rasa_compat``, the one place that touches Rasa's private names.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

import rasa_compat
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot
from rasa.core.channels.slack import SlackInput as RasaSlackInput
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

from connectors import AbsentChannel, any_set, recent_keys
from connectors.inbound import BadInput, json_object, json_value, refusal
from connectors.slack_blocks import render
from connectors.slack_events import as_typed, check_event, check_interaction, sanitize

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
ENV = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")  # neither set: no Slack channel
MAX_REQUEST_AGE_S = 5 * 60


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
        channel = self.slack_channel or recipient_id
        thread = {"thread_ts": self.thread_id} if self.thread_id else {}
        for post in render(message):
            if post["blocks"]:
                await self.client.chat_postMessage(channel=channel, **post, **thread)

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
            output = json_object(request.body)
            check_event(output)
        except BadInput as e:
            logger.warning("slack: refused a signed event: %s", e.msg)
            return refusal(e)
        if output.get("type") == "url_verification":
            return response.json({"challenge": output["challenge"]})
        event_id = output.get("event_id")
        if event_id and not self._seen.first_time(event_id):
            logger.info("slack: dropped redelivery #%s of %s", request.headers.get(self.retry_num_header), event_id)
            return response.text("", headers={"X-Slack-No-Retry": "1"})
        if not rasa_compat.slack_is_user_message(output):
            return response.text("Bot message delivered.")
        metadata = self.get_metadata(request)
        if not rasa_compat.slack_is_supported_channel(self, output, metadata):
            logger.info("slack: ignored a message in channel %s", metadata.get("out_channel"))
            return response.text("channel not supported.")
        event = output["event"]
        answered: HTTPResponse = await self.process_message(  # Rasa's SlackInput is untyped
            request,
            on_new_message,
            text=as_typed(sanitize(event["text"], metadata["users"])),
            sender_id=rasa_compat.slack_conversation_id(
                self, event["user"], metadata["out_channel"], metadata["thread_id"]
            ),
            metadata=metadata,
        )
        return answered

    async def _on_interaction(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        try:
            payload = check_interaction(json_value(request.form.get("payload") or "", ("body", "payload")))
        except BadInput as e:
            logger.warning("slack: refused a signed interaction: %s", e.msg)
            return refusal(e)
        if not rasa_compat.slack_is_interactive_message(payload):
            return response.text("interaction not supported")
        text = rasa_compat.slack_interactive_response(payload["actions"][0])
        if text is None:  # a link button: Slack opens the link, nothing to answer
            return response.text("")
        metadata = self.get_metadata(request)
        sender_id = rasa_compat.slack_conversation_id(
            self, payload["user"]["id"], metadata["out_channel"], metadata["thread_id"]
        )
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
