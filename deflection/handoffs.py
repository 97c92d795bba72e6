"""Hand-off records: a conversation passed to a human, kept in SQLite.

Each record keeps the transcript, the channel and the last candidates, so the person
who picks it up does not have to ask again.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS handoffs (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    language TEXT NOT NULL,
    reason TEXT NOT NULL,
    transcript TEXT NOT NULL,
    candidates TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open'
)
"""


class HandoffError(Exception):
    """A hand-off could not be stored or found."""


@dataclass(frozen=True)
class TranscriptLine:
    """One message of the conversation."""

    sender: str
    text: str
    timestamp: float | None = None


@dataclass(frozen=True)
class Handoff:
    """A conversation handed to a human."""

    id: str
    created_at: str
    conversation_id: str
    channel: str
    language: str
    reason: str
    transcript: list[TranscriptLine]
    candidates: list[dict[str, Any]]
    status: str = "open"


class HandoffStore:
    """SQLite-backed hand-off records; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)
        self._db.commit()

    def create(
        self,
        conversation_id: str,
        channel: str,
        language: str,
        reason: str,
        transcript: list[TranscriptLine],
        candidates: list[dict[str, Any]],
    ) -> Handoff:
        """Store a new hand-off and return it."""
        handoff = Handoff(
            f"ho-{uuid.uuid4().hex[:12]}",
            datetime.now(UTC).isoformat(),
            conversation_id,
            channel,
            language,
            reason,
            transcript,
            candidates,
        )
        with self._lock:
            self._db.execute(
                "INSERT INTO handoffs (id, created_at, conversation_id, channel, language, reason, transcript,"
                " candidates, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    handoff.id,
                    handoff.created_at,
                    conversation_id,
                    channel,
                    language,
                    reason,
                    json.dumps([asdict(t) for t in transcript], ensure_ascii=False),
                    json.dumps(candidates, ensure_ascii=False),
                    handoff.status,
                ),
            )
            self._db.commit()
        return handoff

    def get(self, handoff_id: str) -> Handoff:
        """The hand-off with this id.

        Raises:
            HandoffError: there is none.
        """
        with self._lock:
            row = self._db.execute(
                "SELECT id, created_at, conversation_id, channel, language, reason, transcript, candidates, status"
                " FROM handoffs WHERE id = ?",
                (handoff_id,),
            ).fetchone()
        if row is None:
            raise HandoffError(f"no hand-off has id {handoff_id!r}")
        transcript = [TranscriptLine(**t) for t in json.loads(row[6])]
        return Handoff(row[0], row[1], row[2], row[3], row[4], row[5], transcript, json.loads(row[7]), row[8])

    def close(self) -> None:
        with self._lock:
            self._db.close()
