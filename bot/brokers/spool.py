"""Batches of events kept on disk until the app has them: a restart or a long outage loses nothing.

Standard library only (it runs in Rasa's environment). A spool is a folder of slots,
``slot-0``, ``slot-1``, ...; each process holds one slot with an exclusive ``flock`` for
its lifetime, so several Rasa processes may share the folder (and a volume) safely. A
batch is one file, written to a temporary name, flushed to disk and renamed, so a crash
leaves either the whole batch or nothing. Names sort by creation time, so batches go out
in the order they were made. Slots whose process is gone are adopted at start: their
batches move into this process's slot and are sent with its own.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from collections import deque
from pathlib import Path
from typing import IO

logger = logging.getLogger(__name__)

_SUFFIX = ".batch.json"
_MAX_SLOTS = 256
REJECTED = "rejected"


class SpoolError(RuntimeError):
    """The spool folder cannot be used (not writable, or every slot taken)."""


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
        self._bytes = 0
        for partial in self.dir.glob("*.tmp"):  # a crash while writing: that batch was never acknowledged
            partial.unlink()
        self._adopt_orphans()
        for path in sorted(self.dir.glob(f"*{_SUFFIX}")):
            self._files.append(path)
            self._bytes += path.stat().st_size
        if self._files:
            logger.info("event spool %s: %d batches from before the restart will be sent", self.dir, len(self._files))

    def __len__(self) -> int:
        return len(self._files)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def append(self, batch_id: str, body: bytes) -> bool:
        """Write a batch durably; False when the spool is full (the caller counts it as dropped)."""
        if self._bytes + len(body) > self.max_bytes:
            return False
        path = _write(self.dir, batch_id, body)
        self._files.append(path)
        self._bytes += len(body)
        return True

    def reject(self, batch_id: str, body: bytes) -> Path:
        """Set a batch the receiver refused aside in ``<root>/rejected/``, for a person to look at."""
        kept = self.root / REJECTED
        kept.mkdir(exist_ok=True)
        return _write(kept, batch_id, body)

    def oldest(self) -> tuple[Path, bytes] | None:
        """The batch to send next, or None when the spool is empty."""
        while self._files:
            path = self._files[0]
            try:
                return path, path.read_bytes()
            except FileNotFoundError:  # removed by hand: nothing to send
                self._files.popleft()
        return None

    def remove(self, path: Path, *, keep_as: str | None = None) -> None:
        """Forget a sent batch; ``keep_as`` moves it into that sub-folder instead (a batch the app refused)."""
        if self._files and self._files[0] == path:
            self._files.popleft()
        else:
            with contextlib.suppress(ValueError):
                self._files.remove(path)
        with contextlib.suppress(FileNotFoundError):
            size = path.stat().st_size
            self._bytes -= size
            if keep_as:
                kept = self.root / keep_as
                kept.mkdir(exist_ok=True)
                path.rename(kept / path.name)
            else:
                path.unlink()

    def close(self) -> None:
        """Release the slot (its batches stay on disk for the next process)."""
        with contextlib.suppress(OSError):
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()

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


def _write(folder: Path, batch_id: str, body: bytes) -> Path:
    """Write ``body`` under a time-ordered name: a temporary file, flushed to disk, then renamed."""
    path = folder / f"{time.time_ns():020d}-{batch_id}{_SUFFIX}"
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
