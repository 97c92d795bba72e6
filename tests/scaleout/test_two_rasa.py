"""Scale-out for real: two Rasa servers share one conversation through PostgreSQL and Redis.

Two ``rasa run`` processes use a PostgreSQL tracker store and a Redis lock store (the
production setup of docker-compose.yml), the app runs with two uvicorn workers, and one
action server serves both. The turns of one conversation alternate between the two
Rasa servers, as a load balancer without sticky sessions would send them, and the port
follow-up context is kept; concurrent messages of one conversation on both servers are
all recorded, once each (the lock store serialises them).

Needs ``HELPDESK_TEST_POSTGRES_URL`` (``scripts/postgres.sh start``) and
``HELPDESK_TEST_REDIS_URL`` (``scripts/redis.sh start``); .ci/run starts both. In CI a
missing one fails the run; locally the test skips, saying how to start it.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.channels.conftest import slack_headers
from tests.channels.fakes import ChannelFakes
from tests.channels.test_slack import QUIET_S, event, new_channel
from tests.deflection.conftest import required_url
from tests.faults.procs import Procs, port_verdicts, procs_fixture, say

pytestmark = [pytest.mark.rasa, pytest.mark.slow]
TRACKER_DB = "rasa_scaleout_test"
API_TOKEN = f"api-{uuid.uuid4().hex}"  # rasa-b's HTTP API (read the tracker), as an operator enables it


def _tracker_database(postgres_url: str) -> None:
    """Create the tracker database (once) with the test role, which may create databases."""
    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": TRACKER_DB}).first() is None:
            conn.execute(text(f"CREATE DATABASE {TRACKER_DB}"))
    engine.dispose()


def endpoints_file(path: Path, postgres_url: str, redis_url: str, key_prefix: str) -> Path:
    """Rasa 3.6 endpoints: SQL tracker store on PostgreSQL, Redis lock store (atomic, bot/guards/lock_store.py)."""
    pg, redis = urlsplit(postgres_url), urlsplit(redis_url)
    path.write_text(
        f"""action_endpoint:
  url: ${{ACTION_ENDPOINT_URL}}
tracker_store:
  type: brokers.tracker_store.HelpdeskSQLTrackerStore
  dialect: postgresql
  url: {pg.hostname}
  port: {pg.port or 5432}
  db: {TRACKER_DB}
  username: {pg.username}
  password: {pg.password}
lock_store:
  type: guards.lock_store.AtomicRedisLockStore
  url: {redis.hostname}
  port: {redis.port or 6379}
  db: 1
  key_prefix: {key_prefix}
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, channel_fakes: ChannelFakes) -> Iterator[Procs]:
    postgres_url = required_url("HELPDESK_TEST_POSTGRES_URL", "scripts/postgres.sh", "the scale-out test")
    redis_url = required_url("HELPDESK_TEST_REDIS_URL", "scripts/redis.sh", "the scale-out test")
    from tests.stack import run_bot_sh

    assert run_bot_sh("train").returncode == 0
    _tracker_database(postgres_url)
    work: Path = tmp_path_factory.mktemp("scaleout")
    endpoints = endpoints_file(work / "endpoints.yml", postgres_url, redis_url, f"scaleout{uuid.uuid4().hex[:6]}")
    for p in procs_fixture(work):
        app = p.start_app(HELPDESK_WORKERS="2")
        actions = p.start_actions(app)
        # Slack on both, against the fake; they tell redeliveries apart through Redis.
        channels = {**channel_fakes.env, "HELPDESK_DEDUP_REDIS_URL": redis_url.rsplit("/", 1)[0] + "/2"}
        p.start_rasa(actions, name="rasa-a", endpoints=endpoints, **channels)
        p.start_rasa(actions, name="rasa-b", endpoints=endpoints, RASA_API_TOKEN=API_TOKEN, **channels)
        p.env["POSTGRES_URL"] = postgres_url  # for the assertions below
        yield p


def test_the_app_runs_several_workers(cluster: Procs) -> None:
    master = cluster.services["app"].process.pid
    workers = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    # uvicorn's supervisor, its two workers (and possibly a resource tracker).
    assert len(workers) >= 2, workers


def test_turns_alternate_between_two_rasa_servers_and_keep_the_context(cluster: Procs) -> None:
    a, b = cluster.urls["rasa-a"], cluster.urls["rasa-b"]
    sender = f"scale-{uuid.uuid4().hex[:10]}"
    _, first = say(a, "445端口能用吗", sender)
    assert port_verdicts(first) == [("tcp", 445, "blocked"), ("udp", 445, "open")]
    _, second = say(b, "那 UDP 呢?", sender)  # the other server: only the shared tracker knows
    assert port_verdicts(second) == [("udp", 445, "open")]
    _, third = say(a, "80 呢", sender)
    assert port_verdicts(third) == [("udp", 80, "open")]

    # The conversation is in PostgreSQL (not in either process), three user turns.
    engine = create_engine(cluster.env["POSTGRES_URL"].rsplit("/", 1)[0] + f"/{TRACKER_DB}")
    with engine.connect() as conn:
        users = conn.execute(
            text("SELECT count(*) FROM events WHERE sender_id = :s AND type_name = 'user'"), {"s": sender}
        ).scalar_one()
    engine.dispose()
    assert users == 3


@pytest.mark.parametrize("attempt", range(5))  # a race: several rounds, each a fresh conversation
def test_concurrent_messages_of_one_conversation_on_both_servers_are_all_kept(cluster: Procs, attempt: int) -> None:
    a, b = cluster.urls["rasa-a"], cluster.urls["rasa-b"]
    sender = f"race-{uuid.uuid4().hex[:10]}"
    texts = [f"{port} 端口能用吗" for port in (21, 22, 23, 25, 80, 443, 3389, 8080)]
    with ThreadPoolExecutor(max_workers=len(texts)) as pool:
        replies = list(pool.map(lambda i: say((a, b)[i % 2], texts[i], sender), range(len(texts))))
    for (_, payloads), message in zip(replies, texts, strict=True):
        port = int(message.split()[0])
        assert [v[1] for v in port_verdicts(payloads)] == [port, port], (message, payloads)
    tracker = httpx.get(f"{b}/conversations/{sender}/tracker", params={"token": API_TOKEN}, timeout=30).json()
    seen = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    # Every message once: none lost to a concurrent write. Rasa's own RedisLockStore fails
    # this intermittently (its lock update is not atomic); bot/guards/lock_store.py fixes it.
    assert sorted(seen) == sorted(texts)


def test_a_slack_redelivery_to_the_other_server_is_not_answered_twice(
    cluster: Procs, channel_fakes: ChannelFakes
) -> None:
    # Slack retries an event it thinks went unanswered; behind a load balancer the retry
    # may reach the other Rasa server, which must recognise it (HELPDESK_DEDUP_REDIS_URL).
    channel = new_channel("D")
    payload = event("445端口能用吗", channel=channel)
    body = json.dumps(payload).encode()

    def deliver(server: str, **headers: str) -> httpx.Response:
        signed = {**slack_headers(channel_fakes.slack_signing_secret, body), **headers}
        return httpx.post(f"{cluster.urls[server]}/webhooks/slack/webhook", content=body, headers=signed, timeout=10)

    assert deliver("rasa-a").status_code == 200
    channel_fakes.slack.wait_for_posts(channel)
    # (http_error: Rasa itself drops http_timeout retries unread; this one it would answer.)
    retry = deliver("rasa-b", **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"})
    assert 200 <= retry.status_code < 300
    time.sleep(QUIET_S)
    assert len(channel_fakes.slack.posts(channel)) == 1
