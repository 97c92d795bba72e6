"""The tables of the deflection store (SQLAlchemy 2.x declarative models).

Times are naive UTC; ``day`` columns are the UTC date of the row, kept so that the
dashboard groups by an indexed column instead of a per-database date function.
The migrations in ``deflection/migrations/versions`` create exactly these tables; a test checks
that the two agree.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# BIGINT keys on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")
Json = JSON().with_variant(JSONB(), "postgresql")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: Json, list[Any]: Json}


class Conversation(Base):
    """One Rasa conversation (sender id), with what the dashboard needs about all of it."""

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime())
    day: Mapped[date] = mapped_column(Date())
    last_at: Mapped[datetime] = mapped_column(DateTime())
    channel: Mapped[str] = mapped_column(String(50))
    language: Mapped[str] = mapped_column(String(8))
    turns: Mapped[int] = mapped_column(Integer(), default=0)
    # Turns that asked something the bot answers or declines (not greetings, feedback, choices).
    questions: Mapped[int] = mapped_column(Integer(), default=0)
    handed_off: Mapped[bool] = mapped_column(Boolean(), default=False)
    useful: Mapped[int] = mapped_column(Integer(), default=0)
    not_useful: Mapped[int] = mapped_column(Integer(), default=0)
    # The conversation's latest feedback: True useful, False not useful, None none.
    last_feedback: Mapped[bool | None] = mapped_column(Boolean(), nullable=True)
    # Its connectivity case (deflection/cases.py): when the first "diagnosis" reply came (None:
    # no case), the cause of the last one (None: undecided), a hand-off during or after it (and
    # its ticket), and whether the conversation ended after it (the bot said goodbye).
    case_started_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)
    case_cause: Mapped[str | None] = mapped_column(String(64), nullable=True)
    case_handed_off: Mapped[bool] = mapped_column(Boolean(), default=False, server_default=false())
    case_ticket_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    case_ended: Mapped[bool] = mapped_column(Boolean(), default=False, server_default=false())

    __table_args__ = (Index(None, "day", "channel", "language"),)


class Turn(Base):
    """One user message and what the bot did with it."""

    __tablename__ = "turns"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(200))
    seq: Mapped[int] = mapped_column(Integer())
    at: Mapped[datetime] = mapped_column(DateTime())
    day: Mapped[date] = mapped_column(Date())
    channel: Mapped[str] = mapped_column(String(50))
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text())
    intent: Mapped[str | None] = mapped_column(String(100), nullable=True)
    intent_confidence: Mapped[float | None] = mapped_column(Float(), nullable=True)
    outcome: Mapped[str] = mapped_column(String(32))
    faq_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    score: Mapped[float | None] = mapped_column(Float(), nullable=True)
    candidates: Mapped[list[Any] | None] = mapped_column(nullable=True)
    n_candidates: Mapped[int] = mapped_column(Integer(), default=0)
    latency_ms: Mapped[float | None] = mapped_column(Float(), nullable=True)
    handed_off: Mapped[bool] = mapped_column(Boolean(), default=False)
    ticket_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    useful: Mapped[bool | None] = mapped_column(Boolean(), nullable=True)
    # A "diagnosis" turn's cause id (docs/troubleshooting.md); None while undecided, and on other turns.
    cause: Mapped[str | None] = mapped_column(String(64), nullable=True)

    __table_args__ = (
        Index(None, "conversation_id", "seq"),
        # Summary and time series: every filter starts with the day range.
        Index(None, "day", "outcome", "channel", "language"),
        Index(None, "faq_id", "outcome"),
    )


class Feedback(Base):
    """ "Useful" / "not useful", attached to the answer it judges."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(200))
    turn_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("turns.id", ondelete="SET NULL"), nullable=True, index=True
    )
    faq_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    useful: Mapped[bool] = mapped_column(Boolean())
    text: Mapped[str] = mapped_column(Text())
    at: Mapped[datetime] = mapped_column(DateTime())
    day: Mapped[date] = mapped_column(Date())
    channel: Mapped[str] = mapped_column(String(50))
    language: Mapped[str] = mapped_column(String(8))

    __table_args__ = (Index(None, "day", "channel", "language"),)


