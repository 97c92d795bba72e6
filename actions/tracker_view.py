"""Read-only helpers over a rasa-sdk tracker: entities, transcript, past payloads."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker

from actions.api_client import Candidate, TranscriptLine

logger = logging.getLogger(__name__)

CASE_SLOT = "case"


def kept_case(tracker: Tracker) -> dict[str, object] | None:
    """The case the last diagnosis returned, or None when no case is being worked.

    Only the actions write the slot; anything but a JSON object there is a bug, said in the
    log, and the case starts again rather than the conversation stopping.
    """
    case = tracker.get_slot(CASE_SLOT)
    if case is None or isinstance(case, dict):
        return case or None
    logger.warning("slot %r holds a %s, not a case: starting a new case", CASE_SLOT, type(case).__name__)
    return None


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
