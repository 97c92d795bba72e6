"""The record of every call the app made to the read-only Tencent Cloud API, per conversation.

The app reads the account for a user's question (why a group cannot be deleted, what is in
front of an instance); each call is kept here with the conversation that caused it, so the
operator sees what was read for whom (``GET /v1/admin/account-calls``). Only what was asked
and how it went: never a credential, never a response body. The latest
:data:`MAX_ACCOUNT_CALLS_KEPT` are kept.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from deflection.event_checks import MAX_SENDER, clean
from deflection.models import AccountCall

log = logging.getLogger(__name__)

MAX_ACCOUNT_CALLS_KEPT = 50_000
MAX_IDS_KEPT = 20
# The latest calls sent (not cached) that say whether the key works, read for /readyz.
RECENT_SENT = 200


@dataclass(frozen=True)
class AccountCallRecord:
    """One API call as stored (times naive UTC).

    Attributes:
        at: When it started.
        conversation_id: The conversation it was made for (None: a direct API request).
        purpose: ``deletion_check`` or ``diagnose``.
        action, service, region: What was called, where.
        resource_ids: The ids asked about.
        result: ``ok`` or the error code.
        request_id: The API's RequestId, when it answered.
        duration_ms: How long it took (0 when the answer came from the cache).
        cached: The answer came from the app's short cache; nothing was sent.
        attempt: 1, or 2.. for retries after throttling.
    """

    at: datetime
    conversation_id: str | None
    purpose: str
    action: str
    service: str
    region: str
    resource_ids: tuple[str, ...]
    result: str
    request_id: str | None
    duration_ms: float
    cached: bool
    attempt: int


class AccountCallStore:
    """Adds and lists the calls; thread-safe (one session per call)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._lock = threading.Lock()
        self._recent: list[AccountCallRecord] | None = None
        self._recent_at = 0.0
        self._refreshing = False

    def recent_sent(self, limit: int = RECENT_SENT) -> list[AccountCallRecord]:
        """The latest calls really sent (not answered from a cache), newest first: what every
        worker of the app met, so the key's state is the same whichever answers."""
        with self._sessions() as session:
            rows = session.scalars(
                select(AccountCall).where(AccountCall.cached.is_(False)).order_by(AccountCall.id.desc()).limit(limit)
            ).all()
            return [_record(r) for r in rows]

    def cached_recent_sent(self, max_age_s: float = 2.0) -> list[AccountCallRecord] | None:
        """``recent_sent()`` as last read, refreshed in the background when older than ``max_age_s``.

        Never waits for the database (for ``/readyz``); None until the first read has finished.
        """
        with self._lock:
            stale = time.monotonic() - self._recent_at > max_age_s
            start = stale and not self._refreshing
            if start:
                self._refreshing = True
        if start:
            threading.Thread(target=self._refresh, name="account-calls", daemon=True).start()
        return self._recent

    def _refresh(self) -> None:
        value: list[AccountCallRecord] | None
        try:
            value = self.recent_sent()
        except Exception as e:  # the database is down or hangs: keep the last list
            log.debug("account calls not refreshed: %s", e)
            value = self._recent
        with self._lock:
            self._recent, self._recent_at, self._refreshing = value, time.monotonic(), False

    def add(self, calls: Sequence[AccountCallRecord]) -> None:
        """Keep ``calls``, trimming the table to the latest :data:`MAX_ACCOUNT_CALLS_KEPT`."""
        if not calls:
            return
        with self._sessions() as session:
            for c in calls:
                session.add(
                    AccountCall(
                        at=c.at.replace(tzinfo=None),
                        conversation_id=clean(c.conversation_id)[:MAX_SENDER] if c.conversation_id else None,
                        purpose=c.purpose[:32],
                        action=c.action[:64],
                        service=c.service[:8],
                        region=c.region[:32],
                        resource_ids=[clean(i)[:100] for i in c.resource_ids[:MAX_IDS_KEPT]],
                        result=clean(c.result)[:100],
                        request_id=clean(c.request_id)[:64] if c.request_id else None,
                        duration_ms=float(c.duration_ms),
                        cached=c.cached,
                        attempt=c.attempt,
                    )
                )
            session.flush()
            newest = session.scalar(select(func.max(AccountCall.id)))
            if newest is not None and newest > MAX_ACCOUNT_CALLS_KEPT:
                session.execute(delete(AccountCall).where(AccountCall.id <= newest - MAX_ACCOUNT_CALLS_KEPT))
            session.commit()

    def find(
        self, conversation_id: str | None = None, limit: int = 100, offset: int = 0
    ) -> tuple[int, list[AccountCallRecord]]:
        """How many calls match, and ``limit`` of them, newest first (``conversation_id`` None: all)."""
        where = [AccountCall.conversation_id == conversation_id] if conversation_id is not None else []
        with self._sessions() as session:
            count = session.scalar(select(func.count()).select_from(AccountCall).where(*where)) or 0
            rows = session.scalars(
                select(AccountCall).where(*where).order_by(AccountCall.id.desc()).limit(limit).offset(offset)
            ).all()
            return count, [_record(r) for r in rows]


def _record(r: AccountCall) -> AccountCallRecord:
    return AccountCallRecord(
        r.at,
        r.conversation_id,
        r.purpose,
        r.action,
        r.service,
        r.region,
        tuple(str(i) for i in r.resource_ids),
        r.result,
        r.request_id,
        r.duration_ms,
        r.cached,
        r.attempt,
    )
