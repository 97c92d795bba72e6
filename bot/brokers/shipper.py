"""Ship events to an HTTP endpoint in batches, off the caller's thread: the broker's transport.

Standard library only, so that it runs in Rasa's environment and is tested in the app's.
``publish`` never blocks and never raises: it puts the event on a bounded queue (and
counts it as dropped when the queue is full). One daemon thread sends batches in order,
each with a unique ``batch_id`` (the receiver records a retried batch once), retrying a
failed batch with exponential backoff a bounded number of times before dropping it.
When the endpoint is down, conversations go on; only their records are late or lost.
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
from typing import Any

logger = logging.getLogger(__name__)

_STOP = object()
_FINAL_4XX_EXCEPT = {408, 425, 429}

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


class EventShipper:
    """A bounded queue and one sender thread."""

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
        timeout_s: float = 5.0,
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
        self._timeout_s = timeout_s
        self._post = post or urllib_post
        self._closing = threading.Event()
        self.sent = 0
        self.dropped = 0
        self.failed_batches = 0
        self._last_drop_log = 0.0
        self._thread = threading.Thread(target=self._run, name="helpdesk-event-shipper", daemon=True)
        self._thread.start()

    def publish(self, event: dict[str, Any]) -> None:
        """Queue ``event`` for sending; returns at once, whatever the endpoint's state."""
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self.dropped += 1
            now = time.monotonic()
            if now - self._last_drop_log > 10:
                self._last_drop_log = now
                logger.warning("event queue full (%d dropped so far): is %s down?", self.dropped, self.url)

    def pending(self) -> int:
        return self._queue.qsize()

    def close(self, timeout: float = 5.0) -> None:
        """Send what is queued (one attempt per batch from now on), then stop; waits at most ``timeout``."""
        self._closing.set()
        with contextlib.suppress(queue.Full):
            self._queue.put(_STOP, timeout=timeout)
        self._thread.join(timeout)

    def _run(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            if first is _STOP:
                return
            batch: list[Any] = [first]
            deadline = time.monotonic() + self._flush_interval_s
            while len(batch) < self._batch_size:
                remaining = deadline - time.monotonic()
                try:
                    item = self._queue.get(timeout=max(0.0, remaining)) if remaining > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)
            try:
                self._send(batch)
            except Exception:  # never let the thread die
                logger.exception("sending %d events failed unexpectedly; dropped", len(batch))

    def _send(self, batch: list[Any]) -> None:
        body = json.dumps({"batch_id": uuid.uuid4().hex, "events": batch}, default=str).encode("utf-8")
        attempt = 0
        while True:
            error: str
            try:
                status = self._post(self.url, body, self._headers, self._timeout_s)
                if 200 <= status < 300:
                    self.sent += len(batch)
                    return
                error = f"HTTP {status}"
                if 400 <= status < 500 and status not in _FINAL_4XX_EXCEPT:
                    self.failed_batches += 1
                    logger.error("events endpoint refused a batch of %d (%s); dropped", len(batch), error)
                    return
            except OSError as e:
                error = f"{e.__class__.__name__}: {e}"
            attempt += 1
            if attempt > self._max_retries or self._closing.is_set():
                self.failed_batches += 1
                logger.warning("could not send %d events to %s (%s); dropped", len(batch), self.url, error)
                return
            self._closing.wait(self._retry_backoff_s * 2 ** (attempt - 1))
