"""Migration 0003 (connectivity cases) on SQLite and PostgreSQL: from empty, from a database at 0002, and back."""

from __future__ import annotations

from datetime import datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, Table, insert, inspect

from deflection import DeflectionStore
from deflection.db import alembic_config, make_engine, upgrade
from deflection.models import Base, Conversation, Turn
from tests.deflection.events import Conversation as Convo

AT = datetime(2025, 11, 29, 8, 0, 0)
HEAD = "0004"  # the latest revision (0004 adds account_calls: tests/deflection/test_account_calls.py)
NEW_COLUMNS = {
    "conversations": {"case_started_at", "case_cause", "case_handed_off", "case_ticket_id", "case_ended"},
    "turns": {"cause"},
    "tickets": {"diagnosis_case"},
}


def columns(engine: Engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}


def agrees_with_the_models(engine: Engine) -> bool:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def write_0002_records(engine: Engine) -> None:
    """A conversation, its turn and a ticket, as the app at 0002 wrote them."""
    tables = MetaData()
    table = {name: Table(name, tables, autoload_with=engine) for name in ("conversations", "turns", "tickets")}
    where = {"day": AT.date(), "channel": "rest", "language": "zh"}
    with engine.begin() as conn:
        conn.execute(
            insert(table["conversations"]),
            [{"id": "old", "started_at": AT, "last_at": AT, "turns": 1, "questions": 1, "handed_off": True,
              "useful": 0, "not_useful": 0, **where}],
        )  # fmt: skip
        conn.execute(
            insert(table["turns"]),
            [{"conversation_id": "old", "seq": 1, "at": AT, "text": "8443访问不了", "outcome": "handoff",
              "n_candidates": 0, "handed_off": True, "ticket_id": "ho-old", **where}],
        )  # fmt: skip
        conn.execute(
            insert(table["tickets"]),
            [{"id": "ho-old", "created_at": AT, "conversation_id": "old", "channel": "rest", "language": "zh",
              "reason": "user_request", "transcript": [{"sender": "user", "text": "转人工", "timestamp": 1.0}],
              "candidates": [], "status": "open", "delivery_status": "not_configured", "delivery_attempts": 0}],
        )  # fmt: skip


def test_an_empty_database_migrates_to_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert upgrade(engine) == HEAD
        for table, new in NEW_COLUMNS.items():
            assert new <= columns(engine, table)
        assert agrees_with_the_models(engine)
        assert upgrade(engine) == HEAD  # a second run changes nothing
    finally:
        engine.dispose()


def test_a_database_at_0002_keeps_its_records(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert upgrade(engine, "0002") == "0002"
        assert not NEW_COLUMNS["turns"] & columns(engine, "turns")
        write_0002_records(engine)
        assert upgrade(engine) == HEAD
        assert agrees_with_the_models(engine)
    finally:
        engine.dispose()

    store = DeflectionStore(database_url)
    try:
        ticket = store.tickets.get("ho-old")
        assert (ticket.case, ticket.transcript[0].text, ticket.reason) == (None, "转人工", "user_request")
        with store.sessions() as s:
            old = s.get(Conversation, "old")
            turn = s.get(Turn, 1)
        assert old is not None and turn is not None
        # Recorded before cases existed: no case is made up for it.
        assert (old.case_started_at, old.case_cause, old.case_handed_off, old.case_ended) == (None, None, False, False)
        assert (turn.cause, turn.text, turn.ticket_id) == (None, "8443访问不了", "ho-old")
        # The migrated store records cases and keeps a hand-off's case.
        events = Convo("new").user("8443访问不了", "describe_problem").bot("diagnosis", cause="os_firewall_drop").events
        assert store.recorder.record(events).turns == 1
        with store.sessions() as s:
            new = s.get(Conversation, "new")
        assert new is not None and new.case_cause == "os_firewall_drop"
        case = {"version": 1, "cause": "os_firewall_drop"}
        created = store.tickets.create("new", "rest", "zh", "user_request", [], [], deliver=False, case=case)
        assert store.tickets.get(created.id).case == case
    finally:
        store.close()


def test_0003_goes_back_to_0002_and_up_again(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        write_0002_records(engine)
        config = alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0002")
        for table, new in NEW_COLUMNS.items():
            assert not new & columns(engine, table), table
        assert upgrade(engine) == HEAD
        assert agrees_with_the_models(engine)
        with engine.connect() as conn:
            tickets = Table("tickets", MetaData(), autoload_with=conn)
            assert [r.id for r in conn.execute(tickets.select())] == ["ho-old"]  # records survive the round trip
    finally:
        engine.dispose()


@pytest.mark.parametrize("revision", ["0001", "0002"])
def test_every_revision_upgrades_to_head(database_url: str, revision: str) -> None:
    engine = make_engine(database_url)
    try:
        assert upgrade(engine, revision) == revision
        assert upgrade(engine) == HEAD
    finally:
        engine.dispose()
