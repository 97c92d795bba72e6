"""Hand-off tickets: a conversation passed to a human, with its transcript, its connectivity case
(when the bot was troubleshooting) and its delivery record."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from deflection.errors import RecordNotFoundError
from deflection.models import Ticket as TicketRow
from deflection.models import TicketDelivery

TicketStatus = Literal["open", "closed"]
# not_configured: no webhook set; pending: waiting for (another) attempt; sending: an attempt
# is under way; delivered; failed: every attempt failed; queued: kept on disk while the
# database was down (deflection/handoff_outbox.py), stored when it is back.
DeliveryStatus = Literal["not_configured", "pending", "sending", "delivered", "failed", "queued"]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def iso(at: datetime | None) -> str | None:
    """Naive UTC as ISO 8601 with its offset, as the API shows times."""
    return at.replace(tzinfo=UTC).isoformat() if at is not None else None


@dataclass(frozen=True)
class TranscriptLine:
    """One message of the conversation."""

    sender: str
    text: str
    timestamp: float | None = None


@dataclass(frozen=True)
class Delivery:
    """One attempt to send a ticket to the webhook."""

    attempt: int
    at: str
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: float


@dataclass(frozen=True)
class Ticket:
    """A conversation handed to a human."""

    id: str
    created_at: str
    conversation_id: str
    channel: str
    language: str
    reason: str
    transcript: list[TranscriptLine]
    candidates: list[dict[str, Any]]
    status: str = "open"
    closed_at: str | None = None
    delivery_status: str = "not_configured"
    delivery_attempts: int = 0
    deliveries: list[Delivery] = field(default_factory=list)
    # The connectivity case being worked (POST /v1/diagnose's ``case``: target, evidence, checks
    # done, cause), so the human starts where the bot stopped; None when there was none.
    case: dict[str, Any] | None = None

    def webhook_payload(self) -> dict[str, Any]:
        """The JSON the helpdesk webhook receives."""
        return {
            "type": "cvm-helpdesk.handoff",
            "ticket_id": self.id,
            "created_at": self.created_at,
            "conversation_id": self.conversation_id,
            "channel": self.channel,
            "language": self.language,
            "reason": self.reason,
            "transcript": [{"sender": t.sender, "text": t.text, "timestamp": t.timestamp} for t in self.transcript],
            "candidates": self.candidates,
            "case": self.case,
        }


def _ticket(row: TicketRow, deliveries: list[TicketDelivery] | None = None) -> Ticket:
    return Ticket(
        id=row.id,
        created_at=iso(row.created_at) or "",
        conversation_id=row.conversation_id,
        channel=row.channel,
        language=row.language,
        reason=row.reason,
        transcript=[TranscriptLine(**t) for t in row.transcript],
        candidates=list(row.candidates),
        status=row.status,
        closed_at=iso(row.closed_at),
        delivery_status=row.delivery_status,
        delivery_attempts=row.delivery_attempts,
        case=row.case,
        deliveries=[
            Delivery(d.attempt, iso(d.at) or "", d.ok, d.status_code, d.error, d.duration_ms) for d in deliveries or []
        ],
    )


def new_ticket(
    conversation_id: str,
    channel: str,
    language: str,
    reason: str,
    transcript: list[TranscriptLine],
    candidates: list[dict[str, Any]],
    case: dict[str, Any] | None = None,
) -> Ticket:
    """A new open ticket with its id and time, not stored yet (``case``: the connectivity case, if any)."""
    return Ticket(
        id=f"ho-{uuid.uuid4().hex[:12]}",
        created_at=iso(_now()) or "",
        conversation_id=conversation_id,
        channel=channel,
        language=language,
        reason=reason,
        transcript=list(transcript),
        candidates=list(candidates),
        case=case,
    )


class TicketStore:
    """Tickets and their delivery attempts, in the deflection database."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def create(
        self,
        conversation_id: str,
        channel: str,
        language: str,
        reason: str,
        transcript: list[TranscriptLine],
        candidates: list[dict[str, Any]],
        *,
        deliver: bool,
        case: dict[str, Any] | None = None,
    ) -> Ticket:
        """Store a new open ticket; ``deliver``: a webhook is configured, so it waits for delivery."""
        ticket = new_ticket(conversation_id, channel, language, reason, transcript, candidates, case)
        return self.insert(ticket, deliver=deliver)

    def insert(self, ticket: Ticket, *, deliver: bool) -> Ticket:
        """Store ``ticket`` with its own id and time (a new one, or one kept while the database was down).

        Storing the same id twice stores it once: the stored ticket is returned.
        """
        now = _now()
        created = datetime.fromisoformat(ticket.created_at).astimezone(UTC).replace(tzinfo=None)
        row = TicketRow(
            id=ticket.id,
            created_at=created,
            conversation_id=ticket.conversation_id,
            channel=ticket.channel,
            language=ticket.language,
            reason=ticket.reason,
            transcript=[{"sender": t.sender, "text": t.text, "timestamp": t.timestamp} for t in ticket.transcript],
            candidates=ticket.candidates,
            case=ticket.case,
            status="open",
            delivery_status="pending" if deliver else "not_configured",
            delivery_attempts=0,
            next_attempt_at=now if deliver else None,
        )
        with self._sessions() as session:
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                existing = session.get(TicketRow, ticket.id)
                if existing is None:
                    raise
                return _ticket(existing)
            return _ticket(row)

    def get(self, ticket_id: str) -> Ticket:
        """The ticket with this id, with its delivery attempts.

        Raises:
            RecordNotFoundError: there is none.
        """
        with self._sessions() as session:
            row = session.get(TicketRow, ticket_id)
            if row is None:
                raise RecordNotFoundError(f"no hand-off ticket has id {ticket_id!r}")
            deliveries = list(
                session.scalars(
                    select(TicketDelivery).where(TicketDelivery.ticket_id == ticket_id).order_by(TicketDelivery.attempt)
                )
            )
            return _ticket(row, deliveries)

    def find(self, status: TicketStatus | None = None, limit: int = 100, offset: int = 0) -> list[Ticket]:
        """Tickets, newest first; only those of ``status`` when given."""
        query = select(TicketRow).order_by(TicketRow.created_at.desc(), TicketRow.id).limit(limit).offset(offset)
        if status is not None:
            query = query.where(TicketRow.status == status)
        with self._sessions() as session:
            return [_ticket(r) for r in session.scalars(query)]

    def close(self, ticket_id: str) -> Ticket:
        """Close a ticket (closing a closed one changes nothing).

        Raises:
            RecordNotFoundError: there is none.
        """
        with self._sessions() as session:
            row = session.get(TicketRow, ticket_id)
            if row is None:
                raise RecordNotFoundError(f"no hand-off ticket has id {ticket_id!r}")
            if row.status != "closed":
                row.status = "closed"
                row.closed_at = _now()
                session.commit()
        return self.get(ticket_id)

    # --- delivery bookkeeping (used by the webhook worker) ----------------------------

    def claim(self, ticket_id: str) -> Ticket | None:
        """Mark a pending ticket as being sent; ``None`` when another worker has it or it is settled."""
        with self._sessions() as session:
            claimed = session.execute(
                update(TicketRow)
                .where(TicketRow.id == ticket_id, TicketRow.delivery_status == "pending")
                .values(delivery_status="sending", next_attempt_at=_now())
            )
            session.commit()
            if getattr(claimed, "rowcount", 0) != 1:
                return None
            row = session.get(TicketRow, ticket_id)
            return _ticket(row) if row is not None else None

    def record_attempt(
        self,
        ticket_id: str,
        *,
        ok: bool,
        status_code: int | None,
        error: str | None,
        duration_ms: float,
        retry_in_s: float | None,
    ) -> int:
        """Record one attempt; ``retry_in_s`` None means no more attempts. Returns the attempt number."""
        with self._sessions() as session:
            row = session.get(TicketRow, ticket_id)
            if row is None:
                raise RecordNotFoundError(f"no hand-off ticket has id {ticket_id!r}")
            row.delivery_attempts += 1
            session.add(
                TicketDelivery(
                    ticket_id=ticket_id,
                    attempt=row.delivery_attempts,
                    at=_now(),
                    ok=ok,
                    status_code=status_code,
                    error=error[:2000] if error else None,
                    duration_ms=round(duration_ms, 3),
                )
            )
            if ok:
                row.delivery_status, row.next_attempt_at = "delivered", None
            elif retry_in_s is None:
                row.delivery_status, row.next_attempt_at = "failed", None
            else:
                row.delivery_status = "pending"
                row.next_attempt_at = _now() + timedelta(seconds=retry_in_s)
            session.commit()
            return row.delivery_attempts

    def due(self, stale_after_s: float = 300.0) -> list[tuple[str, datetime]]:
        """Tickets waiting for delivery, with when; a ``sending`` one left by a crashed process counts again."""
        cutoff = _now() - timedelta(seconds=stale_after_s)
        with self._sessions() as session:
            session.execute(
                update(TicketRow)
                .where(TicketRow.delivery_status == "sending", TicketRow.next_attempt_at < cutoff)
                .values(delivery_status="pending")
            )
            session.commit()
            rows = session.execute(
                select(TicketRow.id, TicketRow.next_attempt_at).where(TicketRow.delivery_status == "pending")
            ).all()
            return [(r[0], r[1] or _now()) for r in rows]
