"""Connectivity cases: a conversation's troubleshooting, from its first "diagnosis" reply to its end.

The bot sends a reply of kind ``diagnosis`` (contract/payloads.py ``DiagnosisPayload``) on
every troubleshooting turn. A conversation **has a case** from its first diagnosis reply;
it has one case (the bot keeps one case in its slots, and a diagnosis reply does not say
whether it starts a new one). The case's **cause** is the cause of its last diagnosis
reply, where the bot stopped: an id of docs/troubleshooting.md, ``unknown`` (every check
made, nothing found) or null (undecided: the bot was still asking for evidence).

How a case **ended**, decided in this order:

- ``handed_off``: the conversation was handed to a human in a turn at or after the case's
  first diagnosis reply (during or after the case), whatever the cause;
- ``concluded``: the cause is an id other than ``unknown``;
- ``abandoned``: neither, and the conversation ended after the case (the bot said goodbye)
  or has been idle (no user message) for more than :data:`IDLE_AFTER` (30 minutes);
- ``open``: neither yet: the user wrote in the last 30 minutes; it may still end either way.

``abandoned`` and ``open`` depend on the time they are read at: the store keeps the facts
(``Conversation.case_*``) and :func:`ending_column` / :func:`ending_of` decide at query time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import and_, case, or_
from sqlalchemy.sql import ColumnElement

from deflection.models import Conversation, Turn

CONCLUDED: Final = "concluded"
HANDED_OFF: Final = "handed_off"
ABANDONED: Final = "abandoned"
OPEN: Final = "open"
ENDINGS: Final = (CONCLUDED, HANDED_OFF, ABANDONED, OPEN)

UNKNOWN_CAUSE: Final = "unknown"  # every check made, nothing found: not a conclusion
IDLE_AFTER: Final = timedelta(minutes=30)


# --- what the recorder notes ---------------------------------------------------------


def note_diagnosis(conversation: Conversation, turn: Turn, cause: str | None) -> None:
    """A diagnosis reply to ``turn``: the case starts (or goes on) and its cause is this reply's."""
    turn.cause = cause
    if conversation.case_started_at is None:
        conversation.case_started_at = turn.at
    conversation.case_cause = cause
    conversation.case_ended = False  # the bot works on it again
    if turn.handed_off:  # handed off earlier in this very turn: during the case
        note_handoff(conversation, turn)


def note_handoff(conversation: Conversation, turn: Turn) -> None:
    """``turn`` was handed to a human: the case's hand-off, if the case had started."""
    if conversation.case_started_at is not None and turn.at >= conversation.case_started_at:
        conversation.case_handed_off = True
        conversation.case_ticket_id = turn.ticket_id or conversation.case_ticket_id


def note_goodbye(conversation: Conversation) -> None:
    """The bot said goodbye: a case that has started has ended."""
    if conversation.case_started_at is not None:
        conversation.case_ended = True


# --- how a case ended ----------------------------------------------------------------


def concluded(cause: str | None) -> bool:
    """Whether ``cause`` is a conclusion (an id other than ``unknown``)."""
    return cause is not None and cause != UNKNOWN_CAUSE


def ending_of(*, handed_off: bool, cause: str | None, ended: bool, last_at: datetime, now: datetime) -> str:
    """How a case ended, as of ``now`` (naive UTC); :func:`ending_column` is the same in SQL."""
    if handed_off:
        return HANDED_OFF
    if concluded(cause):
        return CONCLUDED
    if ended or last_at < now - IDLE_AFTER:
        return ABANDONED
    return OPEN


def ending_column(now: datetime) -> ColumnElement[str]:
    """SQL for :func:`ending_of` of each conversation's case, as of ``now`` (naive UTC)."""
    cause = Conversation.case_cause
    return case(
        (Conversation.case_handed_off, HANDED_OFF),
        (and_(cause.is_not(None), cause != UNKNOWN_CAUSE), CONCLUDED),
        (or_(Conversation.case_ended, Conversation.last_at < now - IDLE_AFTER), ABANDONED),
        else_=OPEN,
    )
