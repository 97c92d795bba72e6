"""The deflection store: one database, its migrations, and the parts that use it."""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from deflection.account_calls import AccountCallStore
from deflection.db import make_engine, upgrade
from deflection.errors import StoreUnavailableError
from deflection.recorder import EventRecorder
from deflection.suggestions import SuggestionStore
from deflection.tickets import TicketStore


class DeflectionStore:
    """Turns, feedback, tickets, suggestions and account calls in SQLite or PostgreSQL.

    Args:
        url: a SQLAlchemy URL (``sqlite:///var/helpdesk.db``, ``postgresql+psycopg://...``).
        migrate: bring the schema to the latest migration first (the app does at start).

    Raises:
        StoreUnavailableError: the URL is wrong, or the database cannot be reached or migrated.
    """

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.engine: Engine = make_engine(url)
        self.revision: str | None = None
        if migrate:
            self.migrate()
        self.sessions: sessionmaker[Session] = sessionmaker(self.engine, expire_on_commit=False)
        self.recorder = EventRecorder(self.sessions)
        self.tickets = TicketStore(self.sessions)
        self.suggestions = SuggestionStore(self.sessions)
        self.account_calls = AccountCallStore(self.sessions)

    def migrate(self) -> str | None:
        """Bring the schema to the latest migration; returns the revision.

        Raises:
            DatabaseUnreachableError: the database does not answer.
            StoreUnavailableError: a migration failed.
        """
        self.revision = upgrade(self.engine)
        return self.revision

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def ping(self) -> None:
        """Raises StoreUnavailableError when the database does not answer."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as e:
            raise StoreUnavailableError(f"the deflection database does not answer: {e.__class__.__name__}") from e

    def close(self) -> None:
        self.engine.dispose()
