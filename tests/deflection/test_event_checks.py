"""Which events the recorder takes, one by one (deflection/event_checks.py)."""

from __future__ import annotations

from typing import Any

import pytest

from deflection.event_checks import check_event, check_events, clean, finite
from tests.deflection.events import T0

NOW = T0 + 3600.0
OK = {"event": "user", "sender_id": "c", "timestamp": T0, "text": "445端口能用吗"}


def reply(kind: str, **custom: Any) -> dict[str, Any]:
    return {"event": "bot", "sender_id": "c", "timestamp": T0, "data": {"custom": {"kind": kind, **custom}}}


CAUSE_REFUSED = "a 'diagnosis' reply's 'cause' must be null or a cause id"


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (OK, None),
        ({"event": "action", "name": "action_listen"}, None),  # not a turn: accepted, ignored, needs no sender
        ({"event": "slot", "sender_id": "x" * 500}, None),  # likewise, whatever its other fields
        ("not an object", "must be an object, got a string"),
        (None, "must be an object, got null"),
        ([1, 2], "must be an object, got an array"),
        ({}, "has no 'event' type"),  # what the schema allows (events: [{}]) is refused alone, not a 422
        ({"event": ""}, "has no 'event' type"),
        ({**OK, "sender_id": None}, "needs a 'sender_id' of 1-200 characters"),
        ({**OK, "sender_id": ""}, "needs a 'sender_id' of 1-200 characters"),
        ({**OK, "sender_id": "x" * 201}, "needs a 'sender_id' of 1-200 characters"),  # a key the store cannot hold
        ({**OK, "sender_id": "a\ud800"}, "'sender_id' is not valid Unicode (it holds a lone surrogate)"),
        ({k: v for k, v in OK.items() if k != "timestamp"}, "needs a numeric 'timestamp' (seconds since the epoch)"),
        ({**OK, "timestamp": "yesterday"}, "needs a numeric 'timestamp' (seconds since the epoch)"),
        ({**OK, "timestamp": True}, "needs a numeric 'timestamp' (seconds since the epoch)"),  # a bool is no time
        ({**OK, "timestamp": float("nan")}, "needs a numeric 'timestamp' (seconds since the epoch)"),
        ({**OK, "timestamp": -1}, "needs a numeric 'timestamp' (seconds since the epoch)"),
        # Year 10000 cannot be stored, and year 5138 is a wrong clock, not a turn.
        ({**OK, "timestamp": 253_402_300_800.0}, "is more than a day ahead of the app's clock"),
        ({**OK, "timestamp": 99_999_999_999.0}, "is more than a day ahead of the app's clock"),
        ({**OK, "event": "bot", "timestamp": NOW + 3600.0}, None),  # an hour of clock skew is fine
        (reply("diagnosis", cause=None), None),  # undecided
        (reply("diagnosis"), None),  # no cause given: undecided too
        (reply("diagnosis", cause="sg_no_matching_allow"), None),
        (reply("diagnosis", cause="unknown"), None),  # every check made, nothing found
        (reply("diagnosis", cause=5), CAUSE_REFUSED),
        (reply("diagnosis", cause=""), CAUSE_REFUSED),
        (reply("diagnosis", cause="<b>drop</b>"), CAUSE_REFUSED),  # an id, never text to show
        (reply("diagnosis", cause="x" * 65), CAUSE_REFUSED),  # longer than the store keeps
        (reply("diagnosis", cause={"id": "sg_drop_rule"}), CAUSE_REFUSED),
        (reply("faq_answer", cause=5), None),  # only diagnosis replies carry a cause
    ],
)
def test_each_event_is_checked_alone(event: Any, reason: str | None) -> None:
    verdict = check_event(event, NOW)
    if reason is None:
        assert verdict is None
    else:
        assert verdict is not None and reason in verdict


def test_a_refused_user_message_takes_its_bot_replies_with_it() -> None:
    events = [
        {**OK, "sender_id": "a", "text": "first"},
        {"event": "bot", "sender_id": "a", "timestamp": T0 + 1},
        {**OK, "sender_id": "a", "timestamp": "later"},  # refused
        {"event": "bot", "sender_id": "a", "timestamp": T0 + 3},  # its answer: left out, not refused
        {"event": "bot", "sender_id": "b", "timestamp": T0 + 3},  # another conversation's: kept
        {**OK, "sender_id": "a", "timestamp": T0 + 4, "text": "next"},
        {"event": "bot", "sender_id": "a", "timestamp": T0 + 5},  # answers "next": kept
        {"event": "session_started", "sender_id": "a"},  # not a turn
    ]
    checked = check_events(events, NOW)
    assert [(r.index, r.reason) for r in checked.refused] == [
        (2, "needs a numeric 'timestamp' (seconds since the epoch)")
    ]
    assert [events.index(e) for e in checked.to_record] == [0, 1, 4, 5, 6]
    assert checked.valid == 7


def test_values_a_database_cannot_store_are_made_storable() -> None:
    assert clean("a\ud800b") == "a\ufffdb" and clean("😀 ok") == "😀 ok"
    assert [finite(v) for v in (0.5, 1, float("nan"), float("inf"), True, "0.5", None)] == [
        0.5,
        1.0,
        None,
        None,
        None,
        None,
        None,
    ]