class Ticket(Base):
    """A conversation handed to a human, and where its delivery to the webhook stands."""

    __tablename__ = "tickets"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime())
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)
    conversation_id: Mapped[str] = mapped_column(String(200), index=True)
    channel: Mapped[str] = mapped_column(String(50))
    language: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(40))
    transcript: Mapped[list[Any]] = mapped_column()
    candidates: Mapped[list[Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="open")
    # not_configured | pending | sending | delivered | failed
    delivery_status: Mapped[str] = mapped_column(String(16))
    delivery_attempts: Mapped[int] = mapped_column(Integer(), default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)
    # The connectivity case being worked when the bot handed off (api/schemas_diagnose.py CaseBody).
    case: Mapped[dict[str, Any] | None] = mapped_column("diagnosis_case", Json, nullable=True)

    __table_args__ = (Index(None, "status", "created_at"), Index(None, "delivery_status"))


class TicketDelivery(Base):
    """One attempt to send a ticket to the webhook."""

    __tablename__ = "ticket_deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[str] = mapped_column(String(40), ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(Integer())
    at: Mapped[datetime] = mapped_column(DateTime())
    ok: Mapped[bool] = mapped_column(Boolean())
    status_code: Mapped[int | None] = mapped_column(Integer(), nullable=True)
    error: Mapped[str | None] = mapped_column(Text(), nullable=True)
    duration_ms: Mapped[float] = mapped_column(Float())


class Suggestion(Base):
    """An alternate phrasing learned from a "did you mean" choice, waiting for a person."""

    __tablename__ = "suggestions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    faq_id: Mapped[str] = mapped_column(String(64))
    phrasing: Mapped[str] = mapped_column(Text())
    # normalize_question(phrasing), so that case and spacing variants count as one.
    normalized: Mapped[str] = mapped_column(String(1000))
    count: Mapped[int] = mapped_column(Integer(), default=1)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(DateTime())
    updated_at: Mapped[datetime] = mapped_column(DateTime())
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)

    __table_args__ = (UniqueConstraint("faq_id", "normalized"), Index(None, "status", "count"))


class IngestedBatch(Base):
    """Batch ids already recorded, so that a broker retrying a batch does not record it twice."""

    __tablename__ = "ingested_batches"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime())
    events: Mapped[int] = mapped_column(Integer())


class RefusedEvent(Base):
    """An event of a batch that the app could not record (the rest of its batch was), and why."""

    __tablename__ = "refused_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(), index=True)
    batch_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    position: Mapped[int] = mapped_column(Integer())  # its index in the batch's events
    event: Mapped[str | None] = mapped_column(String(32), nullable=True)  # its Rasa event type, when it has one
    sender_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reason: Mapped[str] = mapped_column(String(300))
    excerpt: Mapped[str] = mapped_column(Text())  # the start of the event as JSON


class SpoolReport(Base):
    """What one Rasa process's event broker last said about its spool: records waiting, batches set aside."""

    __tablename__ = "spool_reports"

    spool: Mapped[str] = mapped_column(String(200), primary_key=True)  # host:folder of the spool
    slot: Mapped[str] = mapped_column(String(32), primary_key=True)  # the process's slot in it
    waiting: Mapped[int] = mapped_column(Integer())  # events waiting in the slot
    rejected: Mapped[int] = mapped_column(Integer())  # batches in the spool's rejected/ (shared by its slots)
    reported_at: Mapped[datetime] = mapped_column(DateTime())


class AccountCall(Base):
    """One call of the read-only Tencent Cloud API, with the conversation that caused it.

    Never a credential and never a response body: what was asked (action, region, the ids),
    how it went (``ok`` or the error code, the RequestId) and how long it took.
    """

    __tablename__ = "account_calls"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(), index=True)  # when the call started (UTC)
    conversation_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    purpose: Mapped[str] = mapped_column(String(32))  # deletion_check | diagnose
    action: Mapped[str] = mapped_column(String(64))
    service: Mapped[str] = mapped_column(String(8))
    region: Mapped[str] = mapped_column(String(32))
    resource_ids: Mapped[list[Any]] = mapped_column()
    result: Mapped[str] = mapped_column(String(100))  # ok, or the error code
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    duration_ms: Mapped[float] = mapped_column(Float())
    cached: Mapped[bool] = mapped_column(Boolean())
    attempt: Mapped[int] = mapped_column(Integer())

    __table_args__ = (Index(None, "conversation_id", "id"),)
