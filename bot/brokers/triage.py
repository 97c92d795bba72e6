"""What becomes of a batch the app did not take: split, cut to fit, set aside with its reason, or wait.

Standard library only (it runs in Rasa's environment). The shipper sends; ``Triage``
decides, from the app's answer (``delivery.Result``), the fate of the spool's oldest
batch, so that nothing the app refuses ever holds up the batches behind it:

* too large (413, or the connection cut off mid-body while the app takes an empty batch):
  split under the limit the app takes (``batches.BodyLimit``); one event, cut to fit;
* refused for what it is (400, 422, ...): set aside in ``<spool>/rejected/``, beside a
  ``.reason.json`` (status, the app's message, when);
* 500 at least ``server_error_attempts`` times over at least ``server_error_window_s``,
  while the app records an empty batch (so it is up, and its database too): the content
  is the cause; the batch is halved, each half tried at once, down to the one event the
  app cannot take, which is set aside. An app failing every batch, 503, and no answer at
  all are waited out, in order, for as long as it takes.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import batches
from .delivery import Result
from .spool import BatchSpool, Spooled

logger = logging.getLogger(__name__)


@dataclass
class Counts:
    """What became of the events and batches so far."""

    sent: int = 0  # events the app took
    dropped: int = 0  # events lost: the queue or the spool was full, or no spool to wait in
    failed_batches: int = 0  # batches (or single events) the app would not take
    set_aside: int = 0  # of those, kept in <spool>/rejected/


class Triage:
    """The fate of batches the app did not take; with a spool, of the spool's oldest batch."""

    def __init__(
        self,
        spool: BatchSpool | None,
        limit: batches.BodyLimit,
        counts: Counts,
        *,
        batch_size: int,
        server_error_attempts: int,
        server_error_window_s: float,
        probe: Callable[[], bool],
    ) -> None:
        self._spool = spool
        self.limit = limit
        self._counts = counts
        self._batch_size = batch_size
        self._probe = probe
        self._head = _HeadFailures(server_error_attempts, server_error_window_s)
        self._suspects: set[str] = set()  # pieces of a batch the app fails on: a 500 halves them at once

    # --- bodies -------------------------------------------------------------------

    def bodies(self, events: Sequence[Any], limit: int | None = None) -> list[tuple[str, bytes, int]]:
        """``events`` as (batch id, body, count) under the limit; an event that cannot fit is set aside."""
        limit = self.limit.value if limit is None else limit
        fitted = [d for d in (self.fit(e, limit) for e in events) if d is not None]
        made = []
        for group in batches.pack(fitted, limit, self._batch_size):
            batch_id = uuid.uuid4().hex
            made.append((batch_id, batches.body(batch_id, group), len(group)))
        return made

    def fit(self, event: Any, limit: int, result: Result | None = None) -> bytes | None:
        """``event`` encoded to fit in a body of ``limit`` bytes (cut if need be), or None: set aside."""
        encoded = batches.encode(event)
        fitted = batches.fit(event, encoded, limit)
        if isinstance(fitted, batches.Oversized):
            said = f"; the app said: {result.message}" if result is not None and result.message else ""
            status = result.status if result is not None else None
            batch_id = uuid.uuid4().hex
            body = batches.body(batch_id, [encoded])
            self.set_aside(batch_id, body, 1, Result("refused", status, fitted.reason + said))
            return None
        if fitted is not encoded:
            logger.warning(
                "an event of %d bytes (conversation %s) is over the body limit of %d bytes: its text was cut "
                "to fit (%s marks the fields and their lengths)",
                len(encoded),
                event.get("sender_id") if isinstance(event, dict) else None,
                limit,
                batches.TRUNCATED,
            )
        return fitted

    # --- the first attempt, and the spool's head ----------------------------------

    def first_failed(self, batch_id: str, body: bytes, result: Result) -> bool:
        """A new batch, just spooled after ``result``; True to handle it at once rather than after a backoff."""
        if result.verdict == "too_large":
            self.limit.lower(len(body), _why(result))  # the drain then splits it before sending
            return True
        if result.verdict == "server_error":
            self._head.failed(batch_id)
        return False

    def cut_off(self, key: str | None) -> bool:
        """Count a connection cut off while sending batch ``key``; True from the second in a row."""
        return self._head.cut_off(key)

    def over_limit(self, head: Spooled) -> bool:
        """Split the head, without sending it, if it is over the limit (spooled before the limit was lowered)."""
        if len(head.body) <= self.limit.value:
            return False
        self._split(head, self.limit.value, None)
        return True

    def settle(self, head: Spooled, result: Result) -> bool:
        """Act on the head's ``result``; False when it must wait for a retry."""
        assert self._spool is not None
        if result.verdict == "sent":
            self._spool.remove(head.path)
            self._suspects.discard(head.key)
            self._head.forget()
            return True
        if result.verdict == "refused":
            self._set_aside_head(head, result)
            return True
        if result.verdict == "too_large":
            self._shrink(head, result)
            return True
        if result.verdict == "server_error":
            judged = head.key in self._suspects or self._head.failed(head.key)
            if judged and self._probe():
                self._bisect(head, result)
                return True
        return False

    def set_aside(self, batch_id: str, body: bytes, n: int, result: Result) -> None:
        """Keep a batch the app will not take in ``<spool>/rejected/`` with its reason (without a spool: drop it)."""
        self._counts.failed_batches += 1
        if self._spool is None:
            logger.error("events endpoint cannot take a batch of %d events (%s); dropped", n, _why(result))
            return
        kept = self._spool.reject(batch_id, body, _reason(batch_id, body, n, result))
        self._log_set_aside(n, result, kept)

    # --- splitting ------------------------------------------------------------------

    def _shrink(self, head: Spooled, result: Result) -> None:
        """The app refused the head as too large: send it as smaller pieces, each smaller than it was.

        Under the limit the app takes, as far as the broker can tell; when that is no smaller
        (a 413 for a body under 1 KiB), in halves; one event, cut shorter, or set aside.
        """
        size = len(head.body)
        limit = self.limit.lower(size, _why(result))
        events = _events(head.body)
        if limit < size or events is None:
            self._split(head, limit, result)
        elif len(events) > 1:
            self._replace(head, batches.halves(events))
        else:
            cut = [d for d in (self.fit(e, size - 1, result) for e in events) if d is not None]
            self._replace(head, [cut] if cut else [])

    def _split(self, head: Spooled, limit: int, result: Result | None) -> None:
        """Put the head's events back as bodies under ``limit`` (one event: cut to fit, or set aside)."""
        events = _events(head.body)
        if events is None:
            status = result.status if result is not None else None
            self._set_aside_head(head, Result("refused", status, "the spooled file is not a batch of events"))
            return
        fitted = [d for d in (self.fit(e, limit, result) for e in events) if d is not None]
        groups = batches.pack(fitted, limit, self._batch_size)
        self._replace(head, groups)
        logger.warning(
            "a batch of %d events (%d bytes) is over the body limit of %d bytes: sent as %d smaller batches",
            head.events,
            len(head.body),
            limit,
            len(groups),
        )

    def _bisect(self, head: Spooled, result: Result) -> None:
        """The app fails on this batch but records others: halve it to find the event, or set that event aside."""
        self._head.forget()
        self._suspects.discard(head.key)
        events = _events(head.body) or []
        if len(events) <= 1:
            reason = (
                f"the app answered HTTP {result.status} to this batch on every attempt, while it recorded "
                f"other batches: {result.message}"
            )
            self._set_aside_head(head, Result("refused", result.status, reason))
            return
        for path in self._replace(head, batches.halves(events)):
            self._suspects.add(Spooled.key_of(path))
        logger.warning(
            "the app fails on a batch of %d events (HTTP %s: %s) but records others: halving it to find the event",
            len(events),
            result.status,
            result.message,
        )

    def _replace(self, head: Spooled, groups: list[list[bytes]]) -> list[Path]:
        """The head's pieces, in its place; their keys extend its key, so they sort where it was."""
        assert self._spool is not None
        width = len(str(max(0, len(groups) - 1)))
        pieces = []
        for i, group in enumerate(groups):
            suffix = f"{i:0{width}d}"
            pieces.append((suffix, batches.body(_batch_id(head.key + suffix), group), len(group)))
        return self._spool.replace(head.path, pieces)

    def _set_aside_head(self, head: Spooled, result: Result) -> None:
        assert self._spool is not None
        self._suspects.discard(head.key)
        self._head.forget()
        self._counts.failed_batches += 1
        reason = _reason(head.key, head.body, head.events, result)
        kept = self._spool.reject(head.key, head.body, reason, path=head.path)
        self._log_set_aside(head.events, result, kept)

    def _log_set_aside(self, n: int, result: Result, kept: Path) -> None:
        self._counts.set_aside += 1
        logger.error(
            "events endpoint cannot take a batch of %d events (%s); set aside as %s, later batches go on",
            n,
            _why(result),
            kept,
        )


