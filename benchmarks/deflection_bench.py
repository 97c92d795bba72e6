"""Deflection benchmark: what recording adds to a turn, and how fast the dashboard's queries are.

    .venv/bin/python benchmarks/deflection_bench.py [--turns 1000000] [--skip-rasa]

1. Added latency per turn, on the conversation's path, measured inside Rasa (.venv-rasa):
   ``SQLTrackerStore.save`` of a tracker after each turn, with the helpdesk event broker
   configured and without. With a broker, Rasa's tracker store re-reads the tracker to
   diff the new events, then publishes them (our broker only queues them).
2. The app's cost of recording one turn (``POST /v1/events`` work minus HTTP), off the
   conversation's path: SQLite and PostgreSQL.
3. The dashboard's summary, time-series and connectivity-case queries over ``--turns``
   recorded turns on PostgreSQL (bulk-loaded with COPY from the demo generator), 30 days.

PostgreSQL comes from HELPDESK_TEST_POSTGRES_URL (``scripts/postgres.sh start`` prints one);
the benchmark works in a schema of its own and drops it at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, text  # noqa: E402

from benchmarks.measure import percentile  # noqa: E402
from deflection import DeflectionStore, Filters, analytics, case_summary, case_timeseries  # noqa: E402
from deflection.models import Conversation, Feedback, Turn  # noqa: E402
from deflection.seed import generate  # noqa: E402

RASA_SCRIPT = r"""
import asyncio, json, os, statistics, sys, tempfile, time, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
sys.path.insert(0, "bot")
import logging; logging.disable(logging.WARNING)
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from brokers.helpdesk_broker import HelpdeskEventBroker
from brokers.tracker_store import HelpdeskSQLTrackerStore

class Ok(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200); self.end_headers(); self.wfile.write(b"{}")
    def log_message(self, *a): pass

server = ThreadingHTTPServer(("127.0.0.1", 0), Ok)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{server.server_address[1]}/v1/events"
domain = Domain.load("bot/domain.yml")
CONVERSATIONS, TURNS = int(sys.argv[1]), int(sys.argv[2])

def turn(tracker, i):
    tracker.update(UserUttered("445端口能用吗", {"name": "ask_port", "confidence": 0.93}, input_channel="rest"))
    tracker.update(SlotSet("language", "zh"))
    tracker.update(ActionExecuted("action_port_verdict"))
    tracker.update(BotUttered("TCP 445：被拦截，无法使用。", {"custom": {"kind": "port_verdict", "language": "zh",
        "results": [{"protocol": "TCP", "port": 445, "verdict": "blocked"}]}}))
    tracker.update(ActionExecuted("action_listen"))

async def run(store_class, broker):
    with tempfile.TemporaryDirectory() as d:
        store = store_class(domain, dialect="sqlite", db=os.path.join(d, "t.db"), event_broker=broker)
        times = []
        for c in range(CONVERSATIONS):
            tracker = DialogueStateTracker(f"c{c}-{id(broker)}", domain.slots)
            for i in range(TURNS):
                turn(tracker, i)
                t0 = time.perf_counter(); await store.save(tracker); times.append(time.perf_counter() - t0)
        return times

async def main():
    plain = await run(SQLTrackerStore, None)
    broker = HelpdeskEventBroker(url)
    rasa_diff = await run(SQLTrackerStore, broker)
    brokered = await run(HelpdeskSQLTrackerStore, broker)
    publish = []
    event = {"sender_id": "x", "event": "user", "timestamp": 1.0, "text": "445端口能用吗"}
    for _ in range(20000):
        t0 = time.perf_counter()
        for _ in range(5):
            broker.publish(event)
        publish.append(time.perf_counter() - t0)
    await broker.close()
    print(json.dumps({"plain": plain, "rasa_diff": rasa_diff, "brokered": brokered, "publish": publish,
                      "sent": broker.shipper.sent}))

