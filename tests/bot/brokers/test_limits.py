"""What the app refuses never stops the records (bot/brokers/shipper.py): split, cut, set aside, in order.

Each case ends the same way: every event the app can take is delivered once, in order; what it
cannot take is in ``<spool>/rejected/`` beside its reason; the spool is empty.
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.brokers import batches
from bot.brokers.shipper import PENDING_HEADER, REJECTED_HEADER, SLOT_HEADER, SPOOL_HEADER, EventShipper
from tests.bot.brokers.scripted import ScriptedApp, batches_on_disk, event, set_aside, shipper, wait


def test_bodies_stay_under_the_limit_by_construction(tmp_path: Path) -> None:
    app = ScriptedApp(limit=4096)
    s = shipper(app, tmp_path, max_body_bytes=4096, flush_interval_s=0.2)
    for i in range(60):
        s.publish(event(i, size=300))  # 60 x ~400 bytes: six times the limit in one batch
    wait(lambda: s.sent == 60)
    s.close()
    assert max(app.bodies) <= 4096 and len(app.received) > 1
    assert [t.strip() for t in app.texts()] == [f"m{i}" for i in range(60)]
    assert not set_aside(tmp_path) and not batches_on_disk(tmp_path)


def test_one_event_over_the_limit_is_cut_with_a_marker_of_its_length(tmp_path: Path) -> None:
    app = ScriptedApp(limit=16_384)
    s = shipper(app, tmp_path, max_body_bytes=16_384)
    big = event("big", size=20_000)
    big["parse_data"] = {"text": big["text"], "intent": {"name": "ask_faq", "confidence": 0.5}}
    for e in (event(1), big, event(2)):
        s.publish(e)
    wait(lambda: s.sent == 3)
    s.close()
    assert [t.strip() for t in app.texts()] == ["m1", "mbig", "m2"]
    [cut] = [e for b in app.received for e in b["events"] if e["text"].startswith("mbig")]
    assert len(cut["text"]) == 4096 and len(cut["parse_data"]["text"]) == 4096
    assert cut[batches.TRUNCATED] == {"text": 20_000, "parse_data.text": 20_000}
    assert cut["parse_data"]["intent"] == {"name": "ask_faq", "confidence": 0.5}  # what is short stays whole
    assert not set_aside(tmp_path) and not batches_on_disk(tmp_path)


def test_an_event_that_cannot_fit_even_cut_is_set_aside_with_its_reason(tmp_path: Path) -> None:
    app = ScriptedApp(limit=4096)
    s = shipper(app, tmp_path, max_body_bytes=4096)
    huge = event("huge")
    huge["entities"] = [{"entity": "port", "value": str(i)} for i in range(500)]  # many short strings
    for e in (event(1), huge, event(2)):
        s.publish(e)
    wait(lambda: s.sent == 2 and s.set_aside == 1)
    s.close()
    assert app.texts() == ["m1", "m2"] and max(app.bodies) <= 4096
    [(batch, reason)] = set_aside(tmp_path)
    assert batch["events"][0]["text"] == "mhuge" and len(batch["events"][0]["entities"]) == 500
    assert reason["status"] is None and "larger than the body limit of 4096 bytes" in reason["message"]
    assert not batches_on_disk(tmp_path)


def test_a_spooled_batch_over_the_limit_is_split_before_it_is_sent(tmp_path: Path) -> None:
    # Left by a broker that did not keep under the limit: 40 events in one 20 KB body, named the old way.
    slot = tmp_path / "slot-0"
    slot.mkdir()
    legacy = {"batch_id": "old", "events": [event(i, size=500) for i in range(40)]}
    (slot / "00000000000000000001-old.batch.json").write_bytes(json.dumps(legacy).encode())
    app = ScriptedApp(limit=8192)
    s = shipper(app, tmp_path, max_body_bytes=8192)
    s.publish(event("new"))
    wait(lambda: s.sent == 41)
    s.close()
    assert app.texts()[-1] == "mnew" and [t.strip() for t in app.texts()[:-1]] == [f"m{i}" for i in range(40)]
    assert max(app.bodies) <= 8192  # the old batch was never sent whole
    assert not set_aside(tmp_path) and not batches_on_disk(tmp_path)


def test_a_413_splits_the_batch_and_the_broker_keeps_to_the_apps_limit(tmp_path: Path) -> None:
    # The broker was told 64 KiB, the app takes 8 KiB: its 413 says so.
    app = ScriptedApp(limit=8192)
    s = shipper(app, tmp_path, max_body_bytes=65_536, flush_interval_s=0.2)
    for i in range(40):
        s.publish(event(i, size=500))
    wait(lambda: s.sent == 40)
    for i in range(40, 50):
        s.publish(event(i, size=500))
    wait(lambda: s.sent == 50)
    s.close()
    assert s.max_body_bytes == 8192
    assert [t.strip() for t in app.texts()] == [f"m{i}" for i in range(50)]
    assert sum(size > 8192 for size in app.bodies) == 1  # one refused body; after it, none over the limit
    assert not set_aside(tmp_path) and not batches_on_disk(tmp_path)


def test_a_connection_cut_off_mid_body_while_the_app_answers_is_taken_as_too_large(tmp_path: Path) -> None:
    # The app closes the connection instead of answering 413, and takes a small batch meanwhile.
    app = ScriptedApp(limit=8192, cut_off=True)
    s = shipper(app, tmp_path, max_body_bytes=65_536, flush_interval_s=0.2)
    for i in range(40):
        s.publish(event(i, size=500))
    wait(lambda: s.sent == 40)
    s.close()
    assert [t.strip() for t in app.texts()] == [f"m{i}" for i in range(40)]
    assert app.probes >= 1 and s.max_body_bytes <= 8192
    assert not set_aside(tmp_path) and not batches_on_disk(tmp_path)


def test_connections_cut_off_while_the_app_is_down_are_waited_out_not_split(tmp_path: Path) -> None:
    app = ScriptedApp()
    app.resetting = True
    s = shipper(app, tmp_path, max_body_bytes=65_536)
    for i in range(20):
        s.publish(event(i, size=500))
    wait(lambda: app.attempts >= 6)
    app.resetting = False  # the app is back
    wait(lambda: s.sent == 20)
    s.close()
    assert len(app.received) == 1 and s.max_body_bytes == 65_536  # sent whole, in one batch, as first made
    assert not set_aside(tmp_path) and not batches_on_disk(tmp_path)


@pytest.mark.parametrize(
    ("status", "message", "delivered", "kept"),
    [
        # Malformed: the batch is set aside whole.
        (422, "events: Input should be a valid list", ["m1", "m2", "m4", "m5", "m6"], ["bad", "m3"]),
        (400, "the body is not JSON", ["m1", "m2", "m4", "m5", "m6"], ["bad", "m3"]),
        # Too large, whatever its size: halved, until the one event the app will never take is alone.
        (413, "request body larger than 100 bytes", ["m1", "m2", "m3", "m4", "m5", "m6"], ["bad"]),
    ],
)
def test_a_batch_refused_for_what_it_is_is_set_aside_and_later_batches_flow_in_order(
    tmp_path: Path, status: int, message: str, delivered: list[str], kept: list[str]
) -> None:
    app = ScriptedApp(down=True)
    app.answer = lambda texts: (status, message) if "bad" in texts else (200, "")
    s = shipper(app, tmp_path, batch_size=2)
    for text in ("m1", "m2", "bad", "m3", "m4", "m5"):
        s.publish({**event(0), "text": text})
    wait(lambda: s.spooled() == 3)  # [m1 m2] [bad m3] [m4 m5] wait while the app is down
    app.down = False
    wait(lambda: s.spooled() == 0)
    s.publish(event(6))
    wait(lambda: "m6" in app.texts())
    s.close()
    assert app.texts() == delivered
    [(batch, reason)] = set_aside(tmp_path)
    assert [e["text"] for e in batch["events"]] == kept
    assert reason["status"] == status and message in reason["message"]
    assert not batches_on_disk(tmp_path)


def test_a_batch_the_app_keeps_failing_with_500_is_halved_down_to_the_event(tmp_path: Path) -> None:
    app = ScriptedApp()
    app.answer = lambda texts: (500, "Internal Server Error") if "poison" in texts else (200, "")
    s = shipper(app, tmp_path, batch_size=8, server_error_attempts=3, server_error_window_s=0.2, flush_interval_s=0.2)
    texts = ["m0", "m1", "m2", "poison", "m4", "m5", "m6", "m7"]
    for text in texts:
        s.publish({**event(0), "text": text})
    wait(lambda: s.set_aside == 1)
    s.publish(event(8))
    wait(lambda: "m8" in app.texts())
    s.close()
    assert app.texts() == [t for t in texts if t != "poison"] + ["m8"]  # the others, once, in order
    [(batch, reason)] = set_aside(tmp_path)
    assert [e["text"] for e in batch["events"]] == ["poison"]
    assert reason["status"] == 500 and "while it recorded other batches" in reason["message"]
    assert not batches_on_disk(tmp_path)


def test_an_app_failing_every_batch_with_500_keeps_them_all_in_order(tmp_path: Path) -> None:
    app = ScriptedApp()
    app.answer = lambda texts: (500, "Internal Server Error")  # the empty probe batch too
    s = shipper(app, tmp_path, batch_size=2, server_error_attempts=2, server_error_window_s=0.0)
    for i in range(6):
        s.publish(event(i))
    wait(lambda: app.probes >= 3)
    assert s.set_aside == 0 and s.spooled() == 3
    app.answer = lambda texts: (200, "")  # fixed
    wait(lambda: s.sent == 6)
    s.close()
    assert app.texts() == [f"m{i}" for i in range(6)] and not set_aside(tmp_path)


def test_500_is_waited_out_until_it_has_lasted_the_window(tmp_path: Path) -> None:
    app = ScriptedApp()
    app.answer = lambda texts: (500, "Internal Server Error") if "poison" in texts else (200, "")
    s = shipper(app, tmp_path, server_error_attempts=3, server_error_window_s=60.0)
    s.publish({**event(0), "text": "poison"})
    wait(lambda: app.attempts >= 10)
    time.sleep(0.1)
    assert s.set_aside == 0 and s.spooled() == 1 and app.probes == 0
    s.close()


def test_every_request_reports_the_spool(tmp_path: Path) -> None:
    app = ScriptedApp(down=True)
    app.answer = lambda texts: (422, "bad") if "bad" in texts else (200, "")
    s = shipper(app, tmp_path, batch_size=1)
    for text in ("m1", "bad", "m2"):
        s.publish({**event(0), "text": text})
    wait(lambda: s.spooled() == 3)
    app.down = False
    wait(lambda: s.spooled() == 0)
    s.publish(event(3))
    wait(lambda: "m3" in app.texts())
    s.close()
    first, last = app.headers[0], app.headers[-1]
    assert first[SPOOL_HEADER].endswith(str(tmp_path.resolve())) and first[SLOT_HEADER] == "slot-0"
    waiting = [int(h[PENDING_HEADER]) for h in app.headers]
    assert max(waiting) == 3 and last[PENDING_HEADER] == "0"  # three events waited; none now
    assert last[REJECTED_HEADER] == "1"


@contextmanager
def app_closing_over_the_limit(limit: int, *, answer: bool) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """An HTTP server that, like the app, refuses a body over ``limit`` before reading it and closes the
    connection (``answer``: after writing its 413; else at once, with a reset). Yields (url, batches taken)."""
    taken: list[dict[str, Any]] = []
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def respond(conn: socket.socket, status: str, body: bytes) -> None:
        head = f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        conn.sendall(head.encode() + b"Connection: close\r\n\r\n" + body)

    def handle(conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65_536)
                if not chunk:
                    return
                data += chunk
            head, _, rest = data.partition(b"\r\n\r\n")
            match = re.search(rb"content-length: *(\d+)", head, re.IGNORECASE)
            length = int(match[1]) if match else 0
            if length > limit:
                if answer:
                    detail = {"detail": [{"loc": ["body"], "msg": f"request body larger than {limit} bytes"}]}
                    respond(conn, "413 Request Entity Too Large", json.dumps(detail).encode())
                # Closed with the body unread: the peer sees its connection reset.
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            while len(rest) < length:
                rest += conn.recv(65_536)
            batch = json.loads(rest)
            if batch["events"]:
                taken.append(batch)
            respond(conn, "200 OK", b'{"events": 0, "turns": 0, "duplicate": false, "refused": []}')

    def serve() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/v1/events", taken
    finally:
        stop.set()
        thread.join(5)
        server.close()


@pytest.mark.parametrize("answer", [True, False], ids=["413-then-close", "reset-without-answer"])
def test_over_real_http_an_app_that_closes_on_a_large_body_gets_every_event(tmp_path: Path, answer: bool) -> None:
    with app_closing_over_the_limit(16_384, answer=answer) as (url, taken):
        s = EventShipper(
            url, spool_dir=tmp_path, max_body_bytes=1_048_576, flush_interval_s=0.2, retry_backoff_s=0.01,
            max_backoff_s=0.05,
        )  # fmt: skip
        for i in range(100):
            s.publish(event(i, size=1000))  # one 100 KB batch, six times what the app takes
        wait(lambda: s.sent == 100, timeout=30)
        s.close()
    assert [e["text"].strip() for b in taken for e in b["events"]] == [f"m{i}" for i in range(100)]
    assert s.max_body_bytes <= 16_384 and s.dropped == 0
    assert not set_aside(tmp_path) and not batches_on_disk(tmp_path)
