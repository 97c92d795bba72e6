"""Hand-offs over HTTP with the connectivity case: the case the diagnosis route returned is stored
with the ticket, read back by id and in the admin list, and sent to the helpdesk webhook."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from helpdesk.settings import Settings
from tests.api.conftest import ADMIN_HEADERS, HANDOFF_HEADERS
from tests.deflection.fake_http import FakeEndpoint, fake_endpoint

SG = Path(__file__).resolve().parent.parent / "diagnosis" / "data"


def worked_case(client: TestClient) -> dict[str, Any]:
    """A case the bot has worked over three turns (description, pasted rules, the user's address)."""
    first = client.post("/v1/diagnose", json={"text": "ssh 超时"}).json()
    paste = (SG / "sg_ssh_office.tsv").read_text(encoding="utf-8")
    second = client.post("/v1/diagnose", json={"case": first["case"], "text": paste}).json()
    third = client.post("/v1/diagnose", json={"case": second["case"], "text": "我的IP是 203.0.113.9"}).json()
    assert third["diagnosis"]["cause"] == "sg_source_mismatch"
    case: dict[str, Any] = third["case"]
    return case


def handoff(case: dict[str, Any] | None = None, conversation: str = "handoff-case") -> dict[str, Any]:
    body: dict[str, Any] = {
        "conversation_id": conversation,
        "channel": "rest",
        "language": "zh",
        "reason": "user_request",
        "transcript": [{"sender": "user", "text": "ssh 超时", "timestamp": 1.0}, {"sender": "user", "text": "转人工"}],
        "candidates": [],
    }
    if case is not None:
        body["case"] = case
    return body


def test_a_ticket_carries_the_case_from_post_to_every_read(client: TestClient) -> None:
    case = worked_case(client)
    created = client.post("/v1/handoffs", json=handoff(case), headers=HANDOFF_HEADERS)
    assert created.status_code == 201, created.text
    ticket = created.json()
    assert ticket["case"] == case
    by_id = client.get(f"/v1/handoffs/{ticket['id']}", headers=ADMIN_HEADERS).json()
    admin = client.get(f"/v1/admin/tickets/{ticket['id']}", headers=ADMIN_HEADERS).json()
    listed = client.get("/v1/admin/tickets?status=open&limit=1000", headers=ADMIN_HEADERS).json()["tickets"]
    assert by_id["case"] == admin["case"] == case
    assert next(t for t in listed if t["id"] == ticket["id"])["case"] == case
    # What the human needs to start where the bot stopped:
    assert case["target"]["ports"] == [22] and case["source"]["address"] == "203.0.113.9"
    assert [e["kind"] for e in case["evidence"]] == ["security_groups"]
    assert {c["status"] for c in case["checks"]} & {"passed", "failed"}
    assert case["cause"] == "sg_source_mismatch"


def test_a_ticket_without_a_case_has_none(client: TestClient) -> None:
    ticket = client.post("/v1/handoffs", json=handoff(conversation="handoff-plain"), headers=HANDOFF_HEADERS).json()
    assert ticket["case"] is None
    assert client.get(f"/v1/handoffs/{ticket['id']}", headers=ADMIN_HEADERS).json()["case"] is None


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"direction": "sideways"}, ["body", "case", "direction"]),
        ({"checks": [{"id": "listener", "status": "maybe"}]}, ["body", "case", "checks", 0, "status"]),
        ({"verdict": "mine"}, ["body", "case", "verdict"]),  # a field the case does not have
    ],
)
def test_a_malformed_case_is_a_422_and_nothing_is_stored(
    client: TestClient, change: dict[str, Any], loc: list[Any]
) -> None:
    case = {**worked_case(client), **change}
    before = len(client.get("/v1/admin/tickets?status=all&limit=1000", headers=ADMIN_HEADERS).json()["tickets"])
    r = client.post("/v1/handoffs", json=handoff(case, conversation="handoff-bad"), headers=HANDOFF_HEADERS)
    assert r.status_code == 422
    assert [p["loc"] for p in r.json()["detail"]] == [loc]
    after = len(client.get("/v1/admin/tickets?status=all&limit=1000", headers=ADMIN_HEADERS).json()["tickets"])
    assert after == before


@pytest.fixture
def hooked(app_settings: Settings, tmp_path: Path) -> Iterator[tuple[TestClient, FakeEndpoint]]:
    """The app with a helpdesk webhook (a local fake that answers 200)."""
    with fake_endpoint([200]) as hook:
        settings = app_settings.model_copy(
            update={"data_dir": tmp_path / "data", "handoff_webhook_url": hook.url, "handoff_webhook_backoff_s": 0.05}
        )
        with TestClient(create_app(settings)) as c:
            yield c, hook


def test_the_webhook_delivery_carries_the_case(hooked: tuple[TestClient, FakeEndpoint]) -> None:
    client, hook = hooked
    case = worked_case(client)
    ticket = client.post("/v1/handoffs", json=handoff(case), headers=HANDOFF_HEADERS).json()
    assert hook.got_one.wait(15), "the webhook was not called"
    deadline = time.monotonic() + 10
    while client.get(f"/v1/handoffs/{ticket['id']}", headers=ADMIN_HEADERS).json()["delivery_status"] != "delivered":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    [payload] = hook.received
    assert payload["ticket_id"] == ticket["id"] and payload["type"] == "cvm-helpdesk.handoff"
    assert payload["case"] == case
