"""Batches of events kept on disk until the app has them: a restart or a long outage loses nothing.

Standard library only (it runs in Rasa's environment). A spool is a folder of slots,
``slot-0``, ``slot-1``, ...; each process holds one slot with an exclusive ``flock`` for
its lifetime, so several Rasa processes may share the folder (and a volume) safely. A
batch is one file, written to a temporary name, flushed to disk and renamed, so a crash
leaves either the whole batch or nothing. Names sort by creation time, so batches go out
in the order they were made. Slots whose process is gone are adopted at start: their
batches move into this process's slot and are sent with its own.

A file is named ``<time_ns>-<key>-n<events>.batch.json``: ``key`` is the batch id, and
the pieces a batch is split into (``replace``) extend it (``<key>a``, ``<key>b``, ...), so
they sort exactly where the batch was. Pieces are written before the batch is removed; a
crash in between leaves both, and at start the batch wins (its pieces are deleted and it
is split again, into pieces with the same ids, which the app records once).

Batches the app refuses for what they are are moved to ``<root>/rejected/``, each beside
a ``.reason.json`` that says why (status, the app's message, when); a person looks at them
there, and moves a batch back into a slot folder to send it again.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

logger = logging.getLogger(__name__)

_SUFFIX = ".batch.json"
_REASON_SUFFIX = ".reason.json"
_MAX_SLOTS = 256
REJECTED = "rejected"
_NAME = re.compile(r"^(?P<ts>\d{20})-(?P<key>[^.]+?)(?:-n(?P<n>\d+))?\.batch\.json$")
_REJECTED_RECOUNT_S = 30.0


class SpoolError(RuntimeError):
    """The spool folder cannot be used (not writable, or every slot taken)."""


@dataclass(frozen=True)
class Spooled:
    """One batch waiting in the spool."""

    path: Path
    body: bytes
    events: int

    @property
    def key(self) -> str:
        """The batch's key (its batch id, or the id of the batch it is a piece of, extended)."""
        return self.key_of(self.path)

    @staticmethod
    def key_of(path: Path) -> str:
        match = _NAME.match(path.name)
        return match["key"] if match is not None else path.name


