"""The database down: chat continues, records wait, and when it is back every turn is recorded.

The real stack (app, action server, Rasa with its event broker and spool) runs against the
test PostgreSQL through a proxy the test cuts: the app starts while the database is down,
the database comes back, goes down again mid-conversation, Rasa restarts during that
outage, and the database returns. Every user message must then be in the store, once, in
order. (Rasa's own tracker store is SQLite here; the outage is the app's database.)
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from deflection.models import Ticket as TicketRow
from deflection.models import Turn
from tests.deflection.conftest import fresh_schema, postgres_url
from tests.faults.procs import Procs, base_env, port_verdicts, procs_fixture, say
from tests.faults.tcp_proxy import CuttableProxy
from tests.stack import free_port

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

RECORDED_WITHIN_S = 120  # the broker's backoff is capped at 30 s; the app retries its database every 5 s


@pytest.fixture(scope="module")
def schema_url() -> Iterator[str]:
    """A fresh schema of the test database, and its URL (direct, not through the proxy)."""
    with fresh_schema("dbdown") as url:
        yield url


@pytest.fixture(scope="module")
def proxy(schema_url: str) -> Iterator[CuttableProxy]:
    url = make_url(schema_url)
    p = CuttableProxy((url.host or "127.0.0.1", url.port or 5432), free_port())
    yield p
    p.down()


@pytest.fixture
def procs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Procs]:
    """One test's processes, stopped when it ends: the next test's app must not share the
    schema, the proxy or the migration lock with processes it did not start."""
    from tests.stack import run_bot_sh

    assert run_bot_sh("train").returncode == 0
    yield from procs_fixture(tmp_path_factory.mktemp("faults-database"))


def recorded(schema_url: str, sender: str) -> list[str]:
    engine = create_engine(schema_url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(Turn.text).where(Turn.conversation_id == sender).order_by(Turn.seq)))
    finally:
        engine.dispose()


def ticket_of(schema_url: str, ticket_id: str) -> str | None:
    """The conversation of the stored ticket with this id, or None."""
    engine = create_engine(schema_url)
    try:
        with Session(engine) as session:
            ticket = session.get(TicketRow, ticket_id)
            return ticket.conversation_id if ticket is not None else None
    finally:
        engine.dispose()


def spooled(work: Path) -> int:
    return len(list((work / "event-spool").glob("slot-*/*.batch.json")))


def wait_for(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout:.0f} s waiting until {what}", pytrace=False)


def test_chat_goes_on_while_the_database_is_down_and_no_record_is_lost(
    procs: Procs, proxy: CuttableProxy, schema_url: str
) -> None:
    proxied = make_url(schema_url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    token = f"events-{uuid.uuid4().hex}"
    # 1. The app starts while its database is down: it serves, and says the database is not there.
    app = procs.start_app(HELPDESK_DATABASE_URL=proxied, HELPDESK_EVENTS_TOKEN=token)
    assert httpx.get(f"{app}/readyz", timeout=5).json()["database"] == "unavailable, retrying"
    rasa = procs.start_rasa(
        procs.start_actions(app), HELPDESK_EVENTS_URL=f"{app}/v1/events", HELPDESK_EVENTS_TOKEN=token
    )
    sender = f"dbdown-{uuid.uuid4().hex[:10]}"
    sent: list[str] = []

    def chat(message: str) -> list[dict[str, object]]:
        text_, payloads = say(rasa, message, sender)
        assert text_, f"no reply to {message!r}"
        sent.append(message)
        return payloads

    assert port_verdicts(chat("445端口能用吗")) == [("tcp", 445, "blocked"), ("udp", 445, "open")]
    assert port_verdicts(chat("那 UDP 呢?")) == [("udp", 445, "open")]  # context kept
    wait_for(lambda: spooled(procs.work) >= 1, 30, "the broker spools the turns it cannot deliver")

    # 2. The database comes back: the app migrates it and takes the spooled turns.
    proxy.up()
    wait_for(lambda: httpx.get(f"{app}/readyz", timeout=5).json()["database"] == "ready", 60, "the app has its store")
    kinds = [p.get("kind") for p in chat("安全组为什么删不掉")]
    assert kinds and "error" not in kinds, kinds

    # 3. Down again mid-conversation, and Rasa restarts during the outage.
    proxy.down()
    assert chat("how do I open port 3389 for remote desktop")
    wait_for(lambda: spooled(procs.work) >= 1, 60, "the broker spools again")
    handoff = [p for p in chat("转人工") if p.get("kind") == "handoff"]  # a human, asked for during the outage
    assert handoff and handoff[0]["ticket_id"], "the user gets a ticket id even while the database is down"
    procs.stop("rasa")
    procs.start_rasa(procs.urls["actions"], HELPDESK_EVENTS_URL=f"{app}/v1/events", HELPDESK_EVENTS_TOKEN=token)
    assert port_verdicts(chat("can I listen on port 25")) != []
    assert httpx.post(f"{app}/v1/answer", json={"question": "什么是安全组"}, timeout=10).status_code == 200

    # 4. Back for good: every message is recorded once, in order, and the spool is empty.
    proxy.up()
    wait_for(lambda: recorded(schema_url, sender) == sent, RECORDED_WITHIN_S, f"all {len(sent)} turns are recorded")
    wait_for(lambda: spooled(procs.work) == 0, 30, "the spool is empty")
    # The ticket kept on disk is stored, with the id the user was given (the app retries every 5 s).
    wait_for(lambda: ticket_of(schema_url, handoff[0]["ticket_id"]) == sender, 30, "the hand-off ticket is stored")
    for log in procs.work.glob("rasa*.log"):
        assert "dropped" not in log.read_text(errors="replace"), log


@pytest.fixture
def tracker_database() -> Iterator[str]:
    """A fresh PostgreSQL database for Rasa's tracker store; its name."""
    name = f"rasa_dbdown_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def compose_like_endpoints(path: Path, proxy_port: int, database: str) -> Path:
    """As deploy/rasa-endpoints.yml: the tracker store on the same PostgreSQL as the records."""
    pg = make_url(postgres_url())
    path.write_text(
        f"""action_endpoint:
  url: ${{ACTION_ENDPOINT_URL}}
tracker_store:
  type: brokers.tracker_store.HelpdeskSQLTrackerStore
  dialect: postgresql
  url: 127.0.0.1
  port: {proxy_port}
  db: {database}
  username: {pg.username}
  password: {pg.password}
event_broker:
  type: brokers.helpdesk_broker.HelpdeskEventBroker
  url: ${{HELPDESK_EVENTS_URL}}
  token: ${{HELPDESK_EVENTS_TOKEN}}
  spool_dir: ${{HELPDESK_EVENTS_SPOOL}}
""",
        encoding="utf-8",
    )
    return path