asyncio.run(main())
"""


def ms(values: list[float]) -> str:
    return f"p50 {percentile(values, 50) * 1000:.3f} ms, p99 {percentile(values, 99) * 1000:.3f} ms (n={len(values)})"


def bench_rasa(conversations: int, turns: int) -> None:
    python = REPO / ".venv-rasa" / "bin" / "python"
    if not python.exists():
        print("  (skipped: no .venv-rasa)")
        return
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    out = subprocess.run(
        [str(python), "-c", RASA_SCRIPT, str(conversations), str(turns)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    r = json.loads(out.stdout.strip().splitlines()[-1])
    plain, brokered, publish = r["plain"], r["brokered"], r["publish"]
    print(f"  SQLTrackerStore, no broker:                    {ms(plain)}")
    print(f"  SQLTrackerStore + broker (Rasa re-reads):      {ms(r['rasa_diff'])}")
    print(f"  HelpdeskSQLTrackerStore + broker (bot/brokers): {ms(brokered)}")
    added50 = (percentile(brokered, 50) - percentile(plain, 50)) * 1000
    added99 = (percentile(brokered, 99) - percentile(plain, 99)) * 1000
    print(f"  => added per turn: p50 {added50:.3f} ms, p99 {added99:.3f} ms (aim: < 2 ms p50)")
    print(f"  broker.publish of a turn's 5 events alone: {ms(publish)}; events sent: {r['sent']}")


def turn_events(sender: str, i: int, now: float) -> list[dict[str, Any]]:
    return [
        {
            "sender_id": sender,
            "event": "user",
            "timestamp": now,
            "text": f"445端口能用吗 {i}",
            "input_channel": "rest",
            "parse_data": {"intent": {"name": "ask_port", "confidence": 0.9}},
        },
        {"sender_id": sender, "event": "slot", "timestamp": now, "name": "language", "value": "zh"},
        {"sender_id": sender, "event": "action", "timestamp": now, "name": "action_port_verdict"},
        {
            "sender_id": sender,
            "event": "bot",
            "timestamp": now + 0.12,
            "text": "...",
            "data": {"custom": {"kind": "port_verdict", "language": "zh"}},
        },
        {"sender_id": sender, "event": "action", "timestamp": now, "name": "action_listen"},
    ]


def bench_ingest(store: DeflectionStore, n: int) -> list[float]:
    times = []
    now = time.time()
    for i in range(n):
        events = turn_events(f"bench-{i // 5}", i, now + i)
        t0 = time.perf_counter()
        store.recorder.record(events, uuid.uuid4().hex)
        times.append(time.perf_counter() - t0)
    return times


@contextmanager
def pg_schema(base: str) -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


COLUMNS = {
    Conversation: [c.name for c in Conversation.__table__.columns],
    Turn: [c.name for c in Turn.__table__.columns if c.name != "id"],
    Feedback: [c.name for c in Feedback.__table__.columns if c.name != "id"],
}


def copy_load(store: DeflectionStore, turns: int, days: int, end: date) -> tuple[int, float]:
    """Bulk-load demo rows with COPY (one connection per table: one COPY at a time per connection)."""
    started = time.perf_counter()
    conv_conn, turn_conn = store.engine.raw_connection(), store.engine.raw_connection()
    loaded = 0
    feedback: list[dict[str, Any]] = []
    try:
        with (
            conv_conn.cursor().copy(f"COPY conversations ({', '.join(COLUMNS[Conversation])}) FROM STDIN") as convs,
            turn_conn.cursor().copy(f"COPY turns ({', '.join(COLUMNS[Turn])}) FROM STDIN") as turn_copy,
        ):
            for r in generate(turns, days, seed=11, end=end):
                convs.write_row([r.conversation[c] for c in COLUMNS[Conversation]])
                for t in r.turns:
                    candidates = json.dumps(t["candidates"]) if t["candidates"] is not None else None
                    turn_copy.write_row([candidates if c == "candidates" else t[c] for c in COLUMNS[Turn]])
                loaded += len(r.turns)
                feedback.extend(r.feedback)
        with conv_conn.cursor().copy(f"COPY feedback ({', '.join(COLUMNS[Feedback])}) FROM STDIN") as fb:
            for f in feedback:
                fb.write_row([f[c] for c in COLUMNS[Feedback]])
        conv_conn.commit()
        turn_conn.commit()
    finally:
        conv_conn.close()
        turn_conn.close()
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return loaded, time.perf_counter() - started


def timed(fn: Callable[[], Any], runs: int = 5) -> str:
    fn()  # warm
    values = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        values.append(time.perf_counter() - t0)
    return (
        f"median {statistics.median(values) * 1000:.0f} ms (min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})"
    )


def bench_queries(url: str, turns: int) -> None:
    end = date(2025, 11, 29)
    with pg_schema(url) as schema_url:
        store = DeflectionStore(schema_url)
        print(f"  loading {turns:,} turns with COPY ...", flush=True)
        loaded, seconds = copy_load(store, turns, 30, end)
        print(f"  loaded {loaded:,} turns in {seconds:.1f} s")
        week = Filters(since=end - timedelta(days=6), until=end)
        cases = [
            ("summary, all 30 days", lambda: analytics.summary(store.engine, Filters())),
            ("summary, last 7 days", lambda: analytics.summary(store.engine, week)),
            ("summary, channel=slack", lambda: analytics.summary(store.engine, Filters(channel="slack"))),
            ("timeseries, all 30 days", lambda: analytics.timeseries(store.engine, Filters())),
            ("timeseries, language=en", lambda: analytics.timeseries(store.engine, Filters(language="en"))),
            ("breakdown by channel", lambda: analytics.breakdown(store.engine, Filters(), "channel")),
            ("top FAQ", lambda: analytics.top_faq(store.engine, Filters(), {}, 10)),
            ("cases by cause", lambda: case_summary(store.engine, Filters())),
            ("cases per day", lambda: case_timeseries(store.engine, Filters())),
        ]
        for name, fn in cases:
            print(f"  {name:<26} {timed(fn)}  (aim: < 500 ms)")
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=1_000_000, help="recorded turns for the query benchmark")
    parser.add_argument("--ingest", type=int, default=2000, help="turns recorded one by one for the ingest timing")
    parser.add_argument("--skip-rasa", action="store_true")
    args = parser.parse_args()
    pg = os.environ.get("HELPDESK_TEST_POSTGRES_URL")

    print("1. Added latency per turn inside Rasa (tracker store save, 30 conversations x 10 turns, SQLite)")
    if not args.skip_rasa:
        bench_rasa(30, 10)
    print("2. The app's work per recorded turn (one batch per turn; off the conversation's path)")
    with tempfile.TemporaryDirectory() as d:
        store = DeflectionStore(f"sqlite:///{d}/bench.db")
        print(f"  SQLite:     {ms(bench_ingest(store, args.ingest))}")
        store.close()
    if pg:
        with pg_schema(pg) as url:
            store = DeflectionStore(url)
            print(f"  PostgreSQL: {ms(bench_ingest(store, args.ingest))}")
            store.close()
    print(f"3. Dashboard queries over {args.turns:,} turns on PostgreSQL")
    if not pg:
        print("  (skipped: set HELPDESK_TEST_POSTGRES_URL, e.g. from scripts/postgres.sh start)")
        return
    bench_queries(pg, args.turns)


if __name__ == "__main__":
    main()
