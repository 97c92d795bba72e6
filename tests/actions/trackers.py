"""Build rasa-sdk trackers for the action tests, as Rasa sends them to the action server."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker


def tracker(
    text: str = "",
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    intent: str | None = None,
    events: list[dict[str, Any]] | None = None,
) -> Tracker:
    """A tracker whose latest user message is ``text`` with ``entities`` (each with a start offset)."""
    latest = {"text": text, "entities": entities or [], "intent": {"name": intent, "confidence": 1.0}}
    return Tracker("user-1", slots or {}, latest, events or [], False, None, {}, "action_listen")


def entity(name: str, value: str, start: int) -> dict[str, Any]:
    return {"entity": name, "value": value, "start": start, "end": start + len(value)}
