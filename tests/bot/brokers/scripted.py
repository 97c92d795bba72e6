"""A scripted events endpoint for the shipper's tests, passed as its ``post``, and waiting helpers.

It plays the app's side of ``POST /v1/events``: up or down, a body limit answered with 413
(or with a connection cut off mid-body, as the app does), and a status chosen per batch.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.brokers.delivery import Reply
from bot.brokers.shipper import EventShipper

PROBE = {"events": []}


class ScriptedApp:
    """The app's answers, scripted: ``down``, ``limit`` (413 above), ``answer`` (a status for a batch's texts)."""

    def __init__(self, *, down: bool = False, limit: int | None = None, cut_off: bool = False) -> None:
        self.down = down
        self.resetting = False  # every connection reset (a proxy whose app is down), the probe's too
        self.limit = limit
        self.cut_off = cut_off  # over the limit: the connection is reset instead of a 413
        self.answer: Callable[[list[str]], tuple[int, str]] = lambda texts: (200, "")
        self.received: list[dict[str, Any]] = []  # batches recorded (2xx), probes left out
        self.bodies: list[int] = []  # the size of every body sent
        self.headers: list[dict[str, str]] = []
        self.attempts = 0
        self.probes = 0
        self._lock = threading.Lock()

    def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> Reply:
        with self._lock:
            self.attempts += 1
            self.bodies.append(len(body))
            self.headers.append(dict(headers))
            if self.down:
                raise ConnectionRefusedError("connection refused")
            if self.resetting:
                raise ConnectionResetError("connection reset by peer")
            if self.limit is not None and len(body) > self.limit:
                if self.cut_off:
                    raise ConnectionResetError("connection reset by peer")
                return Reply(413, f"request body larger than {self.limit} bytes")
            batch = json.loads(body)
            if batch == PROBE:
                self.probes += 1
            texts = [str(e.get("text")) if isinstance(e, dict) else "" for e in batch["events"]]
            status, message = self.answer(texts)
            if 200 <= status < 300 and batch != PROBE:
                self.received.append(batch)
            return Reply(status, message)

    def texts(self) -> list[str]:
        return [e["text"] for batch in self.received for e in batch["events"]]


def event(i: int | str, size: int = 0, sender: str = "c") -> dict[str, Any]:
    """A user event whose text is ``m<i>`` (padded with spaces to ``size`` characters)."""
    text = f"m{i}"
    return {"sender_id": sender, "event": "user", "timestamp": 1_764_400_000.0, "text": text.ljust(size)}


def shipper(app: ScriptedApp, spool: Path | None, **options: Any) -> EventShipper:
    """A shipper posting to ``app``, fast enough for tests."""
    settings: dict[str, Any] = {"flush_interval_s": 0.01, "retry_backoff_s": 0.01, "max_backoff_s": 0.05}
    return EventShipper("http://app.invalid/v1/events", spool_dir=spool, post=app.post, **{**settings, **options})


def wait(predicate: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def batches_on_disk(spool: Path) -> list[Path]:
    return sorted(spool.glob("slot-*/*.batch.json"))


def set_aside(spool: Path) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Each batch in ``rejected/`` with its reason, oldest first."""
    kept = []
    for path in sorted((spool / "rejected").glob("*.batch.json")):
        reason = path.with_name(path.name.removesuffix(".batch.json") + ".reason.json")
        kept.append((json.loads(path.read_bytes()), json.loads(reason.read_text())))
    return kept
