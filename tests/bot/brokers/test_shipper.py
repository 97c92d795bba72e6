"""The event broker's transport (bot/brokers/shipper.py): batched, ordered, retried, never blocking."""

from __future__ import annotations

import time

from bot.brokers.shipper import EventShipper
from tests.bot.brokers.scripted import ScriptedApp, event, wait
from tests.bot.brokers.scripted import shipper as scripted_shipper
from tests.deflection.fake_http import fake_endpoint


def test_events_arrive_in_order_in_batches_with_the_token() -> None:
    with fake_endpoint([200]) as hook:
        shipper = EventShipper(hook.url, "s3cret", batch_size=10, flush_interval_s=0.05)
        for i in range(25):
            shipper.publish(event(i))
        wait(lambda: shipper.sent == 25)
        shipper.close()
    texts = [e["text"] for batch in hook.received for e in batch["events"]]
    assert texts == [f"m{i}" for i in range(25)]
    assert all(len(batch["events"]) <= 10 for batch in hook.received)
    assert len({batch["batch_id"] for batch in hook.received}) == len(hook.received)
    assert {h["Authorization"] for h in hook.headers} == {"Bearer s3cret"}


def test_a_failed_batch_is_retried_with_the_same_batch_id() -> None:
    with fake_endpoint([500, 503, 200]) as hook:
        shipper = EventShipper(hook.url, retry_backoff_s=0.01, flush_interval_s=0.01)
        shipper.publish(event(1))
        wait(lambda: shipper.sent == 1)
        shipper.close()
    assert len(hook.received) == 3
    assert len({b["batch_id"] for b in hook.received}) == 1  # so the app records it once


def test_publishing_never_blocks_when_the_app_is_down() -> None:
    with fake_endpoint([200]) as hook:
        url = hook.url  # nothing listens there any more
    shipper = EventShipper(url, max_queue=100, max_retries=1, retry_backoff_s=0.01, timeout_s=0.5)
    started = time.perf_counter()
    for i in range(1000):
        shipper.publish(event(i))
    elapsed = time.perf_counter() - started
    assert elapsed < 0.5, f"1000 publishes took {elapsed:.3f} s"
    assert shipper.dropped >= 1000 - 100 - 200  # the queue is bounded: the overflow is dropped, not kept
    shipper.close(timeout=2)


def test_a_refused_batch_is_dropped_not_retried() -> None:
    # 401: a wrong token; retrying cannot fix it.
    with fake_endpoint([401, 200]) as hook:
        shipper = EventShipper(hook.url, retry_backoff_s=0.01, flush_interval_s=0.01)
        shipper.publish(event(1))
        wait(lambda: shipper.failed_batches == 1)
        shipper.close()
    assert len(hook.received) == 1 and shipper.sent == 0


def test_without_a_spool_a_413_is_split_and_everything_arrives_in_order() -> None:
    app = ScriptedApp(limit=4096)
    s = scripted_shipper(app, None, max_body_bytes=65_536, flush_interval_s=0.2)
    for i in range(40):
        s.publish(event(i, size=500))
    wait(lambda: s.sent == 40)
    s.close()
    assert [t.strip() for t in app.texts()] == [f"m{i}" for i in range(40)]
    assert s.max_body_bytes == 4096 and s.dropped == 0
