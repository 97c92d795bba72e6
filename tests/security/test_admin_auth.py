"""Every admin and analytics route asks for the token; nothing under /v1/admin is open."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.security.conftest import ADMIN_TOKEN, EVENTS_TOKEN

PROTECTED = {"/v1/admin": ADMIN_TOKEN, "/v1/events": EVENTS_TOKEN}


def _operations(client: Any, prefix: str) -> list[tuple[str, str]]:
    schema = client.get("/openapi.json").json()
    ops = [
        (method.upper(), re.sub(r"\{[^}]+\}", "x1", path))  # any value: the token is checked first
        for path, methods in schema["paths"].items()
        if path.startswith(prefix)
        for method in methods
    ]
    return ops


@pytest.mark.parametrize("prefix", sorted(PROTECTED))
def test_every_protected_route_answers_401_without_a_token(open_client: Any, prefix: str) -> None:
    operations = _operations(open_client, prefix)
    # An empty list would make this test pass vacuously: the routes must be mounted.
    assert operations, f"no routes under {prefix} in the OpenAPI schema"
    failures = []
    for method, path in operations:
        for headers in ({}, {"Authorization": "Bearer wrong-token"}, {"Authorization": PROTECTED[prefix]}):
            r = open_client.request(method, path, headers=headers, json={})
            if r.status_code != 401:
                failures.append(f"{method} {path} with {headers or 'no header'}: {r.status_code}")
    assert not failures, "\n".join(failures)


def test_the_right_token_gets_in(open_client: Any) -> None:
    r = open_client.get("/v1/admin/analytics/summary", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert r.status_code == 200, r.text


def test_admin_routes_are_all_under_the_admin_prefix(open_client: Any) -> None:
    # A route tagged admin or analytics elsewhere would escape the enumeration above.
    schema = open_client.get("/openapi.json").json()
    stray = [
        f"{method.upper()} {path}"
        for path, methods in schema["paths"].items()
        for method, op in methods.items()
        if {"admin", "analytics"} & set(op.get("tags", [])) and not path.startswith("/v1/admin")
    ]
    assert not stray


def test_admin_api_is_closed_when_no_token_is_configured(make_client: Any) -> None:
    with make_client(admin_token=None) as client:
        r = client.get("/v1/admin/tickets", headers={"Authorization": "Bearer "})
        assert r.status_code in (401, 503), r.text
        assert r.status_code != 200


HANDOFF_TOKEN = "hof-3a7d90c2e15b"
METRICS_TOKEN = "met-8c61f0a4d92e"
HANDOFF = {
    "conversation_id": "auth-check",
    "channel": "rest",
    "language": "en",
    "reason": "user_request",
    "transcript": [{"sender": "user", "text": "a human please"}],
    "candidates": [],
}


def test_opening_a_ticket_needs_the_handoff_token_when_set(make_client: Any) -> None:
    with make_client(handoff_token=HANDOFF_TOKEN) as client:
        for headers in ({}, {"Authorization": "Bearer wrong-token"}, {"Authorization": HANDOFF_TOKEN}):
            r = client.post("/v1/handoffs", json=HANDOFF, headers=headers)
            assert r.status_code == 401, (headers, r.text)
            assert "HELPDESK_HANDOFF_TOKEN" in r.text
        r = client.post("/v1/handoffs", json=HANDOFF, headers={"Authorization": f"Bearer {HANDOFF_TOKEN}"})
        assert r.status_code == 201, r.text


def test_metrics_need_the_metrics_token_when_set(make_client: Any) -> None:
    with make_client(metrics_token=METRICS_TOKEN) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
        r = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert r.status_code == 200 and "helpdesk" in r.text
    with make_client() as client:  # unset: open, as before (keep it internal)
        assert client.get("/metrics").status_code == 200
