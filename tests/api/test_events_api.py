"""POST /v1/events (the Rasa event broker's endpoint) and POST /v1/handoffs (the bot's)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from helpdesk.settings import Settings
from tests.api.conftest import HANDOFF_HEADERS
from tests.deflection.events import Conversation
from tests.servers import serve_in_thread

EVENTS_TOKEN = "events-test-token"
ADMIN = {"Authorization": "Bearer admin"}


@pytest.fixture(scope="module")
def events_client(app_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = app_settings.model_copy(
        update={
            "data_dir": tmp_path_factory.mktemp("events"),
            "events_token": SecretStr(EVENTS_TOKEN),
            "admin_token": SecretStr("admin"),
        }
    )
    with TestClient(create_app(settings)) as c:
        yield c


def post(client: TestClient, body: object, token: str | None = EVENTS_TOKEN) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/v1/events", json=body, headers=headers)


def test_events_need_the_token_when_one_is_set(events_client: TestClient) -> None:
    events = Conversation("ev-1").user("445端口能用吗", "ask_port").bot("port_verdict").events
    assert events_client.post("/v1/events", json={"events": events}).status_code == 401
    wrong = events_client.post("/v1/events", json={"events": events}, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def test_events_become_turns(events_client: TestClient) -> None:
    events = (
        Conversation("ev-2", "slack")
        .user("445端口能用吗", "ask_port")
        .bot("port_verdict")
        .user("how do I open port 8080", "ask_faq")
        .bot("faq_answer", "en", faq_id="faq-x", score=0.9)
        .events
    )
    r = events_client.post(
        "/v1/events", json={"batch_id": "b-2", "events": events}, headers={"Authorization": f"Bearer {EVENTS_TOKEN}"}
    )
    assert r.status_code == 200 and r.json() == {"events": len(events), "turns": 2, "duplicate": False, "refused": []}
    again = events_client.post(
        "/v1/events", json={"batch_id": "b-2", "events": events}, headers={"Authorization": f"Bearer {EVENTS_TOKEN}"}
    )
    assert again.json()["duplicate"] is True
    turns = [
        t
        for t in events_client.get("/v1/admin/export/turns.json", headers=ADMIN).json()
        if t["conversation_id"] == "ev-2"
    ]
    assert [(t["outcome"], t["channel"], t["language"]) for t in turns] == [
        ("port_verdict", "slack", "zh"),
        ("answered", "slack", "en"),
    ]


def turns_of(client: TestClient, sender: str) -> list[dict[str, Any]]:
    turns = client.get("/v1/admin/export/turns.json", headers=ADMIN).json()
    return [t for t in turns if t["conversation_id"] == sender]


def records(client: TestClient) -> dict[str, Any]:
    r = client.get("/v1/admin/records", headers=ADMIN, params={"limit": 200})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


SHAPE_EVENTS = Conversation("ev-shape").user("445端口能用吗", "ask_port").bot("port_verdict").events


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"batch": SHAPE_EVENTS}, ["body", "events"]),  # no events list
        ({"events": {"0": SHAPE_EVENTS[0]}}, ["body", "events"]),  # events not a list
        (SHAPE_EVENTS, ["body"]),  # not a JSON object
        ({"batch_id": "x" * 65, "events": SHAPE_EVENTS}, ["body", "batch_id"]),
    ],
)
def test_a_batch_of_the_wrong_shape_is_422_and_nothing_is_stored(
    events_client: TestClient, body: object, loc: list[str]
) -> None:
    refused_before = records(events_client)["refused"]
    r = post(events_client, body)
    assert r.status_code == 422, r.text
    assert [d["loc"][: len(loc)] for d in r.json()["detail"]] == [loc]  # the one error shape, naming the field
    assert turns_of(events_client, "ev-shape") == []  # its valid events are not stored either
    assert records(events_client)["refused"] == refused_before


def test_one_bad_event_is_refused_alone_and_the_rest_of_the_batch_is_stored_once(events_client: TestClient) -> None:
    a = Conversation("ev-mixed-a").user("445端口能用吗", "ask_port").bot("port_verdict").events
    b = Conversation("ev-mixed-b", "slack").user("how do I open port 8080", "ask_faq").bot("faq_answer", "en").events
    bad = [
        {"event": "user", "sender_id": "x" * 201, "timestamp": 1.0, "text": "a sender id too long"},
        {"event": "user", "sender_id": "ev-mixed-c", "text": "no timestamp"},
        "not an object",
    ]
    body = {"batch_id": "ev-mixed-1", "events": [*a[:2], bad[0], *b, bad[1], *a[2:], bad[2]]}
    r = post(events_client, body)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "events": len(body["events"]) - 3,
        "turns": 2,
        "duplicate": False,
        "refused": [
            {"index": 2, "reason": "needs a 'sender_id' of 1-200 characters"},
            {"index": 6, "reason": "needs a numeric 'timestamp' (seconds since the epoch)"},
            {"index": 8, "reason": "must be an object, got a string"},
        ],
    }
    assert post(events_client, body).json()["duplicate"] is True  # the broker's retry stores nothing twice
    assert [t["outcome"] for t in turns_of(events_client, "ev-mixed-a")] == ["port_verdict"]
    assert [t["outcome"] for t in turns_of(events_client, "ev-mixed-b")] == ["answered"]
    assert turns_of(events_client, "ev-mixed-c") == []
    kept = [e for e in records(events_client)["recent_refused"] if e["batch_id"] == "ev-mixed-1"]
    assert sorted(e["position"] for e in kept) == [2, 6, 8]
    assert {e["reason"] for e in kept} == {x["reason"] for x in r.json()["refused"]}


def test_the_brokers_report_shows_in_readyz_and_the_admin_api(events_client: TestClient) -> None:
    spool = {"X-Helpdesk-Spool": "rasa-1:/var/spool/helpdesk-events", "X-Helpdesk-Spool-Slot": "slot-0"}
    report = {**spool, "X-Helpdesk-Spool-Pending": "360", "X-Helpdesk-Spool-Rejected": "2"}
    auth = {"Authorization": f"Bearer {EVENTS_TOKEN}"}
    assert events_client.post("/v1/events", json={"events": []}, headers={**auth, **report}).status_code == 200
    status = records(events_client)
    assert (status["waiting"], status["rejected"]) == (360, 2) and status["as_of"].endswith("Z")
    assert [(s["slot"], s["waiting"], s["fresh"]) for s in status["slots"]] == [("slot-0", 360, True)]
    assert wait_for_readyz(events_client, lambda r: r is not None and r["waiting"] == 360)["rejected"] == 2

    drained = {**spool, "X-Helpdesk-Spool-Pending": "0", "X-Helpdesk-Spool-Rejected": "2"}
    assert events_client.post("/v1/events", json={"events": []}, headers={**auth, **drained}).status_code == 200
    assert wait_for_readyz(events_client, lambda r: r is not None and r["waiting"] == 0)["rejected"] == 2
    assert events_client.get("/v1/admin/records").status_code == 401  # the admin token guards the details


def test_a_bad_report_header_is_a_422_naming_it(events_client: TestClient) -> None:
    headers = {
        "Authorization": f"Bearer {EVENTS_TOKEN}",
        "X-Helpdesk-Spool": "rasa-1:/spool",
        "X-Helpdesk-Spool-Slot": "slot-0",
        "X-Helpdesk-Spool-Pending": "-3",
        "X-Helpdesk-Spool-Rejected": "0",
    }
    r = events_client.post("/v1/events", json={"events": []}, headers=headers)
    assert r.status_code == 422
    assert [d["loc"] for d in r.json()["detail"]] == [["header", "X-Helpdesk-Spool-Pending"]]


def wait_for_readyz(client: TestClient, done: Callable[[Any], bool], timeout: float = 15.0) -> Any:
    """``/readyz``'s ``records`` once ``done`` (it is read in the background, at most 5 s old)."""
    deadline = time.monotonic() + timeout
    while True:
        ready = client.get("/readyz")
        assert ready.status_code == 200
        figure = ready.json()["records"]
        if done(figure):
            return figure
        assert time.monotonic() < deadline, f"/readyz still says {figure}"
        time.sleep(0.2)