class _HeadFailures:
    """How the spool's head batch has been failing: 500s (how many, since when) and connections cut off."""

    def __init__(self, attempts: int, window_s: float) -> None:
        self.attempts = attempts
        self.window_s = window_s
        self.key: str | None = None
        self.errors = 0
        self.first = 0.0
        self.cuts = 0

    def failed(self, key: str) -> bool:
        """Count a 500 for batch ``key``; True once it has failed ``attempts`` times over ``window_s``."""
        self._track(key)
        self.errors += 1
        if self.errors == 1:
            self.first = time.monotonic()
        return self.errors >= self.attempts and time.monotonic() - self.first >= self.window_s

    def cut_off(self, key: str | None) -> bool:
        if key is None:
            return False
        self._track(key)
        self.cuts += 1
        return self.cuts >= 2

    def forget(self) -> None:
        self.key, self.errors, self.cuts = None, 0, 0

    def _track(self, key: str) -> None:
        if key != self.key:
            self.forget()
            self.key = key


def _events(body: bytes) -> list[Any] | None:
    try:
        return batches.events_of(body)[1]
    except ValueError:
        return None


def _why(result: Result) -> str:
    if result.status is None:
        return result.message or "no answer"
    return f"HTTP {result.status}: {result.message}" if result.message else f"HTTP {result.status}"


def _reason(batch_id: str, body: bytes, n: int, result: Result) -> dict[str, Any]:
    return {
        "batch_id": batch_id,
        "events": n,
        "bytes": len(body),
        "status": result.status,
        "message": result.message,
        "set_aside_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def _batch_id(key: str) -> str:
    """The batch id of a piece: its spool key, or (past the app's 64 characters) a digest of it."""
    return key if len(key) <= batches.MAX_BATCH_ID else hashlib.sha1(key.encode()).hexdigest()
