"""Build Rasa events as its event broker publishes them (``sender_id`` + ``Event.as_dict()``)."""

from __future__ import annotations

import json
from typing import Any

T0 = 1_764_400_000.0  # 2025-11-29 07:06:40 UTC


class Conversation:
    """Events of one conversation, with a clock that moves forward."""

    def __init__(self, sender: str, channel: str = "rest", start: float = T0) -> None:
        self.sender = sender
        self.channel = channel
        self.now = start
        self.events: list[dict[str, Any]] = []

    def user(self, text: str, intent: str, **entities: str) -> Conversation:
        self.now += 10.0
        self.events.append(
            {
                "sender_id": self.sender,
                "event": "user",
                "timestamp": self.now,
                "text": text,
                "input_channel": self.channel,
                "message_id": f"m{len(self.events)}",
                "metadata": {},
                "parse_data": {
                    "intent": {"name": intent, "confidence": 0.9},
                    "entities": [{"entity": k, "value": v} for k, v in entities.items()],
                    "text": text,
                },
            }
        )
        self.events.append({"sender_id": self.sender, "event": "action", "timestamp": self.now, "name": "x"})
        return self

    def bot(self, kind: str, language: str = "zh", delay: float = 0.25, **custom: Any) -> Conversation:
        self.now += delay
        self.events.append(
            {
                "sender_id": self.sender,
                "event": "bot",
                "timestamp": self.now,
                "text": f"<{kind}>",
                "data": {"custom": {"kind": kind, "language": language, **custom}, "buttons": []},
                "metadata": {},
            }
        )
        return self

    def choose(self, faq_id: str) -> Conversation:
        return self.user("/choose_faq" + json.dumps({"faq_id": faq_id}), "choose_faq", faq_id=faq_id)
