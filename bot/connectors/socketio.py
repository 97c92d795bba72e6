"""Rasa's socket.io channel (the widget), with custom payloads that arrive and messages checked.

Two fixes over Rasa 3.6's ``SocketIOInput``:

* Its ``SocketIOOutput.send_custom_json`` calls ``sio.emit(event, **json_message)``, so
  a custom payload such as ``{"kind": "faq_answer", ...}`` raised
  ``TypeError: emit() got an unexpected keyword argument 'kind'`` and never reached the
  client. Here it is emitted as ``{"custom": {...}}`` on the bot event, the shape the
  REST channel answers, so the widget reads one format from both channels.
* Its ``user_uttered`` handler read the payload with ``data.get(...)``: a payload that
  is not an object, a ``message`` that is not a string or ``metadata`` that is not an
  object raised inside python-socketio (a stack trace, no answer). Here the payload is
  checked (connectors/inbound.py) and a bad one is answered on the bot event with an
  error message naming the field (``{"kind": "error", "error": "rejected"}``), without
  reaching Rasa.

Our handler replaces Rasa's on the same socket.io server (``sio.on`` registers one handler
per event), and builds our output channel itself: nothing of Rasa's module is rebound.
Rasa's connect, disconnect and ``session_request`` handlers are kept as they are.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels import socketio as rasa_socketio
from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint

from connectors.inbound import BadInput, object_field, optional_object, text_field
from contract.payloads import ErrorPayload

logger = logging.getLogger(__name__)

REJECTED_TEXT = "This message could not be read ({problem}). Please send it again."


class SocketIOOutput(rasa_socketio.SocketIOOutput):
    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        await self.sio.emit(self.bot_message_evt, {"custom": json_message}, room=recipient_id)


def read_message(data: Any, metadata_key: str) -> tuple[str, str | None, dict[str, Any] | None]:
    """``(message, session_id, metadata)`` of a ``user_uttered`` payload.

    ``metadata`` may also come as a JSON string of an object, as Rasa accepts it.

    Raises:
        BadInput: naming the first field that is wrong.
    """
    payload = object_field(data, ("payload",))
    message = text_field(payload, "message", ("payload",))
    session_id = text_field(payload, "session_id", ("payload",), required=False, non_empty=True, max_chars=200)
    raw = payload.get(metadata_key)
    if isinstance(raw, str):
        try:
            payload = {**payload, metadata_key: json.loads(raw)}
        except ValueError:
            raise BadInput(("payload", metadata_key), f"{metadata_key} is a string that is not JSON") from None
    metadata = optional_object(payload, metadata_key, ("payload",))
    assert message is not None  # required
    return message, session_id, metadata


class SocketIOInput(rasa_socketio.SocketIOInput):
    """Configure in credentials.yml as ``connectors.socketio.SocketIOInput`` (same options)."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def get_output_channel(self) -> OutputChannel | None:
        if self.sio is None:
            return super().get_output_channel()
        return SocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp: Blueprint = super().blueprint(on_new_message)  # Rasa's SocketIOInput is untyped
        sio = self.sio

        async def handle_message(sid: str, data: Any) -> None:
            try:
                text, session_id, metadata = read_message(data, self.metadata_key)
                if self.session_persistence and not session_id:
                    raise BadInput(
                        ("payload", "session_id"),
                        "session_id is required: ask for one with the session_request event first",
                        "missing",
                    )
            except BadInput as e:
                logger.info("socketio: refused a message from %s: %s", sid, e.msg)
                payload: ErrorPayload = {"kind": "error", "language": "en", "error": "rejected"}
                await sio.emit(
                    self.bot_message_evt, {"text": REJECTED_TEXT.format(problem=e.msg), "custom": payload}, room=sid
                )
                return
            sender = session_id if self.session_persistence and session_id else sid
            output = SocketIOOutput(sio, self.bot_message_evt)
            await on_new_message(UserMessage(text, output, sender, input_channel=self.name(), metadata=metadata))

        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        return bp
