"""The broker's spool (bot/brokers/spool.py): while the app is down, records wait on disk; none is lost."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from bot.brokers.shipper import EventShipper
from bot.brokers.spool import BatchSpool
from tests.deflection.fake_http import fake_endpoint


class App:
    """A scripted events endpoint, passed to the shipper as its ``post``: down, up, or answering a status."""

    def __init__(self) -> None:
        self.down = True
        self.status = 200
        self.received: list[dict[str, Any]] = []
        self.attempts = 0
        self._lock = threading.Lock()

    def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
        with self._lock:
            self.attempts += 1
            if self.down:
                raise ConnectionRefusedError("connection refused")
            if 200 <= self.status < 300:
                self.received.append(json.loads(body))
            return self.status

    def texts(self) -> list[str]:
        return [e["text"] for batch in self.received for e in batch["events"]]


def event(i: int) -> dict[str, Any]:
    return {"sender_id": "c", "event": "user", "timestamp": float(i), "text": f"m{i}"}


def wait(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def shipper(app: App, spool: Path, **options: Any) -> EventShipper:
    settings: dict[str, Any] = {"flush_interval_s": 0.01, "retry_backoff_s": 0.01, "max_backoff_s": 0.05}
    return EventShipper("http://app.invalid/v1/events", spool_dir=spool, post=app.post, **{**settings, **options})


def batches_on_disk(spool: Path) -> list[Path]:
    return sorted(spool.glob("slot-*/*.batch.json"))


def test_a_long_outage_loses_nothing_and_keeps_the_order(tmp_path: Path) -> None:
    app = App()
    s = shipper(app, tmp_path, batch_size=3, max_retries=1)
    for i in range(10):
        s.publish(event(i))
    # Far more failed attempts than max_retries: without the spool these would be dropped.
    wait(lambda: app.attempts >= 8 and s.spooled() >= 3)
    assert batches_on_disk(tmp_path) and s.dropped == 0
    app.down = False
    wait(lambda: s.sent == 10)
    for i in range(10, 13):
        s.publish(event(i))
    wait(lambda: s.sent == 13)
    s.close()
    assert app.texts() == [f"m{i}" for i in range(13)]
    assert len({b["batch_id"] for b in app.received}) == len(app.received)
    assert not batches_on_disk(tmp_path) and s.dropped == 0


def test_batches_survive_a_restart_and_go_first(tmp_path: Path) -> None:
    app = App()
    first = shipper(app, tmp_path)
    for i in range(5):
        first.publish(event(i))
    wait(lambda: first.spooled() >= 1 and first.pending() == first.spooled())
    first.close()  # Rasa stops while the app is still down
    assert batches_on_disk(tmp_path)

    app.down = False
    second = shipper(app, tmp_path)
    second.publish(event(5))
    wait(lambda: second.sent == 6)
    second.close()
    assert app.texts() == [f"m{i}" for i in range(6)]


def test_a_crash_mid_write_leaves_no_half_batch(tmp_path: Path) -> None:
    spool = BatchSpool(tmp_path)
    spool.append("a", b'{"batch_id": "a", "events": []}')
    (spool.dir / "00000000000000000001-b.batch.tmp").write_bytes(b'{"batch_id": "b", "ev')
    spool.close()
    again = BatchSpool(tmp_path)
    assert len(again) == 1 and not list(again.dir.glob("*.tmp"))
    again.close()


def test_two_processes_take_two_slots_and_a_dead_ones_batches_are_adopted(tmp_path: Path) -> None:
    live, dead = BatchSpool(tmp_path), BatchSpool(tmp_path)
    assert live.dir != dead.dir
    dead.append("left-behind", b'{"batch_id": "left-behind", "events": []}')
    dead.close()  # its process exits with a batch unsent
    newcomer = BatchSpool(tmp_path)  # takes the free slot and so the batch
    assert newcomer.dir == dead.dir and len(newcomer) == 1
    newcomer.close()
    # A slot nobody will reuse is adopted by whoever starts next.
    orphan = tmp_path / "slot-7"
    orphan.mkdir()
    (orphan / "00000000000000000001-orphan.batch.json").write_bytes(b'{"batch_id": "orphan", "events": []}')
    adopter = BatchSpool(tmp_path)
    assert len(adopter) == 2 and not list(orphan.glob("*.batch.json"))
    adopter.close()
    live.close()


def test_a_malformed_batch_is_set_aside_and_the_rest_flows(tmp_path: Path) -> None:
    app = App()
    app.down, app.status = False, 422
    s = shipper(app, tmp_path)
    s.publish(event(1))
    wait(lambda: s.failed_batches == 1)
    app.status = 200
    s.publish(event(2))
    wait(lambda: s.sent == 1)
    s.close()
    rejected = list((tmp_path / "rejected").glob("*.batch.json"))
    assert len(rejected) == 1 and json.loads(rejected[0].read_bytes())["events"][0]["text"] == "m1"
    assert app.texts() == ["m2"]


def test_a_wrong_token_is_kept_until_it_is_fixed(tmp_path: Path) -> None:
    app = App()
    app.down, app.status = False, 401
    s = shipper(app, tmp_path)
    s.publish(event(1))
    wait(lambda: app.attempts >= 3)
    assert s.spooled() == 1 and s.dropped == 0
    app.status = 200  # the operator fixes HELPDESK_EVENTS_TOKEN
    wait(lambda: s.sent == 1)
    s.close()


def test_a_full_spool_drops_and_counts(tmp_path: Path) -> None:
    app = App()
    s = shipper(app, tmp_path, batch_size=1, spool_max_bytes=300)
    for i in range(10):
        s.publish(event(i))
    wait(lambda: s.spooled() + s.dropped == 10)
    assert s.dropped > 0 and s.spooled() > 0
    s.close()


def test_over_real_http_the_app_coming_back_gets_everything(tmp_path: Path) -> None:
    with fake_endpoint([503, 503, 503, 200]) as hook:
        s = EventShipper(hook.url, spool_dir=tmp_path, flush_interval_s=0.01, retry_backoff_s=0.01, max_retries=0)
        for i in range(4):
            s.publish(event(i))
        wait(lambda: s.sent == 4)
        s.close()
    # Every attempt is the same batch (one batch_id), so the app records it once.
    assert len({b["batch_id"] for b in hook.received}) == 1 and len(hook.received) == 4
    assert [e["text"] for e in hook.received[-1]["events"]] == [f"m{i}" for i in range(4)]
    assert s.dropped == 0 and not batches_on_disk(tmp_path)
