"""Rasa's socket.io channel, with custom payloads that arrive.

Rasa 3.6's ``SocketIOOutput.send_custom_json`` calls ``sio.emit(event, **json_message)``,
so a custom payload such as ``{"kind": "faq_answer", ...}`` raises
``TypeError: emit() got an unexpected keyword argument 'kind'`` and never reaches the
client. Here it is emitted as ``{"custom": {...}}`` on the bot event, the same shape the
REST channel returns, so the widget reads one format from both channels.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels import socketio as rasa_socketio
from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint


class SocketIOOutput(rasa_socketio.SocketIOOutput):
    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"custom": json_message})


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
        # Rasa's handler builds its output channel by the module-level name
        # SocketIOOutput at message time; point that name at the class above.
        rasa_socketio.SocketIOOutput = SocketIOOutput
        bp: Blueprint = super().blueprint(on_new_message)  # Rasa's SocketIOInput is untyped
        return bp
