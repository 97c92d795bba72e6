"""Read-only helpers over a rasa-sdk tracker: entities, transcript, past payloads."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.api_client import Candidate, TranscriptLine


def entity_values(tracker: Tracker, entity: str) -> list[str]:
    """All values of ``entity`` in the latest user message, in text order, once each."""
    found = [e for e in tracker.latest_message.get("entities", []) if e.get("entity") == entity]
    found.sort(key=lambda e: e.get("start", 0))
    values: list[str] = []
    for e in found:
        value = str(e.get("value", ""))
        if value and value not in values:
            values.append(value)
    return values


def latest_text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "")


def transcript(tracker: Tracker) -> list[TranscriptLine]:
    """The conversation's texts, user and bot, as the tracker recorded them."""
    lines: list[TranscriptLine] = []
    for event in tracker.events:
        kind = event.get("event")
        text = event.get("text")
        if kind in ("user", "bot") and text:
            lines.append({"sender": kind, "text": str(text), "timestamp": float(event.get("timestamp") or 0.0)})
    return lines


def last_candidates(tracker: Tracker) -> list[Candidate]:
    """Candidates of the most recent fallback reply, if the bot offered any."""
    for event in reversed(tracker.events):
        if event.get("event") != "bot":
            continue
        custom: Any = (event.get("data") or {}).get("custom") or {}
        if custom.get("kind") == "fallback":
            return list(custom.get("candidates") or [])
    return []
