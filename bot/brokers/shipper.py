"""Ship events to an HTTP endpoint in batches, off the caller's thread: the broker's transport.

Standard library only, so that it runs in Rasa's environment and is tested in the app's.
``publish`` never blocks and never raises: it puts the event on a bounded queue (and
counts it as dropped when the queue is full). One daemon thread sends batches in order,
each with a unique ``batch_id`` (the receiver records a retried batch once).

Every body is under the app's limit by construction (``batches.pack``; the limit is
``max_body_bytes``, by default ``HELPDESK_PROTECTED_MAX_BODY_BYTES`` or 4 MiB, as the
app's), and one event too large on its own is cut to fit or set aside.

With a spool folder (``spool_dir``, what the broker uses), a batch that cannot be sent
is written to disk (``spool.BatchSpool``) and retried, oldest first, with backoff capped
at ``max_backoff_s``, for as long as it takes: while the app or its database is down,
conversations go on and their records wait on disk, across restarts, until the app
takes them. Later batches queue behind spooled ones, so order is kept. What the app
refuses never blocks the batches behind it: ``triage.Triage`` splits it, cuts it or sets
it aside with its reason (``delivery`` says how each answer is read).

Each request says how many events wait in this process's spool and how many batches are
set aside (``X-Helpdesk-Spool-*`` headers), so the app's ``/readyz`` and dashboard show it.
Without a spool, a failed batch is retried ``max_retries`` times in memory and then dropped.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import re
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from . import batches
from .delivery import Post, Result, cut_off, urllib_post, verdict
from .spool import BatchSpool
from .triage import Counts, Triage

logger = logging.getLogger(__name__)

_STOP = object()
_PROBE = b'{"events": []}'
# Headers of every request: which spool reports, what waits in it, what is set aside.
SPOOL_HEADER = "X-Helpdesk-Spool"
SLOT_HEADER = "X-Helpdesk-Spool-Slot"
PENDING_HEADER = "X-Helpdesk-Spool-Pending"
REJECTED_HEADER = "X-Helpdesk-Spool-Rejected"
_MAX_SPOOL_NAME = 200
RESCAN_S = 30.0  # how often the spool looks for batches put back by hand


class EventShipper:
    """A bounded queue, one sender thread and, optionally, a spool on disk.

    Raises:
        ValueError: the URL is not http(s), or ``max_body_bytes`` (or its variable) is under 1024.
    """

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
        max_body_bytes: int | None = None,
        server_error_attempts: int = 5,
        server_error_window_s: float = 600.0,
        post: Post | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"the events URL must be http(s)://..., got {url!r}")
        limit = batches.BodyLimit(batches.default_max_body_bytes() if max_body_bytes is None else max_body_bytes)
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
        if self._spool is not None:
            self._headers[SPOOL_HEADER] = _spool_name(self._spool.root)
            self._headers[SLOT_HEADER] = self._spool.dir.name
        self._counts = Counts()
        self._triage = Triage(
            self._spool,
            limit,
            self._counts,
            batch_size=batch_size,
            server_error_attempts=server_error_attempts,
            server_error_window_s=server_error_window_s,
            probe=self._probe,
        )
        self._backoff_s = retry_backoff_s
        self._next_retry = 0.0
        self._next_rescan = time.monotonic() + RESCAN_S
        self._closing = threading.Event()
        self._last_drop_log = 0.0
        self._last_retry_log = 0.0
        self._thread = threading.Thread(target=self._run, name="helpdesk-event-shipper", daemon=True)
        self._thread.start()

    @property
    def sent(self) -> int:
        """Events the app has taken."""
        return self._counts.sent

    @property
    def dropped(self) -> int:
        """Events lost: the queue or the spool was full, or (without a spool) the app did not answer."""
        return self._counts.dropped

    @property
    def failed_batches(self) -> int:
        """Batches (or single events) the app would not take."""
        return self._counts.failed_batches

    @property
    def set_aside(self) -> int:
        """Of those, the ones kept in ``<spool>/rejected/``."""
        return self._counts.set_aside

    @property
    def max_body_bytes(self) -> int:
        """The largest body sent: as configured, or lower once the app refused a smaller one."""
        return self._triage.limit.value

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
                events, stop = self._collect()
                try:
                    if events:
                        self._dispatch(events)
                    self._rescan()
                    due = self._spool is not None and len(self._spool) and time.monotonic() >= self._next_retry
                    if due and not stop:
                        self._drain_spool()
                except Exception:  # never let the thread die
                    logger.exception("sending %d events failed unexpectedly", len(events))
        finally:
            if self._spool is not None:
                self._spool.close()

    def _collect(self) -> tuple[list[Any], bool]:
        """The next events (waiting for the first, or until the spool is due), and whether to stop."""
        wait: float | None = None
        if self._spool is not None:
            due = self._next_retry if len(self._spool) else self._next_rescan
            wait = max(0.0, min(due, self._next_rescan) - time.monotonic())
        try:
            first = self._queue.get(timeout=wait)
        except queue.Empty:
            return [], False
        if first is _STOP:
            return [], True
        events: list[Any] = [first]
        deadline = time.monotonic() + self._flush_interval_s
        while len(events) < self._batch_size:
            remaining = deadline - time.monotonic()
            try:
                item = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                return events, True
            events.append(item)
        return events, False

    def _rescan(self) -> None:
        if self._spool is None or time.monotonic() < self._next_rescan:
            return
        self._next_rescan = time.monotonic() + RESCAN_S
        if self._spool.rescan():
            self._next_retry = 0.0  # send them now

    def _dispatch(self, events: list[Any]) -> None:
        for batch_id, body, n in self._triage.bodies(events):
            if self._spool is None:
                self._send_without_spool(body, n)
            elif len(self._spool):  # behind batches already waiting: keep the order
                self._to_spool(batch_id, body, n)
            else:
                self._send_first(batch_id, body, n)

    def _send_first(self, batch_id: str, body: bytes, n: int) -> None:
        """Nothing waits: send at once; what does not go through is spooled and handled as the spool's head."""
        result = self._attempt(body, n, batch_id)
        if result.verdict == "sent":
            return
        if result.verdict == "refused":
            self._triage.set_aside(batch_id, body, n, result)
            return
        if not self._to_spool(batch_id, body, n):
            return
        if self._triage.first_failed(batch_id, body, result):
            self._next_retry = time.monotonic()
        else:
            self._schedule_retry()

    def _drain_spool(self) -> None:
        """Send spooled batches, oldest first, until one must wait (then retry later) or none is left."""
        assert self._spool is not None
        while not self._closing.is_set():
            head = self._spool.oldest()
            if head is None:
                self._backoff_s = self._retry_backoff_s
                logger.info("event spool drained: every recorded turn has reached %s", self.url)
                return
            if self._triage.over_limit(head):
                continue
            result = self._attempt(head.body, head.events, head.key)
            if not self._triage.settle(head, result):
                self._schedule_retry()
                return

    def _to_spool(self, batch_id: str, body: bytes, n: int) -> bool:
        assert self._spool is not None
        try:
            if self._spool.append(batch_id, body, n):
                return True
            reason = f"event spool {self._spool.dir} is full ({self._spool.size_bytes} bytes)"
        except OSError as e:
            reason = f"cannot write to the event spool {self._spool.dir}: {e}"
        self._drop(n, reason)
        return False

    def _schedule_retry(self) -> None:
        self._next_retry = time.monotonic() + self._backoff_s
        self._backoff_s = min(self._max_backoff_s, self._backoff_s * 2)

    # --- one request ----------------------------------------------------------------

    def _attempt(self, body: bytes, n: int, key: str | None) -> Result:
        """One POST, read as ``delivery.verdict`` says."""
        try:
            reply = self._post(self.url, body, self._request_headers(), self._timeout_s)
        except OSError as e:
            big = len(body) > batches.MIN_MAX_BODY_BYTES
            if cut_off(e) and big and self._triage.cut_off(key) and self._probe():
                # Cut off twice while sending this body, and the app takes a small one: it refuses the size.
                return Result("too_large", None, f"the app closed the connection while {len(body)} bytes were sent")
            self._log_retry(f"{e.__class__.__name__}: {e}")
            return Result("retry")
        result = Result(verdict(reply.status, spooled=self._spool is not None), reply.status, reply.message)
        if result.verdict == "sent":
            self._counts.sent += n
        elif result.verdict in ("retry", "server_error"):
            self._log_retry(f"HTTP {reply.status}: {reply.message}")
        return result

    def _probe(self) -> bool:
        """Whether the app records an empty batch now: it is up, and so is its database."""
        try:
            reply = self._post(self.url, _PROBE, self._request_headers(), self._timeout_s)
        except OSError:
            return False
        return 200 <= reply.status < 300

    def _request_headers(self) -> dict[str, str]:
        if self._spool is None:
            return self._headers
        return {
            **self._headers,
            PENDING_HEADER: str(self._spool.events),
            REJECTED_HEADER: str(self._spool.rejected()),
        }

    # --- without a spool ------------------------------------------------------------

    def _send_without_spool(self, body: bytes, n: int) -> None:
        """Retry in memory a few times, then drop; split what is too large."""
        attempt = 0
        while True:
            result = self._attempt(body, n, None)
            if result.verdict == "sent":
                return
            if result.verdict == "too_large":
                limit = self._triage.limit.lower(len(body), f"HTTP {result.status}: {result.message}")
                for _, piece, count in self._triage.bodies(batches.events_of(body)[1], min(limit, len(body) - 1)):
                    self._send_without_spool(piece, count)
                return
            if result.verdict == "refused":
                self._triage.set_aside(uuid.uuid4().hex, body, n, result)
                return
            attempt += 1
            if attempt > self._max_retries or self._closing.is_set():
                self._counts.failed_batches += 1
                self._drop(n, f"could not reach {self.url} after {attempt} attempts")
                return
            self._closing.wait(self._retry_backoff_s * 2 ** (attempt - 1))

    # --- logs -----------------------------------------------------------------------

    def _log_retry(self, error: str) -> None:
        now = time.monotonic()
        if now - self._last_retry_log > 10:
            self._last_retry_log = now
            where = f"kept in {self._spool.dir}, retried" if self._spool is not None else "retried"
            logger.warning("cannot send events to %s (%s); %s", self.url, error, where)

    def _drop(self, n: int, reason: str) -> None:
        self._counts.dropped += n
        now = time.monotonic()
        if now - self._last_drop_log > 10:
            self._last_drop_log = now
            logger.warning("%s: %d events dropped so far", reason, self.dropped)


def _spool_name(root: Path) -> str:
    """Which spool reports (host and folder), as a header value: printable ASCII, bounded."""
    name = f"{socket.gethostname()}:{root.resolve()}"
    return re.sub(r"[^\x21-\x7e]", "?", name)[-_MAX_SPOOL_NAME:]
