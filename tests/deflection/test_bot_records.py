"""A conversation through the real Rasa server is recorded turn by turn by its event broker.

The stack (tests/stack.py) runs the app, the action server and Rasa with bot/endpoints.yml,
whose event broker (bot/brokers/helpdesk_broker.py) posts every event to the app.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

# Vague enough for "did you mean" (a problem report such as "我的服务器连不上" is diagnosed instead).
VAGUE_QUESTIONS = ["端口有点问题", "服务器访问有问题", "规则", "my security group acts strange"]


def recorded_turns(bot_stack: Any, sender: str, expected: int, timeout: float = 20.0) -> list[dict[str, Any]]:
    """The conversation's turns once ``expected`` of them are recorded (the broker sends in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        turns = [t for t in bot_stack.admin("GET", "/v1/admin/export/turns.json") if t["conversation_id"] == sender]
        if (len(turns) >= expected and all(t["latency_ms"] is not None for t in turns)) or time.monotonic() > deadline:
            return turns
        time.sleep(0.2)


def test_a_conversation_is_recorded_turn_by_turn(bot_stack: Any, sender: str) -> None:
    said = []
    for text in ["腾讯云不支持哪些端口？", "有用", "今天天气怎么样", "445端口能用吗", "转人工"]:
        _, payloads = bot_stack.chat(text, sender)
        said.append([p["kind"] for p in payloads])
    assert said == [["faq_answer"], ["feedback"], ["text"], ["port_verdict"], ["handoff"]], said

    turns = recorded_turns(bot_stack, sender, 5)
    assert [(t["seq"], t["outcome"]) for t in turns] == [
        (1, "answered"),
        (2, "feedback"),
        (3, "declined"),  # out of scope
        (4, "port_verdict"),
        (5, "handoff"),
    ]
    answered = turns[0]
    assert answered["faq_id"] and answered["score"] is not None and answered["useful"] is True
    assert {t["channel"] for t in turns} == {"rest"} and {t["language"] for t in turns} == {"zh"}
    assert all(0 < t["latency_ms"] < 30_000 for t in turns)
    assert turns[4]["handed_off"] and turns[4]["ticket_id"].startswith("ho-")
    ticket = bot_stack.admin("GET", f"/v1/admin/tickets/{turns[4]['ticket_id']}")
    assert ticket["conversation_id"] == sender and ticket["channel"] == "rest"

    summary = bot_stack.admin("GET", "/v1/admin/analytics/summary")
    assert summary["feedback"]["useful"] >= 1 and summary["handoffs"] >= 1


def test_a_did_you_mean_choice_teaches_a_phrasing(bot_stack: Any, sender: str) -> None:
    unsure = [q for q in VAGUE_QUESTIONS if not bot_stack.api("POST", "/v1/answer", json={"question": q})["confident"]]
    messages: list[dict[str, Any]] = []
    for question in unsure:
        messages = bot_stack.say(question, sender)
        if any(m.get("custom", {}).get("kind") == "fallback" and m["custom"].get("candidates") for m in messages):
            break
    else:
        pytest.fail(f"none of {VAGUE_QUESTIONS} gets a 'did you mean' from the bot")
    buttons = next(m["buttons"] for m in messages if m.get("buttons"))
    _, clicked = bot_stack.chat(buttons[0]["payload"], sender)
    chosen = next(p for p in clicked if p["kind"] == "faq_answer")["faq_id"]

    turns = recorded_turns(bot_stack, sender, 2)
    assert [t["outcome"] for t in turns[-2:]] == ["declined", "candidate_chosen"]
    assert turns[-2]["n_candidates"] >= 1 and turns[-1]["faq_id"] == chosen
    suggestions = bot_stack.admin("GET", "/v1/admin/suggestions", params={"status": "all"})["suggestions"]
    assert any(s["faq_id"] == chosen and s["phrasing"] == question for s in suggestions)
