"""The store on SQLite and PostgreSQL: migrations, recording, analytics, tickets, suggestions."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from deflection import (
    DeflectionStore,
    Filters,
    RecordNotFoundError,
    SuggestionConflictError,
    TranscriptLine,
    analytics,
)
from deflection.db import upgrade
from deflection.models import Base, Conversation, Feedback, Suggestion, Turn
from knowledge import checksum, load_knowledge
from tests.deflection.events import T0
from tests.deflection.events import Conversation as Convo

DAY = date(2025, 11, 29)


@pytest.fixture(scope="module")
def faq_ids() -> tuple[str, str]:
    entries = load_knowledge().entries
    return entries[0].id, entries[1].id


def record_scenario(store: DeflectionStore, f1: str, f2: str) -> None:
    """Four conversations whose figures are worked out by hand in ``test_summary_figures``."""
    a = (
        Convo("conv-a", "rest")
        .user("445端口能用吗", "ask_port")
        .bot("port_verdict", results=[])
        .user("安全组怎么配置", "ask_faq")
        .bot("faq_answer", faq_id=f1, score=0.8)
        .user("有用", "feedback_positive")
        .bot("feedback", helpful=True)
    )
    b = (
        Convo("conv-b", "socketio")
        .user("how long does ICP filing take", "nlu_fallback")
        .bot("fallback", "en", candidates=[{"id": f1, "question": "q1", "score": 0.5}, {"id": f2, "question": "q2"}])
        .choose(f2)
        .bot("faq_answer", "en", faq_id=f2, score=None)
        .user("not useful", "feedback_negative")
        .bot("feedback", "en", helpful=False)
    )
    c = (
        Convo("conv-c", "rest")
        .user("你好", "greet")
        .bot("text", intent="greet")
        .user("今天天气怎么样", "out_of_scope")
        .bot("text", intent="out_of_scope")
        .user("转人工", "request_human")
        .bot("handoff", ticket_id="ho-000000000001", reason="user_request")
    )
    d = Convo("conv-d", "rest").user("你好", "greet").bot("text", intent="greet")
    # Conversation A arrives in two batches cut between a user message and its answer.
    store.recorder.record(a.events[:3], "batch-1")
    store.recorder.record(a.events[3:] + b.events, "batch-2")
    store.recorder.record(c.events + d.events, "batch-3")


def turns_of(store: DeflectionStore, conversation: str) -> list[Turn]:
    with store.sessions() as s:
        return list(s.scalars(select(Turn).where(Turn.conversation_id == conversation).order_by(Turn.seq)))


# --- migrations ------------------------------------------------------------------------


def test_migrations_create_the_models_tables_from_empty(store: DeflectionStore) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    assert store.revision == "0004"
    tables = set(inspect(store.engine).get_table_names())
    assert {"turns", "conversations", "feedback", "tickets", "ticket_deliveries", "suggestions"} <= tables
    assert {"refused_events", "spool_reports"} <= tables
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diffs == [], "the migrations and deflection/models.py disagree; write a migration"
    assert upgrade(store.engine) == "0004"  # a second run changes nothing


# --- recording -------------------------------------------------------------------------


def test_each_user_message_becomes_a_turn_with_its_outcome(store: DeflectionStore, faq_ids: tuple[str, str]) -> None:
    f1, f2 = faq_ids
    record_scenario(store, f1, f2)
    a = turns_of(store, "conv-a")
    assert [(t.outcome, t.faq_id, t.useful) for t in a] == [
        ("port_verdict", None, None),
        ("answered", f1, True),  # the feedback after it judged it
        ("feedback", None, None),
    ]
    # The answer came in the next batch: latency is still bot timestamp - user timestamp.
    assert a[1].latency_ms == pytest.approx(250.0)
    assert a[1].score == pytest.approx(0.8)
    assert (a[0].channel, a[0].language, a[0].intent) == ("rest", "zh", "ask_port")

    b = turns_of(store, "conv-b")
    assert [(t.outcome, t.n_candidates, t.faq_id, t.useful) for t in b] == [
        ("declined", 2, None, None),
        ("candidate_chosen", 0, f2, False),
        ("feedback", 0, None, None),
    ]
    assert {t.language for t in b} == {"en"}
    assert b[0].candidates is not None and [c["id"] for c in b[0].candidates] == [f1, f2]

    c = turns_of(store, "conv-c")
    assert [(t.outcome, t.handed_off, t.ticket_id) for t in c] == [
        ("smalltalk", False, None),
        ("declined", False, None),  # out of scope is a decline
        ("handoff", True, "ho-000000000001"),
    ]


def test_feedback_and_learned_phrasings_are_recorded(store: DeflectionStore, faq_ids: tuple[str, str]) -> None:
    f1, f2 = faq_ids
    record_scenario(store, f1, f2)
    with store.sessions() as s:
        feedback = [(f.conversation_id, f.faq_id, f.useful) for f in s.scalars(select(Feedback).order_by(Feedback.id))]
        suggestions = [(x.faq_id, x.phrasing, x.count, x.status) for x in s.scalars(select(Suggestion))]
        conversations = {c.id: c for c in s.scalars(select(Conversation))}
    assert feedback == [("conv-a", f1, True), ("conv-b", f2, False)]
    # The question asked before the "did you mean" choice, for the entry chosen.
    assert suggestions == [(f2, "how long does ICP filing take", 1, "pending")]
    assert conversations["conv-c"].handed_off and not conversations["conv-a"].handed_off
    assert (conversations["conv-b"].last_feedback, conversations["conv-b"].language) == (False, "en")


def test_a_retried_batch_is_recorded_once(store: DeflectionStore) -> None:
    events = Convo("conv-r").user("445端口能用吗", "ask_port").bot("port_verdict").events
    first = store.recorder.record(events, "same-batch")
    again = store.recorder.record(events, "same-batch")
    assert (first.turns, first.duplicate, again.turns, again.duplicate) == (1, False, 0, True)
    assert len(turns_of(store, "conv-r")) == 1


def test_the_same_phrasing_chosen_again_counts_up(store: DeflectionStore, faq_ids: tuple[str, str]) -> None:
    f1, _ = faq_ids
    for n, sender in enumerate(("x1", "x2")):
        convo = (
            Convo(sender, start=T0 + n)
            .user("端口  怎么开", "ask_faq")
            .bot("fallback", candidates=[{"id": f1, "question": "q"}])
            .choose(f1)
            .bot("faq_answer", faq_id=f1)
        )
        store.recorder.record(convo.events)
    with store.sessions() as s:
        rows = [(x.phrasing, x.count) for x in s.scalars(select(Suggestion))]
    assert rows == [("端口 怎么开", 2)]


# --- analytics -------------------------------------------------------------------------


def test_summary_figures(store: DeflectionStore, faq_ids: tuple[str, str]) -> None:
    record_scenario(store, *faq_ids)
    body = analytics.summary(store.engine, Filters()).to_json()
    assert body == {
        "conversations": 4,
        "turns": 10,
        # support conversations: A, B, C (D only greeted); deflected: A (B ended "not useful", C handed off)
        "support_conversations": 3,
        "deflected": 1,
        "deflection_rate": 0.3333,
        # questions: A's port verdict and answer, B's and C's declines
        "questions": 4,
        "answer_rate": 0.5,
        "decline_rate": 0.5,
        "candidate_accept_rate": 1.0,  # B chose from the one offer
        "handoffs": 1,
        "feedback": {"useful": 1, "not_useful": 1},
    }


@pytest.mark.parametrize(
    ("filters", "conversations", "turns", "answer_rate"),
    [
        (Filters(channel="socketio"), 1, 3, 0.0),  # only B: one declined question
        (Filters(language="zh"), 3, 7, 0.6667),
        (Filters(since=DAY + timedelta(days=1)), 0, 0, None),  # nothing after the day
        (Filters(since=DAY, until=DAY), 4, 10, 0.5),
    ],
)
def test_summary_filters(
    store: DeflectionStore,
    faq_ids: tuple[str, str],
    filters: Filters,
    conversations: int,
    turns: int,
    answer_rate: float | None,
) -> None:
    record_scenario(store, *faq_ids)
    s = analytics.summary(store.engine, filters)
    assert (s.conversations, s.turns, s.answer_rate) == (conversations, turns, answer_rate)


def test_timeseries_has_every_day_of_the_period(store: DeflectionStore, faq_ids: tuple[str, str]) -> None:
    record_scenario(store, *faq_ids)
    days = analytics.timeseries(store.engine, Filters(since=DAY - timedelta(days=1), until=DAY + timedelta(days=1)))
    assert [(d["day"], d["conversations"], d["turns"], d["deflection_rate"], d["handoffs"]) for d in days] == [
        ("2025-11-28", 0, 0, None, 0),
        ("2025-11-29", 4, 10, 0.3333, 1),
        ("2025-11-30", 0, 0, None, 0),
    ]


def test_breakdown_by_channel_and_language(store: DeflectionStore, faq_ids: tuple[str, str]) -> None:
    record_scenario(store, *faq_ids)
    by_channel = analytics.breakdown(store.engine, Filters(), "channel")
    assert [(r["key"], r["conversations"], r["turns"], r["deflection_rate"], r["answer_rate"]) for r in by_channel] == [
        ("rest", 3, 7, 0.5, 0.6667),
        ("socketio", 1, 3, 0.0, 0.0),
    ]
    by_language = analytics.breakdown(store.engine, Filters(), "language")
    assert [(r["key"], r["conversations"], r["decline_rate"]) for r in by_language] == [
        ("zh", 3, 0.3333),
        ("en", 1, 1.0),
    ]


def test_top_faq_counts_answers_and_their_feedback(store: DeflectionStore, faq_ids: tuple[str, str]) -> None:
    f1, f2 = faq_ids
    record_scenario(store, f1, f2)
    rows = analytics.top_faq(store.engine, Filters(), {f1: "Q1", f2: "Q2"})
    assert sorted(rows, key=lambda r: r["faq_id"]) == sorted(
        [
            {"faq_id": f1, "question": "Q1", "answered": 1, "useful": 1, "not_useful": 0},
            {"faq_id": f2, "question": "Q2", "answered": 1, "useful": 0, "not_useful": 1},
        ],
        key=lambda r: r["faq_id"],
    )


def test_export_streams_every_turn(store: DeflectionStore, faq_ids: tuple[str, str]) -> None:
    record_scenario(store, *faq_ids)
    rows = list(analytics.iter_turns(store.engine, Filters(), chunk=3))
    assert len(rows) == 10
    assert rows[0]["conversation_id"] == "conv-a" and rows[0]["at"].endswith("Z")
    assert set(rows[0]) == set(analytics.TURN_COLUMNS)


def test_seeded_demo_data_gives_plausible_figures(store: DeflectionStore) -> None:
    from deflection.seed import seed_demo_data

    counts = seed_demo_data(store, days=10, turns=600, end=DAY)
    s = analytics.summary(store.engine, Filters())
    assert s.turns == counts["turns"] >= 600
    assert s.answer_rate is not None and 0.6 < s.answer_rate < 0.9
    assert s.deflection_rate is not None and 0.6 < s.deflection_rate < 1.0
    assert len(analytics.timeseries(store.engine, Filters())) == 10
    assert {r["key"] for r in analytics.breakdown(store.engine, Filters(), "channel")} >= {"socketio", "slack"}


# --- tickets ---------------------------------------------------------------------------


def test_tickets_are_listed_and_closed(store: DeflectionStore) -> None:
    transcript = [TranscriptLine("user", "转人工", T0), TranscriptLine("bot", "好的", T0 + 1)]
    created = store.tickets.create("conv-t", "rest", "zh", "user_request", transcript, [{"id": "faq-1"}], deliver=False)
    assert created.status == "open" and created.delivery_status == "not_configured"
    assert [t.id for t in store.tickets.find("open")] == [created.id]
    closed = store.tickets.close(created.id)
    assert closed.status == "closed" and closed.closed_at is not None
    assert closed.transcript == transcript and closed.candidates == [{"id": "faq-1"}]
    assert store.tickets.find("open") == []
    assert [t.id for t in store.tickets.find("closed")] == [created.id]
    assert store.tickets.close(created.id).closed_at == closed.closed_at  # closing twice changes nothing
    with pytest.raises(RecordNotFoundError, match="ho-missing"):
        store.tickets.get("ho-missing")


# --- suggestions -----------------------------------------------------------------------


def test_accepting_a_suggestion_writes_alternates_yaml(
    store: DeflectionStore, faq_ids: tuple[str, str], knowledge_copy: Path
) -> None:
    f1, f2 = faq_ids
    record_scenario(store, f1, f2)
    before_text = (knowledge_copy / "alternates.yaml").read_text(encoding="utf-8")
    before_sum = checksum(knowledge_copy)
    [pending] = store.suggestions.find("pending")

    accepted = store.suggestions.accept(pending.id, knowledge_copy)

    assert (accepted.status, accepted.written) == ("accepted", True)
    after_text = (knowledge_copy / "alternates.yaml").read_text(encoding="utf-8")
    header = before_text.split("alternates:")[0]
    assert after_text.startswith(header) and header.startswith("# Curated alternate phrasings")
    # One line added, nothing else touched.
    assert len(after_text.splitlines()) == len(before_text.splitlines()) + 1
    entry = load_knowledge(knowledge_copy).get(f2)
    assert "how long does ICP filing take" in entry.alternates
    assert checksum(knowledge_copy) != before_sum  # so the next start rebuilds the index
    with pytest.raises(SuggestionConflictError, match="already accepted"):
        store.suggestions.accept(pending.id, knowledge_copy)


def test_rejected_suggestions_leave_the_knowledge_alone(
    store: DeflectionStore, faq_ids: tuple[str, str], knowledge_copy: Path
) -> None:
    record_scenario(store, *faq_ids)
    before = (knowledge_copy / "alternates.yaml").read_bytes()
    [pending] = store.suggestions.find("pending")
    assert store.suggestions.reject(pending.id).status == "rejected"
    assert store.suggestions.find("pending") == []
    assert (knowledge_copy / "alternates.yaml").read_bytes() == before
    with pytest.raises(RecordNotFoundError):
        store.suggestions.reject(999_999)
