"""Open a hand-off ticket and queue it for the helpdesk webhook, in one call."""

from __future__ import annotations

from typing import Any

from deflection.tickets import Ticket, TicketStore, TranscriptLine
from deflection.webhook import WebhookDeliverer


class HandoffDesk:
    """Where hand-offs arrive: stored first, then delivered in the background (if a webhook is set)."""

    def __init__(self, tickets: TicketStore, deliverer: WebhookDeliverer | None) -> None:
        self.tickets = tickets
        self.deliverer = deliverer

    def open(
        self,
        conversation_id: str,
        channel: str,
        language: str,
        reason: str,
        transcript: list[TranscriptLine],
        candidates: list[dict[str, Any]],
    ) -> Ticket:
        """Store the ticket and queue its delivery; returns at once (the webhook is not awaited)."""
        ticket = self.tickets.create(
            conversation_id, channel, language, reason, transcript, candidates, deliver=self.deliverer is not None
        )
        if self.deliverer is not None:
            self.deliverer.submit(ticket.id)
        return ticket

    def start(self) -> None:
        if self.deliverer is not None:
            self.deliverer.start()

    def stop(self) -> None:
        if self.deliverer is not None:
            self.deliverer.stop()
