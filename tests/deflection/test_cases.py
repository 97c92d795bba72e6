"""Connectivity cases derived from the bot's "diagnosis" replies (deflection/cases.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from api.schemas_diagnose import CaseBody
from deflection import DeflectionStore, Filters, case_summary, case_timeseries, iter_cases
from deflection.cases import ending_of
from deflection.models import Conversation, Turn
from deflection.recorder import utc
from deflection.seed import seed_demo_data
from tests.deflection.events import T0
from tests.deflection.events import Conversation as Convo

START = utc(T0)
SOON = START + timedelta(minutes=5)  # the user wrote a moment ago: a case without an ending is open
LATER = START + timedelta(hours=2)  # idle for longer than 30 minutes


def diagnosing(c: Convo, text: str, cause: str | None, language: str = "zh") -> Convo:
    return c.user(text, "describe_problem").bot("diagnosis", language, cause=cause, checks=[], needs=[])


def concluded(c: Convo) -> Convo:
    diagnosing(c, "8443访问不了", None)
    return diagnosing(c, "-A INPUT -p tcp --dport 8443 -j DROP", "os_firewall_drop")


def handed_off_mid_case(c: Convo) -> Convo:
    diagnosing(c, "8443访问不了", None)
    return c.user("转人工", "request_human").bot("handoff", ticket_id="ho-mid", reason="user_request")


def handed_off_in_the_same_turn(c: Convo) -> Convo:
    # Every check made, nothing found: the bot says so and hands off in one turn.
    diagnosing(c, "网站打不开", None)
    c.user("都试过了 还是不行", "still_not_working").bot("diagnosis", cause="unknown", checks=[], needs=[])
    return c.bot("handoff", ticket_id="ho-same", reason="repeated_failure")


def handed_off_after_the_conclusion(c: Convo) -> Convo:
    concluded(c)
    return c.user("还是不行，转人工", "request_human").bot("handoff", ticket_id="ho-after", reason="user_request")


def handed_off_before_the_case(c: Convo) -> Convo:
    c.user("转人工", "request_human").bot("handoff", ticket_id="ho-before", reason="user_request")
    return concluded(c)


def left_undecided(c: Convo) -> Convo:
    return diagnosing(c, "redis refuses connections from my laptop", None, "en")


def said_goodbye(c: Convo) -> Convo:
    left_undecided(c)
    return c.user("ok bye", "goodbye").bot("text", "en", intent="goodbye")


def came_back_after_goodbye(c: Convo) -> Convo:
    said_goodbye(c)
    return diagnosing(c, "LISTEN 0 511 127.0.0.1:6379 0.0.0.0:*", "listening_loopback_only", "en")


def nothing_found(c: Convo) -> Convo:
    diagnosing(c, "网站打不开", None)
    return diagnosing(c, "安全组放通了 iptables -F 也执行了", "unknown")


def conclusion_taken_back(c: Convo) -> Convo:
    # "Still doesn't work" after a conclusion: the engine drops it and asks the next check.
    concluded(c)
    return diagnosing(c, "还是不行", None)


def no_case(c: Convo) -> Convo:
    return c.user("445端口能用吗", "ask_port").bot("port_verdict", results=[])


@dataclass(frozen=True)
class Expected:
    causes: list[str | None]  # per turn
    cause: str | None  # the case's
    ending_soon: str  # right after the last message
    ending_later: str  # two hours later
    ticket: str | None = None


CASES = {
    concluded: Expected([None, "os_firewall_drop"], "os_firewall_drop", "concluded", "concluded"),
    handed_off_mid_case: Expected([None, None], None, "handed_off", "handed_off", "ho-mid"),
    handed_off_in_the_same_turn: Expected([None, "unknown"], "unknown", "handed_off", "handed_off", "ho-same"),
    # A hand-off after the conclusion: the human was needed after all; the cause stays.
    handed_off_after_the_conclusion: Expected(
        [None, "os_firewall_drop", None], "os_firewall_drop", "handed_off", "handed_off", "ho-after"
    ),
    # A hand-off before the case started belongs to another question.
    handed_off_before_the_case: Expected(
        [None, None, "os_firewall_drop"], "os_firewall_drop", "concluded", "concluded"
    ),
    left_undecided: Expected([None], None, "open", "abandoned"),
    said_goodbye: Expected([None, None], None, "abandoned", "abandoned"),
    came_back_after_goodbye: Expected(
        [None, None, "listening_loopback_only"], "listening_loopback_only", "concluded", "concluded"
    ),
    # "unknown" is no conclusion: without a hand-off the case is abandoned once idle.
    nothing_found: Expected([None, "unknown"], "unknown", "open", "abandoned"),
    conclusion_taken_back: Expected([None, "os_firewall_drop", None], None, "open", "abandoned"),
}


def stored(store: DeflectionStore, sender: str) -> tuple[Conversation, list[Turn]]:
    with store.sessions() as s:
        conversation = s.get(Conversation, sender)
        turns = list(s.scalars(select(Turn).where(Turn.conversation_id == sender).order_by(Turn.seq)))
    assert conversation is not None
    return conversation, turns


def ending_in_sql(store: DeflectionStore, sender: str, now: datetime) -> str:
    [row] = [r for r in iter_cases(store.engine, Filters(), now=now) if r["conversation_id"] == sender]
    return str(row["ending"])


@pytest.mark.parametrize("play", list(CASES), ids=lambda f: f.__name__)
def test_a_case_and_how_it_ended(store: DeflectionStore, play: object) -> None:
    expected = CASES[play]  # type: ignore[index]
    events = play(Convo("case-1")).events  # type: ignore[operator]
    store.recorder.record(events)
    conversation, turns = stored(store, "case-1")
    assert [t.cause for t in turns] == expected.causes
    assert conversation.case_cause == expected.cause
    assert conversation.case_ticket_id == expected.ticket
    last = max(t.at for t in turns)
    for now, ending in ((last + timedelta(minutes=1), expected.ending_soon), (LATER, expected.ending_later)):
        python = ending_of(
            handed_off=conversation.case_handed_off,
            cause=conversation.case_cause,
            ended=conversation.case_ended,
            last_at=conversation.last_at,
            now=now,
        )
        assert (python, ending_in_sql(store, "case-1", now)) == (ending, ending)


def test_a_conversation_without_diagnosis_has_no_case(store: DeflectionStore) -> None:
    store.recorder.record(no_case(Convo("plain")).events)
    conversation, turns = stored(store, "plain")
    assert conversation.case_started_at is None and [t.cause for t in turns] == [None]
    assert list(iter_cases(store.engine, Filters())) == []
    assert case_summary(store.engine, Filters())["cases"] == 0


def test_diagnosis_turns_are_answers_with_the_diagnosis_outcome(store: DeflectionStore) -> None:
    store.recorder.record(concluded(Convo("d")).events)
    _, turns = stored(store, "d")
    assert [(t.outcome, t.intent) for t in turns] == [("diagnosis", "describe_problem")] * 2
    assert all(t.latency_ms == pytest.approx(250.0) for t in turns)
    with store.sessions() as s:
        conversation = s.get(Conversation, "d")
        assert conversation is not None and conversation.questions == 2


def test_a_reply_in_a_later_batch_still_decides_the_case(store: DeflectionStore) -> None:
    events = concluded(Convo("split")).events
    # The last user message in one batch, its diagnosis reply in the next (the broker's batches).
    store.recorder.record(events[:-1], "b1")
    store.recorder.record(events[-1:], "b2")
    conversation, turns = stored(store, "split")
    assert [t.cause for t in turns] == [None, "os_firewall_drop"]
    assert conversation.case_cause == "os_firewall_drop" and conversation.case_started_at == turns[0].at


def test_a_diagnosis_reply_with_a_malformed_cause_is_refused_alone(store: DeflectionStore) -> None:
    events = Convo("bad").user("8443访问不了", "describe_problem").bot("diagnosis", cause="<b>drop</b>").events
    result = store.recorder.record(events)
    assert result.turns == 1 and [r.index for r in result.refused] == [2]
    assert "must be null or a cause id" in result.refused[0].reason
    conversation, turns = stored(store, "bad")
    assert conversation.case_started_at is None and turns[0].cause is None


def test_case_figures_by_cause(store: DeflectionStore) -> None:
    for n, play in enumerate(CASES):
        store.recorder.record(play(Convo(f"c{n}", start=T0 + n)).events)
    body = case_summary(store.engine, Filters(), now=LATER)
    endings = [e.ending_later for e in CASES.values()]
    assert body["cases"] == len(CASES)
    assert {k: body[k] for k in ("concluded", "handed_off", "abandoned", "open")} == {
        k: endings.count(k) for k in ("concluded", "handed_off", "abandoned", "open")
    }
    rows = {r["cause"]: r for r in body["by_cause"]}
    assert rows["os_firewall_drop"]["cases"] == 3 and rows["os_firewall_drop"]["handed_off"] == 1
    assert rows["unknown"] == {
        "cause": "unknown",
        "cases": 2,
        "concluded": 0,
        "handed_off": 1,
        "abandoned": 1,
        "open": 0,
    }
    assert body["by_cause"][-1]["cause"] is None  # undecided cases come last
    assert body["idle_minutes"] == 30 and body["as_of"] == LATER.isoformat() + "Z"


def test_seeded_cases_give_the_figures_their_rows_add_up_to(store: DeflectionStore) -> None:
    end = date(2025, 11, 29)
    seed_demo_data(store, days=10, turns=1500, end=end)
    now = datetime(2025, 12, 1)
    body = case_summary(store.engine, Filters(), now=now)
    rows = list(iter_cases(store.engine, Filters(), now=now))
    endings = ("concluded", "handed_off", "abandoned", "open")
    # The summary, its rows per cause and per day, and the export agree case by case.
    assert body["cases"] == len(rows) == sum(r["cases"] for r in body["by_cause"]) > 30
    assert {e: body[e] for e in endings} == {e: sum(r["ending"] == e for r in rows) for e in endings}
    days = case_timeseries(store.engine, Filters(), now=now)["days"]
    assert len(days) == 10 and sum(d["cases"] for d in days) == body["cases"]
    # Two days after the last conversation, every case has ended; each way is represented.
    assert body["open"] == 0 and min(body["concluded"], body["handed_off"], body["abandoned"]) > 0
    assert body["concluded"] > body["abandoned"]
    causes = {r["cause"] for r in body["by_cause"]}
    assert {None, "unknown", "sg_no_matching_allow", "os_firewall_drop", "listening_loopback_only"} <= causes
    # A hand-off with a case names its ticket, and the ticket carries the case as the bot had it.
    handed = [r for r in rows if r["ending"] == "handed_off"]
    assert handed and all(r["ticket_id"] for r in handed)
    ticket = store.tickets.get(handed[0]["ticket_id"])
    assert ticket.conversation_id == handed[0]["conversation_id"]
    assert ticket.case is not None and ticket.case["cause"] == handed[0]["cause"] and ticket.case["checks"]
    # Filters narrow cases like the other conversation figures.
    en = case_summary(store.engine, Filters(language="en"), now=now)
    zh = case_summary(store.engine, Filters(language="zh"), now=now)
    assert en["cases"] + zh["cases"] == body["cases"] and 0 < en["cases"] < zh["cases"]
    assert case_summary(store.engine, Filters(since=end, until=end), now=now)["cases"] == days[-1]["cases"]


def test_seeded_cases_are_cases_the_api_accepts(store: DeflectionStore) -> None:
    seed_demo_data(store, days=5, turns=800, end=date(2025, 11, 29))
    cases = [t.case for t in store.tickets.find(limit=1000) if t.case is not None]
    assert cases
    for case in cases:
        CaseBody.model_validate(case)  # strict: the seed writes what POST /v1/handoffs would take
