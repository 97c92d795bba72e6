"""Rasa's Redis lock store with atomic updates, so two Rasa servers never run one conversation at once.

Rasa 3.6's ``RedisLockStore`` updates a conversation's ticket lock by GET, change, SET.
When two Rasa servers receive messages of the same conversation at the same moment,
both can read the same lock, both issue themselves ticket 0, and both process their
message together: one of the two turns is then missing from the tracker store. The
scale-out test (tests/scaleout/test_two_rasa.py, eight simultaneous messages on two
servers) showed exactly that, intermittently.

``AtomicRedisLockStore`` does every read-modify-write of a lock (issue a ticket, drop
expired ones, finish serving, delete when nobody waits) inside a Redis ``WATCH``/``MULTI``
transaction, retried when another server changed the lock in between. Configure it in
the endpoints file in place of ``type: redis``, with the same keys::

    lock_store:
      type: guards.lock_store.AtomicRedisLockStore
      url: redis-host
      port: 6379
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 1000  # a transaction retried this often means Redis is misbehaving, not contention


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose lock updates are transactions (see the module docstring)."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    def _modify(
        self, conversation_id: str, change: Callable[[TicketLock | None], tuple[TicketLock | None, Any]]
    ) -> Any:
        """Apply ``change`` to the stored lock atomically; it returns (lock to store or None to delete, result)."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            for _ in range(MAX_ATTEMPTS):
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    current = TicketLock.from_dict(json.loads(raw)) if raw else None
                    new, result = change(current)
                    pipe.multi()
                    if new is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, new.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another server changed the lock: read it again
        raise LockError(f"could not update the lock of conversation '{conversation_id}' after {MAX_ATTEMPTS} attempts")

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def change(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        ticket: int = self._modify(conversation_id, change)
        return ticket

    def update_lock(self, conversation_id: str) -> None:
        def change(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._modify(conversation_id, change)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def change(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._modify(conversation_id, change)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # Finish and delete-if-idle in one transaction: a ticket issued in between survives.
        def change(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._modify(conversation_id, change)
