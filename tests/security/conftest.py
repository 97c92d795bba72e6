"""Apps built by the real factory with security settings chosen per test (real index, TestClient)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from helpdesk.settings import Settings

ADMIN_TOKEN = "adm-9f2c41d7e0b84a55"
EVENTS_TOKEN = "evt-51be07c3aa1f4d02"

AppFactory = Callable[..., Any]


@pytest.fixture(scope="session")
def security_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root: Path = tmp_path_factory.mktemp("security")
    return root


@pytest.fixture(scope="session")
def make_client(security_root: Path) -> Callable[..., Any]:
    """``with make_client(rate_limit="5/minute") as client:`` an app with those settings.

    The index is built once (first app) and shared; records go to a fresh folder per app.
    """
    counter = iter(range(1_000_000))

    @contextmanager
    def factory(client: tuple[str, int] = ("testclient", 50000), **overrides: Any) -> Iterator[TestClient]:
        data = security_root / f"data-{next(counter)}"
        values: dict[str, Any] = {
            "index_dir": security_root / "index",
            "data_dir": data,
            "threads": 2,
            "rate_limit": "off",
            "admin_token": ADMIN_TOKEN,
            "events_token": EVENTS_TOKEN,
            **overrides,
        }
        with TestClient(create_app(Settings(**values)), raise_server_exceptions=False, client=client) as c:
            yield c

    return factory


@pytest.fixture(scope="session")
def open_client(make_client: Callable[..., Any]) -> Iterator[TestClient]:
    """No rate limit (the bad-input suite sends hundreds of requests), default body ceiling."""
    with make_client() as client:
        yield client
