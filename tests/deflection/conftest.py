"""The deflection store on SQLite and on a real PostgreSQL (``HELPDESK_TEST_POSTGRES_URL``).

Each test gets an empty database migrated from scratch: a SQLite file in its tmp dir, or
a fresh schema in the PostgreSQL database (dropped afterwards). In CI (``CI=true``) a
missing PostgreSQL fails the run; locally those cases skip, saying how to start one.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from deflection import DeflectionStore
from knowledge import DEFAULT_KNOWLEDGE_DIR

POSTGRES_ENV = "HELPDESK_TEST_POSTGRES_URL"


def required_url(name: str, script: str, purpose: str) -> str:
    """The service URL in environment variable ``name``: CI fails without it, a local run skips."""
    url = os.environ.get(name, "")
    if url:
        return url
    message = f'{name} is not set; start one with: export {name}="$({script} start)"'
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI needs it for {purpose}: {message}", pytrace=False)
    pytest.skip(message)


def postgres_url() -> str:
    return required_url(POSTGRES_ENV, "scripts/postgres.sh", "the store tests")


@contextmanager
def fresh_schema(prefix: str) -> Iterator[str]:
    """A URL whose connections use a new, empty schema of the test database (dropped afterwards)."""
    base = postgres_url()
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    try:
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as e:  # a configured but unreachable database is a failure, not a skip
        pytest.fail(f"PostgreSQL at {POSTGRES_ENV} does not answer: {e}", pytrace=False)
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema of the test database."""
    with fresh_schema("t") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'helpdesk.db'}"
    url: str = request.getfixturevalue("postgres_schema_url")
    return url


@pytest.fixture
def store(database_url: str) -> Iterator[DeflectionStore]:
    s = DeflectionStore(database_url)
    yield s
    s.close()


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped knowledge folder."""
    target = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR, target)
    return target
