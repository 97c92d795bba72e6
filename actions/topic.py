"""The current topic of a conversation: the bot's last substantive answer, read from the tracker.

A follow-up that names nothing ("那现在怎么弄", "回收站里那台怎么办", "what about another
account?") is answered within it (``actions.follow_up``); a bare port number right after
the diagnosis asked "which port fails?" answers that question (``actions.ports``). Read
from the events Rasa sends (each bot message keeps its ``custom`` payload), so no action
has to remember the topic in a slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker

# The replies that set a topic (a question the bot worked on, answered or offered candidates
# for); greetings, feedback, hand-offs and declines do not.
TOPIC_KINDS = ("faq_answer", "fallback", "port_verdict", "delete_diagnosis", "diagnosis")
# Retrieval reads at most this many characters (the app's AnswerRequest).
MAX_QUESTION_CHARS = 1000


@dataclass(frozen=True)
class Topic:
    """The last substantive answer: its kind, its payload, and the user's message it answered."""

    kind: str
    payload: dict[str, Any]
    question: str
    question_intent: str | None = None  # the NLU's intent of ``question``

    def faq_ids(self) -> list[str]:
        """The FAQ entries the answer rests on, most relevant first."""
        if self.kind in ("faq_answer", "delete_diagnosis"):
            found = self.payload.get("faq_id")
            return [str(found)] if found else []
        if self.kind == "port_verdict":
            results = list(self.payload.get("results") or [])
            # A blocked or restricted port's entry explains what to do instead.
            results.sort(key=lambda r: r.get("verdict") == "open")
            return list(dict.fromkeys(str(r["faq_id"]) for r in results if r.get("faq_id")))
        return [str(f) for f in self.payload.get("faq_ids") or []]

    def context(self) -> str:
        """What the answer was about, in words retrieval can use: the user's message it answered
        (their own words find the neighbouring entries best); for an FAQ answer chosen by a
        button, or itself given to a follow-up, the entry's question (before the follow-up)."""
        asked = "" if self.question.startswith("/") else self.question
        title = str(self.payload.get("question") or "") if self.kind == "faq_answer" else ""
        if title and (not asked or self.question_intent == "follow_up"):
            return f"{title} {asked}".strip()
        return asked

    def asks_for_target(self) -> bool:
        """A diagnosis that does not know yet which port or service fails (it asked)."""
        target = self.payload.get("target") or {}
        return self.kind == "diagnosis" and not target.get("ports") and not target.get("service")


def current_topic(tracker: Tracker) -> Topic | None:
    """The bot's most recent answer of a topic kind before the latest user message, or None."""
    events = list(tracker.events)
    for i in range(len(events) - 1, -1, -1):
        event = events[i]
        if event.get("event") != "bot":
            continue
        custom: Any = (event.get("data") or {}).get("custom") or {}
        if isinstance(custom, dict) and custom.get("kind") in TOPIC_KINDS:
            asked: dict[str, Any] = next((e for e in reversed(events[:i]) if e.get("event") == "user"), {})
            intent = ((asked.get("parse_data") or {}).get("intent") or {}).get("name")
            return Topic(str(custom["kind"]), custom, str(asked.get("text") or ""), intent)
    return None


def in_topic(topic: Topic | None, text: str) -> str:
    """The follow-up ``text`` with its topic's context before it, within what retrieval reads."""
    context = topic.context() if topic else ""
    if not context:
        return text[:MAX_QUESTION_CHARS]
    room = MAX_QUESTION_CHARS - len(text) - 1
    return f"{context[:room]} {text}" if room > 0 else text[:MAX_QUESTION_CHARS]