class BatchSpool:
    """One process's slot of the spool: append, read the oldest, remove it once sent.

    Args:
        root: the spool folder (created if missing).
        max_bytes: past this much spooled data, ``append`` refuses (returns False) instead of filling the disk.

    Raises:
        SpoolError: the folder cannot be created or written, or all slots are held by live processes.
    """

    def __init__(self, root: str | Path, *, max_bytes: int = 512 * 1024 * 1024) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self.dir, self._lock = self._claim_slot()
        except OSError as e:
            raise SpoolError(
                f"cannot use the event spool folder {self.root}: {e}; "
                "set HELPDESK_EVENTS_SPOOL to a writable folder (a volume, so batches survive a restart)"
            ) from e
        self._files: deque[Path] = deque()
        self._counts: dict[Path, int] = {}
        self._bytes = 0
        self._rejected: int | None = None
        self._rejected_at = 0.0
        for partial in self.dir.glob("*.tmp"):  # a crash while writing: that batch was never acknowledged
            partial.unlink()
        self._adopt_orphans()
        for path in _drop_half_split(sorted(self.dir.glob(f"*{_SUFFIX}"))):
            self._track(path, _events_in(path))
        if self._files:
            logger.info("event spool %s: %d batches from before the restart will be sent", self.dir, len(self._files))

    def __len__(self) -> int:
        return len(self._files)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    @property
    def events(self) -> int:
        """Events in the batches waiting in this slot."""
        return sum(self._counts.values())

    def append(self, batch_id: str, body: bytes, events: int) -> bool:
        """Write a batch durably; False when the spool is full (the caller counts it as dropped)."""
        if self._bytes + len(body) > self.max_bytes:
            return False
        path = _write(self.dir, _name(time.time_ns(), batch_id, events), body)
        self._track(path, events)
        return True

    def rescan(self) -> int:
        """Take the batches a person moved into this slot (from ``rejected/``, to send them again); how many."""
        known = set(self._files)
        try:
            new = [path for path in self.dir.glob(f"*{_SUFFIX}") if path not in known]
        except OSError:
            return 0
        for path in new:
            self._track(path, _events_in(path))
        if new:
            self._files = deque(sorted(self._files))  # names sort by creation time: an old batch goes first
            logger.info("event spool %s: %d batches put back by hand will be sent", self.dir, len(new))
        return len(new)

    def oldest(self) -> Spooled | None:
        """The batch to send next, or None when the spool is empty."""
        while self._files:
            path = self._files[0]
            try:
                return Spooled(path, path.read_bytes(), self._counts.get(path, 0))
            except FileNotFoundError:  # removed by hand: nothing to send
                self._forget(path)
        return None

    def remove(self, path: Path) -> None:
        """Forget a sent batch."""
        self._forget(path)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

    def replace(self, path: Path, pieces: Sequence[tuple[str, bytes, int]]) -> list[Path]:
        """Put ``pieces`` (key suffix, body, events) where the batch at ``path`` was, in their order.

        The pieces are written first, then the batch is removed (see the module's note on a crash).
        """
        match = _NAME.match(path.name)
        if match is None:
            raise ValueError(f"{path} is not a spooled batch")
        written = [
            _write(self.dir, _name(int(match["ts"]), match["key"] + suffix, events), body)
            for suffix, body, events in pieces
        ]
        self._forget(path)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        for piece, (_, body, events) in zip(reversed(written), reversed(pieces), strict=True):
            self._files.appendleft(piece)
            self._counts[piece] = events
            self._bytes += len(body)
        return written

    def reject(self, batch_id: str, body: bytes, reason: Mapping[str, Any], *, path: Path | None = None) -> Path:
        """Set a batch aside in ``<root>/rejected/`` with its ``reason``, for a person to look at.

        With ``path`` (a spooled batch) the file is moved there; otherwise ``body`` is written there.
        """
        kept = self.root / REJECTED
        kept.mkdir(exist_ok=True)
        if path is not None and path.exists():
            self._forget(path)
            target = kept / path.name
            path.rename(target)
        else:
            if path is not None:
                self._forget(path)
            target = _write(kept, _name(time.time_ns(), batch_id, _count(body)), body)
        reason_path = target.with_name(target.name.removesuffix(_SUFFIX) + _REASON_SUFFIX)
        reason_path.write_text(json.dumps(dict(reason), ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        if self._rejected is not None:
            self._rejected += 1
        return target

    def rejected(self) -> int:
        """Batches set aside in ``<root>/rejected/`` (by any process of this spool), recounted now and then."""
        now = time.monotonic()
        if self._rejected is None or now - self._rejected_at > _REJECTED_RECOUNT_S:
            try:
                self._rejected = sum(1 for _ in (self.root / REJECTED).glob(f"*{_SUFFIX}"))
            except OSError:
                self._rejected = 0
            self._rejected_at = now
        return self._rejected

    def close(self) -> None:
        """Release the slot (its batches stay on disk for the next process)."""
        with contextlib.suppress(OSError):
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()

    def _track(self, path: Path, events: int) -> None:
        self._files.append(path)
        self._counts[path] = events
        with contextlib.suppress(FileNotFoundError):
            self._bytes += path.stat().st_size

    def _forget(self, path: Path) -> None:
        if self._files and self._files[0] == path:
            self._files.popleft()
        else:
            with contextlib.suppress(ValueError):
                self._files.remove(path)
        self._counts.pop(path, None)
        with contextlib.suppress(FileNotFoundError):
            self._bytes = max(0, self._bytes - path.stat().st_size)

    def _claim_slot(self) -> tuple[Path, IO[str]]:
        for n in range(_MAX_SLOTS):
            slot = self.root / f"slot-{n}"
            lock = _try_lock(slot)
            if lock is not None:
                return slot, lock
        raise SpoolError(f"all {_MAX_SLOTS} slots of {self.root} are held by running processes")

    def _adopt_orphans(self) -> None:
        """Move the batches of slots no live process holds into ours (oldest-first order is by name)."""
        for slot in sorted(self.root.glob("slot-*")):
            if slot == self.dir or not any(slot.glob(f"*{_SUFFIX}")):
                continue
            lock = _try_lock(slot)
            if lock is None:
                continue  # a live process sends these itself
            try:
                moved = 0
                for path in slot.glob(f"*{_SUFFIX}"):
                    path.rename(self.dir / path.name)
                    moved += 1
                logger.info("event spool: adopted %d batches left in %s", moved, slot)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
                lock.close()


def _name(ts: int, key: str, events: int) -> str:
    return f"{ts:020d}-{key}-n{events}{_SUFFIX}"


def _events_in(path: Path) -> int:
    """The events of a spooled batch: from its name, or (a batch spooled before names held it) its body."""
    match = _NAME.match(path.name)
    if match is not None and match["n"] is not None:
        return int(match["n"])
    try:
        return _count(path.read_bytes())
    except OSError:
        return 0


def _count(body: bytes) -> int:
    try:
        events = json.loads(body).get("events")
    except (ValueError, AttributeError):
        return 0
    return len(events) if isinstance(events, list) else 0


def _drop_half_split(paths: list[Path]) -> list[Path]:
    """Delete the pieces of a batch that is still there (a crash while it was being split); the rest, in order."""
    keys: dict[str, set[str]] = {}
    for path in paths:
        match = _NAME.match(path.name)
        if match is not None:
            keys.setdefault(match["ts"], set()).add(match["key"])
    kept = []
    for path in paths:
        match = _NAME.match(path.name)
        if match is not None and any(
            other != match["key"] and match["key"].startswith(other) for other in keys[match["ts"]]
        ):
            logger.warning("event spool: %s is a piece of a batch still spooled whole; deleted", path.name)
            path.unlink()
            continue
        kept.append(path)
    return kept


def _write(folder: Path, name: str, body: bytes) -> Path:
    """Write ``body`` as ``folder/name``: a temporary file, flushed to disk, then renamed."""
    path = folder / name
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        f.write(body)
        f.flush()
        os.fsync(f.fileno())
    tmp.rename(path)
    return path


def _try_lock(slot: Path) -> IO[str] | None:
    slot.mkdir(exist_ok=True)
    lock = open(slot / "lock", "w")  # noqa: SIM115 - held for the process's lifetime
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        return None
    return lock