def tracker_user_texts(database: str, sender: str) -> list[str]:
    engine = create_engine(make_url(postgres_url()).set(database=database))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'user' ORDER BY id"), {"s": sender}
            )
            return [json.loads(row.data)["text"] for row in rows]
    finally:
        engine.dispose()


def test_one_postgres_for_conversations_and_records_going_down(
    tmp_path: Path, proxy: CuttableProxy, schema_url: str, tracker_database: str
) -> None:
    # As in docker-compose.yml: Rasa's tracker store and the app's records on one PostgreSQL, which goes down.
    proxied = make_url(schema_url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    token = f"events-{uuid.uuid4().hex}"
    proxy.up()
    procs = Procs(tmp_path, base_env(tmp_path))
    try:
        _converse_through_an_outage(procs, proxy, schema_url, proxied, token, tracker_database)
    finally:
        procs.close()


def _converse_through_an_outage(
    procs: Procs, proxy: CuttableProxy, schema_url: str, proxied: str, token: str, tracker_database: str
) -> None:
    app = procs.start_app(HELPDESK_DATABASE_URL=proxied, HELPDESK_EVENTS_TOKEN=token)
    endpoints = compose_like_endpoints(procs.work / "endpoints.yml", proxy.port, tracker_database)
    rasa = procs.start_rasa(
        procs.start_actions(app),
        endpoints=endpoints,
        HELPDESK_EVENTS_URL=f"{app}/v1/events",
        HELPDESK_EVENTS_TOKEN=token,
    )
    alice, bob = f"alice-{uuid.uuid4().hex[:8]}", f"bob-{uuid.uuid4().hex[:8]}"
    assert port_verdicts(say(rasa, "445端口能用吗", alice)[1]) == [("tcp", 445, "blocked"), ("udp", 445, "open")]

    proxy.down()
    # The context is kept through the outage, and a new conversation is answered.
    assert port_verdicts(say(rasa, "那 UDP 呢?", alice)[1]) == [("udp", 445, "open")]
    assert say(rasa, "安全组为什么删不掉", bob)[0]
    assert port_verdicts(say(rasa, "80 呢", alice)[1]) == [("udp", 80, "open")]

    proxy.up()
    assert port_verdicts(say(rasa, "3389 呢", alice)[1]) == [("udp", 3389, "open")]
    said = ["445端口能用吗", "那 UDP 呢?", "80 呢", "3389 呢"]
    # The conversation's tracker has every turn, once: written when the database came back.
    wait_for(lambda: tracker_user_texts(tracker_database, alice) == said, 30, "alice's tracker is complete")
    wait_for(lambda: tracker_user_texts(tracker_database, bob) == ["安全组为什么删不掉"], 30, "bob's is written")
    # And every turn's record reached the app's store.
    wait_for(lambda: recorded(schema_url, alice) == said, RECORDED_WITHIN_S, "alice's turns are recorded")
    wait_for(lambda: recorded(schema_url, bob) == ["安全组为什么删不掉"], 30, "bob's turn is recorded")
