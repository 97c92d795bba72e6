"""What the recorder can take of a batch of Rasa events, event by event (no database here).

An event the recorder cannot take is refused alone, with its reason; the rest of its
batch is recorded. Strings are made storable (``clean``) and numbers finite (``finite``),
so an odd but legal value in one event never fails the batch's transaction.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MAX_SENDER = 200
# A timestamp further ahead of the app's clock is a wrong clock, not a turn (year 5138 was stored once).
MAX_AHEAD_S = 86_400.0
# Python reads "\ud800" in JSON as a lone surrogate, which neither SQLite nor PostgreSQL can store.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
TURN_EVENTS = ("user", "bot")
# A cause id of the diagnosis vocabulary (docs/troubleshooting.md), as the turns store it.
CAUSE_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")


@dataclass(frozen=True)
class Refusal:
    """An event the recorder could not take: its index in the batch and why."""

    index: int
    reason: str


@dataclass(frozen=True)
class Checked:
    """A batch's events after ``check_events``."""

    to_record: list[Mapping[str, Any]]  # the user and bot events to record, in order
    valid: int  # events accepted (recorded, or ignored as not being turns)
    refused: tuple[Refusal, ...]


def clean(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD, so that any database can store it."""
    return _SURROGATE.sub("\ufffd", text)


def finite(value: Any) -> float | None:
    """A number as a float, or None when it is not one (or NaN, infinite, a bool)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def mapping(value: Any) -> Mapping[str, Any]:
    """``value`` if it is an object, else an empty one (a field of the wrong type reads as absent)."""
    return value if isinstance(value, Mapping) else {}


def check_event(event: Any, now: float) -> str | None:
    """Why the recorder cannot take ``event`` (a Rasa event dict), or None when it can."""
    if not isinstance(event, Mapping):
        return f"must be an object, got {_json_type(event)}"
    kind = event.get("event")
    if not isinstance(kind, str) or not kind:
        return "has no 'event' type"
    if kind not in TURN_EVENTS:
        return None  # accepted and ignored: only user and bot events make turns
    sender = event.get("sender_id")
    if not isinstance(sender, str) or not 0 < len(sender) <= MAX_SENDER:
        return f"needs a 'sender_id' of 1-{MAX_SENDER} characters"
    if _SURROGATE.search(sender):
        return "'sender_id' is not valid Unicode (it holds a lone surrogate)"
    ts = event.get("timestamp")
    if isinstance(ts, bool) or not isinstance(ts, int | float) or not math.isfinite(ts) or ts < 0:
        return "needs a numeric 'timestamp' (seconds since the epoch)"
    if ts > now + MAX_AHEAD_S:
        return f"'timestamp' {ts:.0f} is more than a day ahead of the app's clock; check the bot's clock"
    return _check_reply(event) if kind == "bot" else None


def _check_reply(event: Mapping[str, Any]) -> str | None:
    """Why a bot event's payload cannot be recorded: a diagnosis reply needs a cause id or null."""
    custom = mapping(mapping(event.get("data")).get("custom"))
    if custom.get("kind") != "diagnosis":
        return None
    cause = custom.get("cause")
    if cause is None or (isinstance(cause, str) and CAUSE_ID.fullmatch(cause)):
        return None
    shown = json.dumps(cause, ensure_ascii=False, default=str)[:60]
    return (
        f"a 'diagnosis' reply's 'cause' must be null or a cause id (docs/troubleshooting.md, e.g. "
        f"'sg_no_matching_allow'), got {shown}"
    )


def check_events(events: Sequence[Any], now: float | None = None) -> Checked:
    """Sort a batch's events into what to record and what to refuse, one by one, in order.

    A refused user message also leaves out the bot messages of its conversation that follow
    it in the batch, so that they do not pass for the answer to the turn before.
    """
    now = time.time() if now is None else now
    to_record: list[Mapping[str, Any]] = []
    refused: list[Refusal] = []
    unanswerable: set[str] = set()  # conversations whose latest user message was refused
    for i, event in enumerate(events):
        reason = check_event(event, now)
        if reason is not None:
            refused.append(Refusal(i, reason))
            if isinstance(event, Mapping) and event.get("event") == "user" and isinstance(event.get("sender_id"), str):
                unanswerable.add(event["sender_id"])
            continue
        kind = event["event"]
        if kind == "user":
            unanswerable.discard(event["sender_id"])
        elif kind != "bot" or event["sender_id"] in unanswerable:
            continue
        to_record.append(event)
    return Checked(to_record, len(events) - len(refused), tuple(refused))


def _json_type(value: Any) -> str:
    names = {str: "a string", int: "a number", float: "a number", bool: "a boolean", list: "an array"}
    return "null" if value is None else names.get(type(value), type(value).__name__)
