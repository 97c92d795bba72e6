"""Rasa's REST channel (``POST /webhooks/rest/webhook``), with the request checked first.

Rasa 3.6 reads the body with ``request.json.get(...)``: a body that is not a JSON object
(empty, ``null``, ``[1,2]``, ``42``, ``"hi"``) failed inside Sanic with an HTML 500 page;
a body without ``sender`` put the user into the conversation ``default``, shared with
everyone else who left it out; and ``input_channel`` let a client record its messages as
another channel's. Here a bad request gets 400 naming the field (connectors/inbound.py):

* the body: a JSON object;
* ``sender``: required, a non-empty string of at most ``MAX_SENDER_CHARS`` (the records'
  limit on a conversation id). No id is made up for a request without one: each message
  would then start a new conversation, losing the context without a word; the client is
  told instead;
* ``message``: required, a string (empty is allowed: the bot asks what the question is);
* ``metadata``: absent, null or an object;
* ``input_channel``: absent, null or ``"rest"``.

Everything else is Rasa's: the same answer (the bot's messages as a JSON array), the
``?stream=true`` mode, the health check ``GET /webhooks/rest/``. A message too long for
NLU is answered by the message-size guard (guards/message_size.py), as on every channel.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from connectors.inbound import BadInput, json_object, optional_object, refusal, text_field

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 200  # the app's limit on a conversation id (its records refuse longer ones)
CHANNEL = "rest"


def read_request(body: bytes) -> tuple[str, str, dict[str, Any] | None]:
    """``(sender, message, metadata)`` of a webhook body.

    Raises:
        BadInput: naming the first field that is wrong.
    """
    fields = json_object(body)
    sender = text_field(fields, "sender", ("body",), non_empty=True, max_chars=MAX_SENDER_CHARS)
    message = text_field(fields, "message", ("body",))
    metadata = optional_object(fields, "metadata", ("body",))
    channel = fields.get("input_channel")
    if channel is not None and channel != CHANNEL:
        raise BadInput(
            ("body", "input_channel"),
            f"input_channel must be absent or {CHANNEL!r}: this channel records its messages as {CHANNEL!r}",
            "literal_error",
        )
    assert sender is not None and message is not None  # required fields
    return sender, message, metadata


class RestInput(RasaRestInput):
    """Configure in credentials.yml as ``connectors.rest.RestInput`` (same URL and answers as ``rest``)."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("custom_webhook_RestInput", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse | ResponseStream:
            try:
                sender, text, metadata = read_request(request.body)
            except BadInput as e:
                logger.info("rest: refused a request from %s: %s", request.remote_addr or request.ip, e.msg)
                return refusal(e)
            if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
                stream = self.stream_response(on_new_message, text, sender, CHANNEL, metadata)
                return response.stream(stream, content_type="text/event-stream")
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=CHANNEL, metadata=metadata))
            except asyncio.CancelledError:
                logger.error("rest: the message of %s timed out", sender)
            except Exception:
                logger.exception("rest: the message of %s failed", sender)
            return response.json(collector.messages)

        return bp
