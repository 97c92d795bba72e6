"""The account calls table (migration 0004): kept per conversation, newest first, bounded, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import inspect

from deflection import AccountCallRecord, DeflectionStore
from deflection import account_calls as module
from deflection.db import alembic_config, make_engine, upgrade

AT = datetime(2026, 3, 2, 10, 32, 5, tzinfo=UTC)


def call(
    conversation: str | None, action: str = "DescribeSecurityGroups", n: int = 0, **extra: object
) -> AccountCallRecord:
    values: dict[str, object] = {
        "at": AT + timedelta(seconds=n),
        "conversation_id": conversation,
        "purpose": "deletion_check",
        "action": action,
        "service": "vpc",
        "region": "ap-guangzhou",
        "resource_ids": ("sg-old00001",),
        "result": "ok",
        "request_id": f"req-{n}",
        "duration_ms": 12.5,
        "cached": False,
        "attempt": 1,
    }
    values.update(extra)
    return AccountCallRecord(**values)  # type: ignore[arg-type]


def test_calls_are_kept_with_their_conversation(store: DeflectionStore) -> None:
    store.account_calls.add(
        [
            call("c-1", n=0),
            call(
                "c-1", "DescribeInstances", n=1, service="cvm", result="AuthFailure.SignatureFailure", request_id=None
            ),
            call("c-2", n=2, cached=True, duration_ms=0.0),
            call(None, n=3),
        ]
    )
    total, found = store.account_calls.find("c-1")
    assert total == 2
    assert [(c.action, c.result, c.request_id) for c in found] == [
        ("DescribeInstances", "AuthFailure.SignatureFailure", None),  # newest first
        ("DescribeSecurityGroups", "ok", "req-0"),
    ]
    assert found[1].at == AT.replace(tzinfo=None) and found[1].resource_ids == ("sg-old00001",)
    assert store.account_calls.find()[0] == 4
    (cached,) = store.account_calls.find("c-2")[1]
    assert cached.cached and cached.duration_ms == 0.0
    assert store.account_calls.find("c-3") == (0, [])
    assert [c.request_id for c in store.account_calls.find(limit=2, offset=1)[1]] == ["req-2", None]


def test_odd_text_is_stored_safely(store: DeflectionStore) -> None:
    # A lone surrogate (it can reach a JSON body) is replaced; over-long ids are cut.
    store.account_calls.add([call("c-\ud800", resource_ids=tuple(f"sg-{i:08d}" for i in range(30)))])
    (_, [found]) = store.account_calls.find()
    assert found.conversation_id == "c-\ufffd" and len(found.resource_ids) == module.MAX_IDS_KEPT


def test_the_table_keeps_the_latest(store: DeflectionStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "MAX_ACCOUNT_CALLS_KEPT", 3)
    store.account_calls.add([call("c", n=i) for i in range(5)])
    store.account_calls.add([call("c", n=5)])
    total, found = store.account_calls.find("c")
    assert total == 3 and [c.request_id for c in found] == ["req-5", "req-4", "req-3"]


def test_0004_goes_back_to_0003_and_up_again(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert upgrade(engine, "0003") == "0003"
        assert "account_calls" not in inspect(engine).get_table_names()
        assert upgrade(engine) == "0004"
        indexes = {i["name"] for i in inspect(engine).get_indexes("account_calls")}
        assert indexes == {"ix_account_calls_at", "ix_account_calls_conversation_id_id"}
        config = alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0003")
        assert "account_calls" not in inspect(engine).get_table_names()
        assert upgrade(engine) == "0004"
    finally:
        engine.dispose()
