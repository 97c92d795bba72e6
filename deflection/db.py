"""Database engine and migrations: SQLite by default, PostgreSQL (psycopg 3) when asked."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError, SQLAlchemyError

from deflection.errors import DatabaseUnreachableError, StoreUnavailableError

# What a database that is down (or restarting) raises; the API answers these with 503.
OUTAGE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
# A database that does not answer should fail a request in seconds, not hang it.
_PG_CONNECT_TIMEOUT_S = 5

# Any fixed number: it names the lock that serialises migrations across processes.
_PG_MIGRATION_LOCK = 73_162_026


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://...``).

    SQLite gets WAL, a busy timeout and foreign keys, and its folder is created.

    Raises:
        StoreUnavailableError: the URL is malformed or names an unsupported database.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as e:
        raise StoreUnavailableError(
            f"HELPDESK_DATABASE_URL {url!r} is not a database URL; "
            "use sqlite:///var/helpdesk.db or postgresql+psycopg://user:pass@host/db"
        ) from e
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend == "postgresql":
        if parsed.get_driver_name() != "psycopg":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(
            parsed,
            pool_pre_ping=True,
            pool_size=5,
            max_overflow=5,
            connect_args={"connect_timeout": _PG_CONNECT_TIMEOUT_S},
        )
    raise StoreUnavailableError(f"database {backend!r} is not supported; use sqlite or postgresql+psycopg")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def migrations_dir() -> Path:
    """The Alembic scripts: shipped inside the package (``deflection/migrations``), so an installed
    app migrates its database wherever it runs."""
    folder = Path(__file__).resolve().parent / "migrations"
    if not (folder / "env.py").exists():
        raise StoreUnavailableError(
            f"the migrations are missing from the installed package ({folder}); reinstall cvm-helpdesk"
        )
    return folder


def alembic_config(engine: Engine) -> Any:
    """An Alembic ``Config`` for ``engine`` that does not need ``alembic.ini``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Migrate the database to ``revision``; safe when several processes start at once.

    Returns:
        The revision the database is at afterwards.

    Raises:
        DatabaseUnreachableError: the database does not answer (start it, or wait: it may be restarting).
        StoreUnavailableError: a migration failed.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    config = alembic_config(engine)
    try:
        with _migration_lock(engine), engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        with engine.connect() as connection:
            current: str | None = MigrationContext.configure(connection).get_current_revision()
            return current
    except OUTAGE_ERRORS as e:
        raise DatabaseUnreachableError(
            f"the database at {engine.url.render_as_string(hide_password=True)} does not answer: "
            f"{e.__class__.__name__}: {str(e).splitlines()[0]}; "
            "check HELPDESK_DATABASE_URL and that the database is running"
        ) from e
    except SQLAlchemyError as e:
        raise StoreUnavailableError(
            f"cannot migrate the database at {engine.url.render_as_string(hide_password=True)}: "
            f"{e.__class__.__name__}: {str(e).splitlines()[0]}; "
            "check HELPDESK_DATABASE_URL and that the database is running"
        ) from e


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """One migrating process at a time: an advisory lock on PostgreSQL, a file lock beside a SQLite file."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK})
                connection.commit()
        return
    database = engine.url.database or ""
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
