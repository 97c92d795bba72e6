"""Whether every turn reaches the store: records waiting in the brokers' spools, and events refused.

Each Rasa process's event broker says, on every batch it posts, how many events wait in
its spool slot and how many batches its spool has set aside (``rejected/``); the app
keeps the latest report per slot in ``spool_reports``, so every worker and every app
machine shows the same figures. Events the recorder refused one by one are kept in
``refused_events`` (the latest ``MAX_REFUSED_KEPT``).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from deflection.event_checks import MAX_SENDER, Refusal, clean
from deflection.models import RefusedEvent, SpoolReport

log = logging.getLogger(__name__)

MAX_REFUSED_KEPT = 10_000
# A slot with records waiting reports at least every 30 s (the broker's longest backoff); one
# silent for longer is gone (its batches adopted by another slot) or cannot reach the app.
REPORT_FRESH = timedelta(minutes=10)
# An unchanged report is written at most this often per worker (the broker posts up to ~10 batches/s).
_REWRITE_S = 30.0
_EXCERPT = 500


@dataclass(frozen=True)
class SpoolStatus:
    """One broker's report: its spool (host:folder) and slot, events waiting there, batches set aside."""

    spool: str
    slot: str
    waiting: int
    rejected: int


@dataclass(frozen=True)
class SlotReport:
    spool: str
    slot: str
    waiting: int
    rejected: int
    reported_at: datetime
    fresh: bool  # reported within REPORT_FRESH, so counted in the totals


@dataclass(frozen=True)
class RecordsWaiting:
    """The totals over the slots that reported lately, and when the latest report came."""

    waiting: int
    rejected: int
    as_of: datetime | None
    slots: tuple[SlotReport, ...]


@dataclass(frozen=True)
class RefusedSample:
    at: datetime
    batch_id: str | None
    position: int
    event: str | None
    sender_id: str | None
    reason: str
    excerpt: str


def keep_refused(session: Session, events: Sequence[Any], refused: Sequence[Refusal], batch_id: str | None) -> None:
    """Add the refused events to ``refused_events``, trimmed to the latest ``MAX_REFUSED_KEPT``."""
    at = _now()
    for r in refused:
        event = events[r.index]
        fields: Mapping[str, Any] = event if isinstance(event, Mapping) else {}
        kind, sender = fields.get("event"), fields.get("sender_id")
        session.add(
            RefusedEvent(
                at=at,
                batch_id=batch_id,
                position=r.index,
                event=clean(kind)[:32] if isinstance(kind, str) else None,
                sender_id=clean(sender)[:MAX_SENDER] if isinstance(sender, str) else None,
                reason=clean(r.reason)[:300],
                excerpt=clean(json.dumps(event, ensure_ascii=False, default=str)[:_EXCERPT]),
            )
        )
    session.flush()
    newest = session.scalar(select(func.max(RefusedEvent.id)))
    if newest is not None and newest > MAX_REFUSED_KEPT:
        session.execute(delete(RefusedEvent).where(RefusedEvent.id <= newest - MAX_REFUSED_KEPT))


class RecordsHealth:
    """Reads and writes the brokers' reports and the refused events; thread-safe (one session per call)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._written: dict[tuple[str, str], tuple[int, int, float]] = {}
        self._lock = threading.Lock()
        self._cached: RecordsWaiting | None = None
        self._cached_at = 0.0
        self._refreshing = False

    def note(self, status: SpoolStatus) -> None:
        """Keep a broker's report (an unchanged one at most every 30 s per process)."""
        key = (status.spool, status.slot)
        now = time.monotonic()
        with self._lock:
            last = self._written.get(key)
        if last is not None and last[:2] == (status.waiting, status.rejected) and now - last[2] < _REWRITE_S:
            return
        for attempt in (1, 2):
            with self._sessions() as session:
                row = session.get(SpoolReport, key)
                if row is None:
                    row = SpoolReport(spool=status.spool, slot=status.slot)
                    session.add(row)
                row.waiting, row.rejected, row.reported_at = status.waiting, status.rejected, _now()
                try:
                    session.commit()
                    break
                except IntegrityError:  # another worker added this slot's row a moment ago
                    session.rollback()
                    if attempt == 2:
                        raise
        with self._lock:
            self._written[key] = (status.waiting, status.rejected, now)

    def waiting(self) -> RecordsWaiting:
        """The records waiting in the brokers' spools and the batches set aside, from the latest reports."""
        with self._sessions() as session:
            rows = session.scalars(select(SpoolReport).order_by(SpoolReport.spool, SpoolReport.slot)).all()
        now = _now()
        slots = tuple(
            SlotReport(r.spool, r.slot, r.waiting, r.rejected, r.reported_at, now - r.reported_at <= REPORT_FRESH)
            for r in rows
        )
        fresh = [s for s in slots if s.fresh]
        rejected: dict[str, int] = {}  # slots of one spool share its rejected/ folder: counted once
        for s in fresh:
            rejected[s.spool] = max(rejected.get(s.spool, 0), s.rejected)
        return RecordsWaiting(
            waiting=sum(s.waiting for s in fresh),
            rejected=sum(rejected.values()),
            as_of=max((s.reported_at for s in slots), default=None),
            slots=slots,
        )

    def cached_waiting(self, max_age_s: float = 5.0) -> RecordsWaiting | None:
        """``waiting()`` as last read, refreshed in the background when older than ``max_age_s``.

        Never waits for the database (for ``/readyz``, which must answer at once even when the
        database hangs); None until the first read has finished.
        """
        with self._lock:
            stale = time.monotonic() - self._cached_at > max_age_s
            start = stale and not self._refreshing
            if start:
                self._refreshing = True
        if start:
            threading.Thread(target=self._refresh, name="records-waiting", daemon=True).start()
        return self._cached

    def refused(self, limit: int = 20) -> tuple[int, list[RefusedSample]]:
        """How many refused events are kept, and the latest ``limit`` of them, newest first."""
        with self._sessions() as session:
            count = session.scalar(select(func.count()).select_from(RefusedEvent)) or 0
            rows = session.scalars(select(RefusedEvent).order_by(RefusedEvent.id.desc()).limit(limit)).all()
            return count, [
                RefusedSample(r.at, r.batch_id, r.position, r.event, r.sender_id, r.reason, r.excerpt) for r in rows
            ]

    def _refresh(self) -> None:
        value: RecordsWaiting | None
        try:
            value = self.waiting()
        except Exception as e:  # the database is down or hangs: keep the last figures
            log.debug("records waiting not refreshed: %s", e)
            value = self._cached
        with self._lock:
            self._cached, self._cached_at, self._refreshing = value, time.monotonic(), False


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