def test_handoff_contract_still_holds(events_client: TestClient) -> None:
    body = {
        "conversation_id": "ev-h",
        "channel": "socketio",
        "language": "en",
        "reason": "repeated_failure",
        "transcript": [{"sender": "user", "text": "help", "timestamp": 1.5}, {"sender": "bot", "text": "sorry"}],
        "candidates": [{"id": "faq-1", "question": "q", "score": 0.4}],
    }
    created = events_client.post("/v1/handoffs", json=body, headers=HANDOFF_HEADERS)
    assert created.status_code == 201
    ticket = created.json()
    assert ticket["id"].startswith("ho-") and ticket["status"] == "open"
    assert ticket["transcript"][0] == {"sender": "user", "text": "help", "timestamp": 1.5}
    assert ticket["candidates"] == body["candidates"]
    fetched = events_client.get(f"/v1/handoffs/{ticket['id']}", headers=ADMIN).json()
    assert fetched["conversation_id"] == "ev-h" and fetched["reason"] == "repeated_failure"
    assert events_client.get("/v1/handoffs/ho-nothere", headers=ADMIN).status_code == 404


@pytest.mark.browser
def test_the_dashboard_says_when_records_are_waiting(
    app_settings: Settings, tmp_path_factory: pytest.TempPathFactory, browser: Any
) -> None:
    settings = app_settings.model_copy(
        update={
            "data_dir": tmp_path_factory.mktemp("records-dashboard"),
            "events_token": SecretStr(EVENTS_TOKEN),
            "admin_token": SecretStr("admin"),
        }
    )
    served = serve_in_thread(create_app(settings), "records-dashboard")
    context = browser.new_context(locale="en-US")
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

        def report(waiting: int, rejected: int) -> None:
            headers = {
                "Authorization": f"Bearer {EVENTS_TOKEN}",
                "X-Helpdesk-Spool": "rasa-1:/var/spool/helpdesk-events",
                "X-Helpdesk-Spool-Slot": "slot-0",
                "X-Helpdesk-Spool-Pending": str(waiting),
                "X-Helpdesk-Spool-Rejected": str(rejected),
            }
            assert httpx.post(f"{served.url}/v1/events", json={"events": []}, headers=headers).status_code == 200

        def shown() -> tuple[str, str | None]:
            page.wait_for_selector("#status[data-kind=ok]", timeout=15_000)
            line = page.locator("#records")
            return line.inner_text(), line.get_attribute("data-kind")

        report(360, 2)
        page.goto(f"{served.url}/admin")
        page.fill("#token-input", "admin")
        page.click("#token-form button[type=submit]")
        text, kind = shown()
        assert kind == "warn" and "360 events wait in the bot's spool, 2 batches set aside" in text, text
        report(0, 0)
        page.reload()  # signed in still (the tab keeps the token)
        text, kind = shown()
        assert kind == "ok" and "every turn the bot reported has reached the store" in text, text
        assert errors == [], errors
    finally:
        context.close()
        served.stop()
