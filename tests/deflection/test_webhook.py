"""Hand-off tickets reach the helpdesk webhook, retried against a local fake that fails first."""

from __future__ import annotations

import time

import pytest

from deflection import DeflectionStore, Ticket, TranscriptLine, WebhookDeliverer
from deflection.handoffs import HandoffDesk
from tests.deflection.fake_http import fake_endpoint


def wait_for(store: DeflectionStore, ticket_id: str, statuses: set[str], timeout: float = 10.0) -> Ticket:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ticket = store.tickets.get(ticket_id)
        if ticket.delivery_status in statuses:
            return ticket
        time.sleep(0.02)
    raise AssertionError(f"ticket {ticket_id} still {store.tickets.get(ticket_id).delivery_status}")


def open_ticket(desk: HandoffDesk) -> Ticket:
    return desk.open(
        "conv-w", "wecom", "zh", "repeated_failure", [TranscriptLine("user", "转人工", 1.0)], [{"id": "faq-1"}]
    )


def test_a_failed_delivery_is_retried_and_every_attempt_recorded(store: DeflectionStore) -> None:
    with fake_endpoint([500, 200]) as hook:
        desk = HandoffDesk(store.tickets, WebhookDeliverer(store.tickets, hook.url, attempts=4, backoff_s=0.05))
        desk.start()
        try:
            started = time.perf_counter()
            ticket = open_ticket(desk)
            assert time.perf_counter() - started < 0.5, "opening a ticket must not wait for the webhook"
            assert ticket.delivery_status == "pending"
            delivered = wait_for(store, ticket.id, {"delivered", "failed"})
        finally:
            desk.stop()
    assert delivered.delivery_status == "delivered"
    assert [(d.attempt, d.ok, d.status_code) for d in delivered.deliveries] == [(1, False, 500), (2, True, 200)]
    assert delivered.deliveries[0].error is not None and "500" in delivered.deliveries[0].error
    assert len(hook.received) == 2
    payload = hook.received[-1]
    assert payload["ticket_id"] == ticket.id and payload["channel"] == "wecom"
    assert payload["transcript"] == [{"sender": "user", "text": "转人工", "timestamp": 1.0}]
    assert payload["candidates"] == [{"id": "faq-1"}]
    assert payload["case"] is None  # no connectivity case was being worked


CASE = {
    "version": 1,
    "language": "zh",
    "turns": 2,
    "target": {"service": None, "ports": [8443], "protocols": ["tcp"], "alternatives": False},
    "direction": "ingress",
    "source": {"kind": "unknown", "address": None},
    "symptoms": ["timeout"],
    "claims": ["rule_added"],
    "evidence": [{"kind": "host_firewall", "format": "iptables_rules", "text": "-A INPUT -j DROP", "line_offset": 1}],
    "checks": [{"id": "sg_inbound", "status": "unknown"}, {"id": "host_firewall", "status": "failed"}],
    "cause": "os_firewall_drop",
}


def test_the_webhook_gets_the_case_the_bot_was_working(store: DeflectionStore) -> None:
    with fake_endpoint([200]) as hook:
        desk = HandoffDesk(store.tickets, WebhookDeliverer(store.tickets, hook.url, backoff_s=0.02))
        desk.start()
        try:
            ticket = desk.open(
                "conv-c", "rest", "zh", "user_request", [TranscriptLine("user", "转人工", 1.0)], [], CASE
            )
            delivered = wait_for(store, ticket.id, {"delivered", "failed"})
        finally:
            desk.stop()
    assert delivered.delivery_status == "delivered" and delivered.case == CASE
    assert hook.received[-1]["case"] == CASE  # target, evidence, checks done and the cause, as the bot had them


def test_delivery_gives_up_after_the_last_attempt(store: DeflectionStore) -> None:
    with fake_endpoint([503]) as hook:
        desk = HandoffDesk(store.tickets, WebhookDeliverer(store.tickets, hook.url, attempts=3, backoff_s=0.02))
        desk.start()
        try:
            failed = wait_for(store, open_ticket(desk).id, {"delivered", "failed"})
        finally:
            desk.stop()
    assert failed.delivery_status == "failed"
    assert [d.status_code for d in failed.deliveries] == [503, 503, 503]


def test_a_client_error_is_not_retried(store: DeflectionStore) -> None:
    # 400: the webhook refuses the request itself; sending it again cannot help.
    with fake_endpoint([400, 200]) as hook:
        desk = HandoffDesk(store.tickets, WebhookDeliverer(store.tickets, hook.url, attempts=5, backoff_s=0.02))
        desk.start()
        try:
            failed = wait_for(store, open_ticket(desk).id, {"delivered", "failed"})
        finally:
            desk.stop()
    assert (failed.delivery_status, [d.status_code for d in failed.deliveries]) == ("failed", [400])


def test_an_unreachable_webhook_is_recorded_as_an_error(store: DeflectionStore) -> None:
    with fake_endpoint([200]) as hook:
        url = hook.url  # the server is gone after the block: nothing listens there
    desk = HandoffDesk(store.tickets, WebhookDeliverer(store.tickets, url, attempts=2, backoff_s=0.02, timeout_s=2))
    desk.start()
    try:
        failed = wait_for(store, open_ticket(desk).id, {"delivered", "failed"})
    finally:
        desk.stop()
    assert failed.delivery_status == "failed"
    assert all(d.status_code is None and d.error and "Connect" in d.error for d in failed.deliveries)


def test_tickets_left_pending_are_sent_at_the_next_start(store: DeflectionStore) -> None:
    # Stored with delivery pending (as if the process stopped before sending), then a new worker starts.
    ticket = store.tickets.create("conv-p", "rest", "en", "user_request", [], [], deliver=True)
    with fake_endpoint([200]) as hook:
        deliverer = WebhookDeliverer(store.tickets, hook.url, backoff_s=0.02)
        deliverer.start()
        try:
            delivered = wait_for(store, ticket.id, {"delivered"})
        finally:
            deliverer.stop()
    assert [d.status_code for d in delivered.deliveries] == [200]


def test_without_a_webhook_tickets_are_only_stored(store: DeflectionStore) -> None:
    ticket = open_ticket(HandoffDesk(store.tickets, None))
    assert store.tickets.get(ticket.id).delivery_status == "not_configured"


@pytest.mark.parametrize("url", ["ftp://helpdesk.example/hook", "helpdesk.example/hook"])
def test_a_webhook_url_must_be_http(store: DeflectionStore, url: str) -> None:
    with pytest.raises(ValueError, match="http"):
        WebhookDeliverer(store.tickets, url)
