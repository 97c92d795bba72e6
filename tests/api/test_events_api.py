"""POST /v1/events (the Rasa event broker's endpoint) and POST /v1/handoffs (the bot's)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from helpdesk.settings import Settings
from tests.deflection.events import Conversation

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


def post(client: TestClient, body: object, token: str | None = EVENTS_TOKEN) -> object:
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
    assert r.status_code == 200 and r.json() == {"events": len(events), "turns": 2, "duplicate": False}
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


@pytest.mark.parametrize(
    "body",
    [
        {"events": [{"event": "user", "timestamp": 1.0, "text": "x"}]},  # no sender_id
        {"events": [{"event": "user", "sender_id": "c", "timestamp": "yesterday"}]},
        {"events": ["not an object"]},
        {"batch": []},  # no events at all
    ],
)
def test_malformed_events_are_422_and_nothing_is_stored(events_client: TestClient, body: dict[str, object]) -> None:
    r = events_client.post("/v1/events", json=body, headers={"Authorization": f"Bearer {EVENTS_TOKEN}"})
    assert r.status_code == 422, r.text


def test_handoff_contract_still_holds(events_client: TestClient) -> None:
    body = {
        "conversation_id": "ev-h",
        "channel": "socketio",
        "language": "en",
        "reason": "repeated_failure",
        "transcript": [{"sender": "user", "text": "help", "timestamp": 1.5}, {"sender": "bot", "text": "sorry"}],
        "candidates": [{"id": "faq-1", "question": "q", "score": 0.4}],
    }
    created = events_client.post("/v1/handoffs", json=body)
    assert created.status_code == 201
    ticket = created.json()
    assert ticket["id"].startswith("ho-") and ticket["status"] == "open"
    assert ticket["transcript"][0] == {"sender": "user", "text": "help", "timestamp": 1.5}
    assert ticket["candidates"] == body["candidates"]
    fetched = events_client.get(f"/v1/handoffs/{ticket['id']}", headers=ADMIN).json()
    assert fetched["conversation_id"] == "ev-h" and fetched["reason"] == "repeated_failure"
    assert events_client.get("/v1/handoffs/ho-nothere", headers=ADMIN).status_code == 404
