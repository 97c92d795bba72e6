"""Hand-offs while the database is down (deflection/handoff_outbox.py): kept on disk, stored later, once."""

from __future__ import annotations

from pathlib import Path

from deflection import DeflectionStore
from deflection.handoff_outbox import HandoffOutbox
from deflection.handoffs import HandoffDesk
from deflection.tickets import TranscriptLine, new_ticket

TRANSCRIPT = [TranscriptLine("user", "445端口能用吗", 1.0), TranscriptLine("user", "转人工", 2.0)]


def test_a_ticket_opened_while_the_database_is_down_is_stored_with_its_id(
    store: DeflectionStore, tmp_path: Path
) -> None:
    ready = False
    desk = HandoffDesk(store.tickets, None, HandoffOutbox(tmp_path / "outbox"), store_ready=lambda: ready)
    queued = desk.open("conv-1", "rest", "zh", "user_request", TRANSCRIPT, [])
    assert queued.delivery_status == "queued" and queued.id.startswith("ho-")
    assert desk.outbox is not None and desk.outbox.waiting() == 1
    assert desk.drain() == []  # still down: nothing is tried, nothing is lost

    ready = True
    assert desk.drain() == [queued.id]
    stored = store.tickets.get(queued.id)
    assert (stored.conversation_id, stored.created_at, stored.transcript) == (
        "conv-1",
        queued.created_at,
        TRANSCRIPT,
    )
    assert desk.outbox.waiting() == 0 and desk.drain() == []


def test_storing_the_same_ticket_twice_stores_it_once(store: DeflectionStore) -> None:
    ticket = new_ticket("conv-2", "slack", "en", "repeated_failure", TRANSCRIPT, [{"id": "faq-1"}])
    first = store.tickets.insert(ticket, deliver=False)
    again = store.tickets.insert(ticket, deliver=False)  # a worker crashed after storing, before deleting the file
    assert first.id == again.id == ticket.id
    assert [t.id for t in store.tickets.find()].count(ticket.id) == 1


def test_with_the_database_up_a_ticket_is_stored_at_once(store: DeflectionStore, tmp_path: Path) -> None:
    desk = HandoffDesk(store.tickets, None, HandoffOutbox(tmp_path / "outbox"))
    ticket = desk.open("conv-3", "web", "en", "user_request", TRANSCRIPT, [])
    assert ticket.delivery_status == "not_configured"
    assert store.tickets.get(ticket.id).id == ticket.id and not (tmp_path / "outbox").exists()


def test_a_ticket_kept_on_disk_keeps_its_case(store: DeflectionStore, tmp_path: Path) -> None:
    ready = False
    case = {"version": 1, "cause": None, "checks": [{"id": "listener", "status": "todo"}]}
    desk = HandoffDesk(store.tickets, None, HandoffOutbox(tmp_path / "outbox"), store_ready=lambda: ready)
    queued = desk.open("conv-4", "rest", "en", "user_request", TRANSCRIPT, [], case)
    assert queued.case == case
    ready = True
    assert desk.drain() == [queued.id]
    assert store.tickets.get(queued.id).case == case
