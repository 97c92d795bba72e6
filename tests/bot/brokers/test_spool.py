"""The broker's spool (bot/brokers/spool.py): while the app is down, records wait on disk; none is lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.brokers import shipper as shipper_module
from bot.brokers.shipper import EventShipper
from bot.brokers.spool import BatchSpool
from tests.bot.brokers.scripted import ScriptedApp, batches_on_disk, event, set_aside, shipper, wait
from tests.deflection.fake_http import fake_endpoint


def test_a_long_outage_loses_nothing_and_keeps_the_order(tmp_path: Path) -> None:
    app = ScriptedApp(down=True)
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
    app = ScriptedApp(down=True)
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
    spool.append("a", b'{"batch_id": "a", "events": []}', 0)
    (spool.dir / "00000000000000000001-b.batch.tmp").write_bytes(b'{"batch_id": "b", "ev')
    spool.close()
    again = BatchSpool(tmp_path)
    assert len(again) == 1 and not list(again.dir.glob("*.tmp"))
    again.close()


def test_a_crash_mid_split_keeps_the_whole_batch_not_its_pieces(tmp_path: Path) -> None:
    spool = BatchSpool(tmp_path)
    spool.append("k", b'{"batch_id": "k", "events": [1, 2]}', 2)
    whole = spool.oldest()
    assert whole is not None
    # The pieces were written, then the process died before removing the batch they came from.
    for suffix, data in (("0", b'{"batch_id": "k0", "events": [1]}'), ("1", b'{"batch_id": "k1", "events": [2]}')):
        whole.path.with_name(whole.path.name.replace("-k-", f"-k{suffix}-").replace("-n2", "-n1")).write_bytes(data)
    spool.close()
    again = BatchSpool(tmp_path)
    assert [p.name for p in batches_on_disk(tmp_path)] == [whole.path.name] and again.events == 2
    again.close()


def test_two_processes_take_two_slots_and_a_dead_ones_batches_are_adopted(tmp_path: Path) -> None:
    live, dead = BatchSpool(tmp_path), BatchSpool(tmp_path)
    assert live.dir != dead.dir
    dead.append("left-behind", b'{"batch_id": "left-behind", "events": []}', 0)
    dead.close()  # its process exits with a batch unsent
    newcomer = BatchSpool(tmp_path)  # takes the free slot and so the batch
    assert newcomer.dir == dead.dir and len(newcomer) == 1
    newcomer.close()
    # A slot nobody will reuse is adopted by whoever starts next; a batch spooled before
    # file names held the number of events is counted from its body.
    orphan = tmp_path / "slot-7"
    orphan.mkdir()
    (orphan / "00000000000000000001-orphan.batch.json").write_bytes(b'{"batch_id": "orphan", "events": [{}, {}]}')
    adopter = BatchSpool(tmp_path)
    assert len(adopter) == 2 and adopter.events == 2 and not list(orphan.glob("*.batch.json"))
    adopter.close()
    live.close()


def test_a_malformed_batch_is_set_aside_with_its_reason_and_the_rest_flows(tmp_path: Path) -> None:
    app = ScriptedApp()
    app.answer = lambda texts: (422, "events: Input should be a valid list") if "m1" in texts else (200, "")
    s = shipper(app, tmp_path)
    s.publish(event(1))
    wait(lambda: s.failed_batches == 1)
    s.publish(event(2))
    wait(lambda: s.sent == 1)
    s.close()
    [(batch, reason)] = set_aside(tmp_path)
    assert [e["text"] for e in batch["events"]] == ["m1"]
    assert reason["status"] == 422 and reason["message"] == "events: Input should be a valid list"
    assert reason["batch_id"] == batch["batch_id"] and reason["events"] == 1
    assert app.texts() == ["m2"] and not batches_on_disk(tmp_path)


def test_a_wrong_token_is_kept_until_it_is_fixed(tmp_path: Path) -> None:
    app = ScriptedApp()
    app.answer = lambda texts: (401, "missing or wrong events token")
    s = shipper(app, tmp_path)
    s.publish(event(1))
    wait(lambda: app.attempts >= 3)
    assert s.spooled() == 1 and s.dropped == 0 and not set_aside(tmp_path)
    app.answer = lambda texts: (200, "")  # the operator fixes HELPDESK_EVENTS_TOKEN
    wait(lambda: s.sent == 1)
    s.close()


def test_a_full_spool_drops_and_counts(tmp_path: Path) -> None:
    app = ScriptedApp(down=True)
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


def test_a_batch_put_back_from_rejected_is_sent_without_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shipper_module, "RESCAN_S", 0.05)
    app = ScriptedApp()
    app.answer = lambda texts: (422, "a field the app did not know yet") if "m1" in texts else (200, "")
    s = shipper(app, tmp_path)
    s.publish(event(1))
    wait(lambda: s.set_aside == 1)
    app.answer = lambda texts: (200, "")  # the app is upgraded
    [kept] = (tmp_path / "rejected").glob("*.batch.json")
    kept.rename(tmp_path / "slot-0" / kept.name)  # what docs/deployment.md says to do
    wait(lambda: app.texts() == ["m1"])
    s.close()
    assert not batches_on_disk(tmp_path) and s.sent == 1
