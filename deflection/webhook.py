"""Send hand-off tickets to the helpdesk's JSON webhook, in a background thread, with retries.

The bot's request that creates a ticket never waits for the webhook: the ticket is
stored, queued here, and each attempt (status code or error, duration) is recorded.
A failed attempt is retried after ``backoff_s``, doubling each time, up to
``attempts`` in all; a 4xx answer other than 408 and 429 is final (the request
itself is wrong, and sending it again will not help). Tickets still waiting when
the process stops are picked up again at the next start.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from datetime import UTC

import httpx

from deflection.tickets import TicketStore

log = logging.getLogger("helpdesk.webhook")

MAX_BACKOFF_S = 3600.0
_RETRYABLE_4XX = {408, 425, 429}


class WebhookDeliverer:
    """One background thread that delivers queued tickets in due order."""

    def __init__(
        self,
        tickets: TicketStore,
        url: str,
        *,
        attempts: int = 6,
        backoff_s: float = 2.0,
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"HELPDESK_HANDOFF_WEBHOOK_URL must be an http(s) URL, got {url!r}")
        if attempts < 1:
            raise ValueError("HELPDESK_HANDOFF_WEBHOOK_ATTEMPTS must be at least 1")
        self.url = url
        self._tickets = tickets
        self._attempts = attempts
        self._backoff_s = backoff_s
        self._client = httpx.Client(timeout=timeout_s, transport=transport, headers={"User-Agent": "cvm-helpdesk"})
        self._queue: list[tuple[float, str]] = []
        self._wake = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="handoff-webhook", daemon=True)

    def start(self) -> None:
        """Queue the tickets left waiting by an earlier run, then start sending."""
        now_wall, now = time.time(), time.monotonic()
        for ticket_id, due_at in self._tickets.due():
            delay = max(0.0, due_at.replace(tzinfo=UTC).timestamp() - now_wall)
            self._push(now + delay, ticket_id)
        self._thread.start()

    def submit(self, ticket_id: str) -> None:
        """Send this ticket as soon as possible."""
        self._push(time.monotonic(), ticket_id)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the attempt under way (if any); waiting tickets stay pending in the database."""
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._client.close()

    def _push(self, due: float, ticket_id: str) -> None:
        with self._wake:
            heapq.heappush(self._queue, (due, ticket_id))
            self._wake.notify_all()

    def _next(self) -> str | None:
        with self._wake:
            while not self._stopping:
                if self._queue:
                    due, ticket_id = self._queue[0]
                    wait = due - time.monotonic()
                    if wait <= 0:
                        heapq.heappop(self._queue)
                        return ticket_id
                    self._wake.wait(wait)
                else:
                    self._wake.wait()
            return None

    def _run(self) -> None:
        while (ticket_id := self._next()) is not None:
            try:
                self._attempt(ticket_id)
            except Exception:  # the worker must outlive a database hiccup
                log.exception("delivering hand-off %s failed unexpectedly; it stays pending", ticket_id)

    def _attempt(self, ticket_id: str) -> None:
        ticket = self._tickets.claim(ticket_id)
        if ticket is None:
            return  # delivered, failed, or another worker is sending it
        started = time.perf_counter()
        status_code: int | None = None
        error: str | None = None
        try:
            response = self._client.post(self.url, json=ticket.webhook_payload())
            status_code = response.status_code
            ok = response.is_success
            if not ok:
                error = f"HTTP {status_code}: {response.text[:300]}"
        except httpx.HTTPError as e:
            ok, error = False, f"{e.__class__.__name__}: {e}"
        duration_ms = (time.perf_counter() - started) * 1000.0
        attempt = ticket.delivery_attempts + 1
        final = ok or attempt >= self._attempts or (status_code is not None and _permanent(status_code))
        retry_in = None if final else min(MAX_BACKOFF_S, self._backoff_s * 2 ** (attempt - 1))
        self._tickets.record_attempt(
            ticket_id, ok=ok, status_code=status_code, error=error, duration_ms=duration_ms, retry_in_s=retry_in
        )
        if ok:
            log.info("hand-off %s delivered (attempt %d)", ticket_id, attempt)
        elif retry_in is None:
            log.warning("hand-off %s not delivered after %d attempts: %s", ticket_id, attempt, error)
        else:
            log.info("hand-off %s attempt %d failed (%s); retry in %.1f s", ticket_id, attempt, error, retry_in)
            self._push(time.monotonic() + retry_in, ticket_id)


def _permanent(status_code: int) -> bool:
    return 400 <= status_code < 500 and status_code not in _RETRYABLE_4XX
