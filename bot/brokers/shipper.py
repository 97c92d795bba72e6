"""Ship events to an HTTP endpoint in batches, off the caller's thread: the broker's transport.

Standard library only, so that it runs in Rasa's environment and is tested in the app's.
``publish`` never blocks and never raises: it puts the event on a bounded queue (and
counts it as dropped when the queue is full). One daemon thread sends batches in order,
each with a unique ``batch_id`` (the receiver records a retried batch once).

With a spool folder (``spool_dir``, what the broker uses), a batch that cannot be sent
is written to disk (``spool.BatchSpool``) and retried, oldest first, with backoff capped
at ``max_backoff_s``, for as long as it takes: while the app or its database is down,
conversations go on and their records wait on disk, across restarts, until the app
takes them. Later batches queue behind spooled ones, so order is kept. Only a batch the
app rejects as malformed (400, 413, 415, 422) is set aside, in ``<spool>/rejected/``.
Without a spool, a failed batch is retried ``max_retries`` times in memory and then dropped.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from .spool import REJECTED, BatchSpool

logger = logging.getLogger(__name__)

_STOP = object()
_FINAL_4XX_EXCEPT = {408, 425, 429}
# With a spool nothing is dropped for a fixable cause (a wrong token or URL): only malformed batches are final.
_FINAL_WITH_SPOOL = {400, 413, 415, 422}

# post(url, body, headers, timeout) -> HTTP status code; raises OSError when unreachable.
Post = Callable[[str, bytes, dict[str, str], float], int]


def urllib_post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as e:
        return int(e.code)


Outcome = Literal["sent", "refused", "retry"]


class EventShipper:
    """A bounded queue, one sender thread and, optionally, a spool on disk."""

    def __init__(
        self,
        url: str,
        token: str | None = None,
        *,
        max_queue: int = 10_000,
        batch_size: int = 200,
        flush_interval_s: float = 0.1,
        max_retries: int = 5,
        retry_backoff_s: float = 0.5,
        max_backoff_s: float = 30.0,
        timeout_s: float = 5.0,
        spool_dir: str | Path | None = None,
        spool_max_bytes: int = 512 * 1024 * 1024,
        post: Post | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"the events URL must be http(s)://..., got {url!r}")
        self.url = url
        self._headers = {"Content-Type": "application/json", "User-Agent": "cvm-helpdesk-broker"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max_queue)
        self._batch_size = batch_size
        self._flush_interval_s = flush_interval_s
        self._max_retries = max_retries
        self._retry_backoff_s = retry_backoff_s
        self._max_backoff_s = max_backoff_s
        self._timeout_s = timeout_s
        self._post = post or urllib_post
        self._spool = BatchSpool(spool_dir, max_bytes=spool_max_bytes) if spool_dir else None
        self._backoff_s = retry_backoff_s
        self._next_retry = 0.0
        self._closing = threading.Event()
        self.sent = 0
        self.dropped = 0
        self.failed_batches = 0
        self._last_drop_log = 0.0
        self._last_retry_log = 0.0
        self._thread = threading.Thread(target=self._run, name="helpdesk-event-shipper", daemon=True)
        self._thread.start()

    def publish(self, event: dict[str, Any]) -> None:
        """Queue ``event`` for sending; returns at once, whatever the endpoint's state."""
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self._drop(1, "event queue full")

    def pending(self) -> int:
        """Events queued in memory plus batches waiting in the spool."""
        return self._queue.qsize() + (len(self._spool) if self._spool is not None else 0)

    def spooled(self) -> int:
        """Batches waiting on disk."""
        return len(self._spool) if self._spool is not None else 0

    def close(self, timeout: float = 5.0) -> None:
        """Send what is queued (one attempt per batch from now on; with a spool, what fails is kept on disk),
        then stop; waits at most ``timeout``."""
        self._closing.set()
        with contextlib.suppress(queue.Full):
            self._queue.put(_STOP, timeout=timeout)
        self._thread.join(timeout)

    # --- the sender thread ---------------------------------------------------------

    def _run(self) -> None:
        try:
            stop = False
            while not stop:
                batch, stop = self._collect()
                try:
                    if batch:
                        self._dispatch(batch)
                    due = self._spool is not None and len(self._spool) and time.monotonic() >= self._next_retry
                    if due and not stop:
                        self._drain_spool()
                except Exception:  # never let the thread die
                    logger.exception("sending %d events failed unexpectedly", len(batch))
        finally:
            if self._spool is not None:
                self._spool.close()

    def _collect(self) -> tuple[list[Any], bool]:
        """The next batch (waiting for its first event, or until a spooled batch is due), and whether to stop."""
        wait: float | None = None
        if self._spool is not None and len(self._spool):
            wait = max(0.0, self._next_retry - time.monotonic())
        try:
            first = self._queue.get(timeout=wait)
        except queue.Empty:
            return [], False
        if first is _STOP:
            return [], True
        batch: list[Any] = [first]
        deadline = time.monotonic() + self._flush_interval_s
        while len(batch) < self._batch_size:
            remaining = deadline - time.monotonic()
            try:
                item = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                return batch, True
            batch.append(item)
        return batch, False

    def _dispatch(self, batch: list[Any]) -> None:
        batch_id = uuid.uuid4().hex
        body = json.dumps({"batch_id": batch_id, "events": batch}, default=str).encode("utf-8")
        if self._spool is None:
            self._send_with_retries(body, len(batch))
            return
        if len(self._spool):  # behind batches already waiting: keep the order
            self._to_spool(batch_id, body, len(batch))
            return
        outcome = self._attempt(body, len(batch))
        if outcome == "retry":
            self._to_spool(batch_id, body, len(batch))
            self._schedule_retry()
        elif outcome == "refused":
            self._spool.reject(batch_id, body)

    def _drain_spool(self) -> None:
        """Send spooled batches, oldest first, until one fails (then wait and retry) or none is left."""
        assert self._spool is not None
        while not self._closing.is_set():
            oldest = self._spool.oldest()
            if oldest is None:
                self._backoff_s = self._retry_backoff_s
                logger.info("event spool drained: every recorded turn has reached %s", self.url)
                return
            path, body = oldest
            outcome = self._attempt(body, _count(body))
            if outcome == "retry":
                self._schedule_retry()
                return
            self._spool.remove(path, keep_as=REJECTED if outcome == "refused" else None)

    def _to_spool(self, batch_id: str, body: bytes, n: int) -> None:
        assert self._spool is not None
        try:
            if self._spool.append(batch_id, body):
                return
            reason = f"event spool {self._spool.dir} is full ({self._spool.size_bytes} bytes)"
        except OSError as e:
            reason = f"cannot write to the event spool {self._spool.dir}: {e}"
        self._drop(n, reason)

    def _schedule_retry(self) -> None:
        self._next_retry = time.monotonic() + self._backoff_s
        self._backoff_s = min(self._max_backoff_s, self._backoff_s * 2)

    def _attempt(self, body: bytes, n: int) -> Outcome:
        """One POST: sent, refused for good (a malformed batch), or worth retrying."""
        try:
            status = self._post(self.url, body, self._headers, self._timeout_s)
        except OSError as e:
            self._log_retry(f"{e.__class__.__name__}: {e}")
            return "retry"
        if 200 <= status < 300:
            self.sent += n
            return "sent"
        final = _FINAL_WITH_SPOOL if self._spool is not None else None
        if (final is not None and status in final) or (
            final is None and 400 <= status < 500 and status not in _FINAL_4XX_EXCEPT
        ):
            self.failed_batches += 1
            kept = f"; kept in {self._spool.root / 'rejected'}" if self._spool is not None else "; dropped"
            logger.error("events endpoint refused a batch of %d (HTTP %d)%s", n, status, kept)
            return "refused"
        self._log_retry(f"HTTP {status}")
        return "retry"

    def _send_with_retries(self, body: bytes, n: int) -> None:
        """Without a spool: retry in memory a few times, then drop."""
        attempt = 0
        while True:
            outcome = self._attempt(body, n)
            if outcome != "retry":
                return
            attempt += 1
            if attempt > self._max_retries or self._closing.is_set():
                self.failed_batches += 1
                self._drop(n, f"could not reach {self.url} after {attempt} attempts")
                return
            self._closing.wait(self._retry_backoff_s * 2 ** (attempt - 1))

    def _log_retry(self, error: str) -> None:
        now = time.monotonic()
        if now - self._last_retry_log > 10:
            self._last_retry_log = now
            where = f"kept in {self._spool.dir}, retried" if self._spool is not None else "retried"
            logger.warning("cannot send events to %s (%s); %s", self.url, error, where)

    def _drop(self, n: int, reason: str) -> None:
        self.dropped += n
        now = time.monotonic()
        if now - self._last_drop_log > 10:
            self._last_drop_log = now
            logger.warning("%s: %d events dropped so far", reason, self.dropped)


def _count(body: bytes) -> int:
    try:
        events = json.loads(body).get("events")
    except (ValueError, AttributeError):
        return 0
    return len(events) if isinstance(events, list) else 0
