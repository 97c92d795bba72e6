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
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from deflection import DeflectionStore
from knowledge import DEFAULT_KNOWLEDGE_DIR

POSTGRES_ENV = "HELPDESK_TEST_POSTGRES_URL"


def postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV, "")
    if url:
        return url
    message = f'{POSTGRES_ENV} is not set; start one with: export {POSTGRES_ENV}="$(scripts/postgres.sh start)"'
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI needs PostgreSQL for the store tests: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema of the test database."""
    base = postgres_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
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
