"""Alternate phrasings learned from "did you mean" choices, reviewed by a person.

Accepting one writes it to the knowledge folder's ``alternates.yaml`` (the knowledge
package owns that file: ``knowledge.alternates_writer``); the index picks it up at its next build.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from deflection.errors import RecordNotFoundError, SuggestionConflictError
from deflection.models import Suggestion as SuggestionRow
from deflection.tickets import iso
from knowledge import AlternateRefusedError
from knowledge.alternates_writer import add_alternate

SuggestionStatus = Literal["pending", "accepted", "rejected"]


@dataclass(frozen=True)
class Suggestion:
    """A phrasing users asked with, and the FAQ entry they then chose."""

    id: int
    faq_id: str
    phrasing: str
    count: int
    status: str
    created_at: str
    updated_at: str
    decided_at: str | None
    written: bool | None = None  # on accept: whether alternates.yaml changed


def _suggestion(row: SuggestionRow, written: bool | None = None) -> Suggestion:
    return Suggestion(
        id=row.id,
        faq_id=row.faq_id,
        phrasing=row.phrasing,
        count=row.count,
        status=row.status,
        created_at=iso(row.created_at) or "",
        updated_at=iso(row.updated_at) or "",
        decided_at=iso(row.decided_at),
        written=written,
    )


class SuggestionStore:
    """Review of learned alternate phrasings."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def find(self, status: SuggestionStatus | None = "pending", limit: int = 100) -> list[Suggestion]:
        """Suggestions, most often chosen first."""
        query = select(SuggestionRow).order_by(SuggestionRow.count.desc(), SuggestionRow.id).limit(limit)
        if status is not None:
            query = query.where(SuggestionRow.status == status)
        with self._sessions() as session:
            return [_suggestion(r) for r in session.scalars(query)]

    def get(self, suggestion_id: int) -> Suggestion:
        with self._sessions() as session:
            return _suggestion(self._row(session, suggestion_id))

    def accept(self, suggestion_id: int, knowledge_dir: Path) -> Suggestion:
        """Write the phrasing to ``knowledge_dir/alternates.yaml`` and mark the suggestion accepted.

        Raises:
            RecordNotFoundError: no suggestion has this id.
            SuggestionConflictError: it was already decided, or the FAQ refuses the phrasing.
        """
        with self._sessions() as session:
            row = self._row(session, suggestion_id)
            if row.status != "pending":
                raise SuggestionConflictError(f"suggestion {suggestion_id} is already {row.status}")
            try:
                written = add_alternate(knowledge_dir, row.faq_id, row.phrasing)
            except AlternateRefusedError as e:
                raise SuggestionConflictError(str(e)) from e
            row.status, row.decided_at = "accepted", _now()
            session.commit()
            return _suggestion(row, written)

    def reject(self, suggestion_id: int) -> Suggestion:
        """Mark the suggestion rejected (it is not offered again, however often it is chosen).

        Raises:
            RecordNotFoundError: no suggestion has this id.
            SuggestionConflictError: it was already accepted.
        """
        with self._sessions() as session:
            row = self._row(session, suggestion_id)
            if row.status == "accepted":
                raise SuggestionConflictError(
                    f"suggestion {suggestion_id} is already accepted; remove it from alternates.yaml by hand"
                )
            row.status, row.decided_at = "rejected", _now()
            session.commit()
            return _suggestion(row)

    @staticmethod
    def _row(session: Session, suggestion_id: int) -> SuggestionRow:
        row = session.get(SuggestionRow, suggestion_id)
        if row is None:
            raise RecordNotFoundError(f"no suggestion has id {suggestion_id}")
        return row


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
