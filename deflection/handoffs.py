"""Open a hand-off ticket and queue it for the helpdesk webhook, in one call."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from deflection.db import OUTAGE_ERRORS
from deflection.errors import StoreUnavailableError
from deflection.handoff_outbox import HandoffOutbox
from deflection.tickets import Ticket, TicketStore, TranscriptLine, new_ticket
from deflection.webhook import WebhookDeliverer

log = logging.getLogger("helpdesk.deflection")
_UNSTORABLE: tuple[type[Exception], ...] = (StoreUnavailableError, *OUTAGE_ERRORS)


class HandoffDesk:
    """Where hand-offs arrive: stored first, then delivered in the background (if a webhook is set).

    With an ``outbox``, a ticket that cannot be stored (the database is down, or not ready:
    ``store_ready``) is kept on disk and stored, with the same id, when the database is back;
    a thread tries every ``retry_s`` seconds while tickets wait.
    """

    def __init__(
        self,
        tickets: TicketStore,
        deliverer: WebhookDeliverer | None,
        outbox: HandoffOutbox | None = None,
        store_ready: Callable[[], bool] = lambda: True,
        retry_s: float = 5.0,
    ) -> None:
        self.tickets = tickets
        self.deliverer = deliverer
        self.outbox = outbox
        self._store_ready = store_ready
        self._retry_s = retry_s
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def open(
        self,
        conversation_id: str,
        channel: str,
        language: str,
        reason: str,
        transcript: list[TranscriptLine],
        candidates: list[dict[str, Any]],
        case: dict[str, Any] | None = None,
    ) -> Ticket:
        """Store the ticket and queue its delivery; returns at once (the webhook is not awaited).

        ``case``: the connectivity case being worked (as POST /v1/diagnose returned it), if any.

        Raises:
            StoreUnavailableError: the database is down and there is no outbox to keep the ticket.
        """
        ticket = new_ticket(conversation_id, channel, language, reason, transcript, candidates, case)
        try:
            if not self._store_ready():
                raise StoreUnavailableError("the deflection database is not available yet")
            stored = self.tickets.insert(ticket, deliver=self.deliverer is not None)
        except _UNSTORABLE as e:
            if self.outbox is None:
                raise
            log.warning("hand-off %s kept on disk until the database is back: %s", ticket.id, e.__class__.__name__)
            return self.outbox.put(ticket)
        if self.deliverer is not None:
            self.deliverer.submit(stored.id)
        return stored

    def start(self) -> None:
        """Start delivering (and storing the tickets kept on disk); call once the store is ready."""
        self.drain()
        if self.deliverer is not None:
            self.deliverer.start()
        if self.outbox is not None and self._thread is None:
            self._thread = threading.Thread(target=self._retry, name="handoff-outbox", daemon=True)
            self._thread.start()

    def drain(self) -> list[str]:
        """Store the tickets kept on disk, if the database answers; returns their ids."""
        if self.outbox is None or not self._store_ready():
            return []
        try:
            stored = self.outbox.drain(self.tickets, deliver=self.deliverer is not None)
        except OUTAGE_ERRORS:
            return []
        if self.deliverer is not None:
            for ticket_id in stored:
                self.deliverer.submit(ticket_id)
        return stored

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=self._retry_s + 1)
        if self.deliverer is not None:
            self.deliverer.stop()

    def _retry(self) -> None:
        while not self._stopping.wait(self._retry_s):
            try:
                self.drain()
            except Exception:  # the thread must outlive any one failure
                log.exception("storing the hand-offs kept on disk failed; retrying")
