"""One bad event never rejects its batch, and what waits in the brokers' spools is known
(deflection/recorder.py, deflection/records_health.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from deflection import DeflectionStore
from deflection.models import SpoolReport, Turn
from deflection.records_health import SpoolStatus
from tests.deflection.events import T0
from tests.deflection.events import Conversation as Convo


def turns_of(store: DeflectionStore, sender: str) -> list[Turn]:
    with store.sessions() as session:
        return list(session.scalars(select(Turn).where(Turn.conversation_id == sender).order_by(Turn.seq)))


def test_one_bad_event_is_refused_alone_and_the_rest_is_stored_once(store: DeflectionStore) -> None:
    a = Convo("ok-a").user("445端口能用吗", "ask_port").bot("port_verdict")
    b = Convo("ok-b", "slack").user("how do I open port 8080", "ask_faq").bot("faq_answer", "en", faq_id="f", score=0.9)
    long_sender = {"event": "user", "sender_id": "x" * 201, "timestamp": T0, "text": "from a long sender"}
    no_time = {"event": "user", "sender_id": "ok-c", "text": "no timestamp"}
    events = [*a.events[:2], long_sender, *b.events, "not an object", no_time, *a.events[2:]]

    result = store.recorder.record(events, "mixed-1")
    assert [(r.index, r.reason) for r in result.refused] == [
        (2, "needs a 'sender_id' of 1-200 characters"),
        (6, "must be an object, got a string"),
        (7, "needs a numeric 'timestamp' (seconds since the epoch)"),
    ]
    assert (result.events, result.turns, result.duplicate) == (len(events) - 3, 2, False)
    # Retried by the broker: nothing stored twice, the same refusals reported.
    again = store.recorder.record(events, "mixed-1")
    assert again.duplicate and again.turns == 0 and again.refused == result.refused

    assert [(t.seq, t.outcome, t.text) for t in turns_of(store, "ok-a")] == [(1, "port_verdict", "445端口能用吗")]
    assert [(t.outcome, t.channel, t.faq_id) for t in turns_of(store, "ok-b")] == [("answered", "slack", "f")]
    assert turns_of(store, "ok-c") == []
    count, recent = store.recorder.health.refused()
    assert count == 3
    assert [(r.position, r.event) for r in recent] == [(7, "user"), (6, None), (2, "user")]  # newest first
    assert {r.batch_id for r in recent} == {"mixed-1"}
    assert recent[0].sender_id == "ok-c" and '"no timestamp"' in recent[0].excerpt
    assert recent[2].sender_id == "x" * 200  # clipped to the column, kept to be seen


def test_odd_but_legal_values_are_stored_not_a_server_error(store: DeflectionStore) -> None:
    events = (
        Convo("odd")
        .user("a lone \ud800 surrogate", "ask_faq")
        .bot("fallback", candidates=[{"id": "f\udfff", "question": "q\ud800", "score": float("nan")}])
        .user("nan", "ask_faq")
        .bot("faq_answer", faq_id="f", score=float("inf"))
        .events
    )
    events[0]["parse_data"]["intent"]["confidence"] = float("nan")
    events[-1]["data"] = "not an object"  # a reply without its payload: no outcome, no error
    events.append({**events[0], "parse_data": ["not", "an", "object"], "timestamp": T0 + 100})
    result = store.recorder.record(events, "odd-1")
    assert result.refused == () and result.turns == 3
    first, second, third = turns_of(store, "odd")
    assert first.text == "a lone \ufffd surrogate" and first.intent_confidence is None
    assert first.candidates == [{"id": "f\ufffd", "question": "q\ufffd", "score": None}]
    assert second.outcome == "other" and second.score is None
    assert third.intent is None


def test_a_refused_user_message_does_not_lend_its_answer_to_the_turn_before(store: DeflectionStore) -> None:
    convo = Convo("lent").user("你好", "greet")
    store.recorder.record(convo.events, "lent-1")
    late = convo.user("445端口能用吗", "ask_port").bot("port_verdict").events[2:]
    late[0]["timestamp"] = "not a time"
    result = store.recorder.record(late, "lent-2")
    assert [r.index for r in result.refused] == [0]
    assert [(t.seq, t.outcome) for t in turns_of(store, "lent")] == [(1, "other")]  # not "port_verdict"


def test_the_refused_events_kept_are_bounded(store: DeflectionStore, monkeypatch: pytest.MonkeyPatch) -> None:
    import deflection.records_health as health

    monkeypatch.setattr(health, "MAX_REFUSED_KEPT", 5)
    for i in range(3):
        store.recorder.record([{"event": "user"}] * 3, f"bad-{i}")
    count, recent = store.recorder.health.refused(limit=10)
    assert count == 5 and {r.batch_id for r in recent} == {"bad-1", "bad-2"}
    assert [r.batch_id for r in recent[:3]] == ["bad-2"] * 3


def test_the_brokers_reports_give_what_waits_and_what_was_set_aside(store: DeflectionStore) -> None:
    health = store.recorder.health
    assert health.waiting().as_of is None and health.waiting().waiting == 0
    health.note(SpoolStatus("rasa-1:/spool", "slot-0", waiting=120, rejected=2))
    health.note(SpoolStatus("rasa-1:/spool", "slot-1", waiting=30, rejected=2))  # same folder: same rejected/
    health.note(SpoolStatus("rasa-2:/spool", "slot-0", waiting=0, rejected=1))
    waiting = health.waiting()
    assert (waiting.waiting, waiting.rejected) == (150, 3) and waiting.as_of is not None
    assert [(s.spool, s.slot, s.waiting) for s in waiting.slots] == [
        ("rasa-1:/spool", "slot-0", 120),
        ("rasa-1:/spool", "slot-1", 30),
        ("rasa-2:/spool", "slot-0", 0),
    ]
    # A slot drains; another has not been heard from for 11 minutes (gone, its batches adopted).
    health.note(SpoolStatus("rasa-1:/spool", "slot-0", waiting=0, rejected=2))
    with store.sessions() as session:
        session.execute(
            update(SpoolReport)
            .where(SpoolReport.slot == "slot-1")
            .values(reported_at=datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=11))
        )
        session.commit()
    waiting = health.waiting()
    assert (waiting.waiting, waiting.rejected) == (0, 3)
    assert [s.fresh for s in waiting.slots] == [True, False, True]


def test_an_unchanged_report_is_not_rewritten_on_every_batch(store: DeflectionStore) -> None:
    health = store.recorder.health
    status = SpoolStatus("rasa-1:/spool", "slot-0", waiting=0, rejected=0)
    health.note(status)
    with store.sessions() as session:
        first = session.scalars(select(SpoolReport.reported_at)).one()
    health.note(status)
    with store.sessions() as session:
        assert session.scalars(select(SpoolReport.reported_at)).one() == first
    health.note(SpoolStatus("rasa-1:/spool", "slot-0", waiting=5, rejected=0))  # a change is written at once
    assert health.waiting().waiting == 5


def test_the_figure_for_readyz_is_read_in_the_background(store: DeflectionStore) -> None:
    import time

    health = store.recorder.health
    health.note(SpoolStatus("rasa-1:/spool", "slot-0", waiting=7, rejected=1))
    assert health.cached_waiting() is None  # never waits for the database: the first read starts now
    deadline = time.monotonic() + 10
    while (cached := health.cached_waiting()) is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert (cached.waiting, cached.rejected) == (7, 1)
