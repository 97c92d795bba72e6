"""Hand-off tickets kept on disk while the database is down, stored when it is back.

A user who asks for a human during a database outage still gets a ticket id at once: the
ticket is written here (one JSON file, flushed to disk, then renamed into place) and
``drain`` stores it, with the same id and time, once the database answers. Several
workers may share the folder: each file is taken under an exclusive ``flock``, and a
ticket stored twice is stored once (its id is the key).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
from dataclasses import asdict, replace
from pathlib import Path

from deflection.tickets import Ticket, TicketStore, TranscriptLine

log = logging.getLogger("helpdesk.deflection")


class HandoffOutbox:
    """A folder of tickets waiting for the database."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def put(self, ticket: Ticket) -> Ticket:
        """Keep ``ticket`` on disk; returns it marked ``queued``."""
        self.folder.mkdir(parents=True, exist_ok=True)
        queued = replace(ticket, delivery_status="queued")
        path = self.folder / f"{ticket.id}.json"
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(asdict(queued), f, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        tmp.rename(path)
        return queued

    def waiting(self) -> int:
        return len(list(self.folder.glob("*.json"))) if self.folder.exists() else 0

    def drain(self, tickets: TicketStore, *, deliver: bool) -> list[str]:
        """Store every waiting ticket (oldest first); returns the ids stored.

        Raises whatever the database raises when it is still down; what is not stored stays.
        """
        stored: list[str] = []
        if not self.folder.exists():
            return stored
        for path in sorted(self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime):
            try:
                f = open(path, encoding="utf-8")  # noqa: SIM115 - closed below, after the unlink
            except FileNotFoundError:
                continue  # another worker stored it
            with f:
                try:
                    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # another worker is storing it
                if not path.exists():
                    continue
                ticket = _load(f.read())
                tickets.insert(ticket, deliver=deliver)
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                stored.append(ticket.id)
        if stored:
            log.warning("stored %d hand-off tickets kept while the database was down", len(stored))
        return stored


def _load(text: str) -> Ticket:
    data = json.loads(text)
    data["transcript"] = [TranscriptLine(**t) for t in data["transcript"]]
    data["deliveries"] = []
    data["delivery_status"] = "pending"
    return Ticket(**data)
