"""Fixtures of the account tests: the fake API running on loopback, and clients for it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from account import AccountClient, AccountConfig, CallLog, Secret
from tests.account.fake_cloud import FakeCloud, FakeKey
from tests.account.scenario import REGION, SECRET_ID, SECRET_KEY, standard_account

FIXED_NOW = datetime(2026, 3, 2, 10, 32, 5, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeCloud]:
    cloud = FakeCloud(standard_account(), {SECRET_ID: FakeKey(SECRET_KEY)})
    with cloud.running():
        yield cloud


@pytest.fixture
def calls() -> CallLog:
    return CallLog()


@pytest.fixture
def sleeps() -> list[float]:
    return []


def config(endpoint: str, **overrides: Any) -> AccountConfig:
    values: dict[str, Any] = {
        "secret_id": Secret(SECRET_ID),
        "secret_key": Secret(SECRET_KEY),
        "region": REGION,
        "endpoint": endpoint,
        "timeout_s": 5.0,
    }
    values.update(overrides)
    return AccountConfig(**values)


@pytest.fixture
def make_client(calls: CallLog, sleeps: list[float]) -> Any:
    def make(endpoint: str, **overrides: Any) -> AccountClient:
        return AccountClient(config(endpoint, **overrides), calls, sleep=sleeps.append, now=lambda: FIXED_NOW)

    return make


@pytest.fixture
def client(fake: FakeCloud, make_client: Any) -> AccountClient:
    return make_client(fake.url)  # type: ignore[no-any-return]
