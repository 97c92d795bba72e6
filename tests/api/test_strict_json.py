"""Odd but parseable JSON is a 4xx naming the field, never a 500 (api/strict_json.py)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.strict_json import StrictJSONRoute
from tests.api.conftest import ADMIN_HEADERS

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("body", "status", "loc", "kind"),
    [
        ('{"question": "\\ud800 445"}', 422, ["body", "question"], "string_unicode"),  # a lone high surrogate
        ('{"question": "ok", "top_k": NaN}', 422, ["body"], "number_not_finite"),
        ('{"question": "ok", "top_k": Infinity}', 422, ["body"], "number_not_finite"),
        ('{"question": "ok", "top_k": -Infinity}', 422, ["body"], "number_not_finite"),
        ('{"question": "ok", "top_k": 1e999}', 422, ["body"], "number_not_finite"),  # overflows to infinity
        ('{"\\udc00": 1, "question": "ok"}', 422, ["body", "\\udc00"], "string_unicode"),  # in a key
    ],
)
def test_odd_json_is_refused_with_the_field_named(
    client: TestClient, body: str, status: int, loc: list[str], kind: str
) -> None:
    r = client.post("/v1/answer", content=body, headers=JSON)
    assert r.status_code == status, r.text
    problem = r.json()["detail"][0]
    assert (problem["loc"], problem["type"]) == (loc, kind)
    assert problem["msg"]


def test_a_body_that_is_not_utf8_is_a_400(client: TestClient) -> None:
    r = client.post("/v1/answer", content=b'{"question": "\xff\xfe"}', headers=JSON)
    assert r.status_code == 400 and r.json()["detail"][0]["type"] == "body_encoding"


def test_a_complete_surrogate_pair_is_text(client: TestClient) -> None:
    # U+1F600 written as a JSON surrogate pair is a valid character, not an error.
    r = client.post("/v1/answer", content='{"question": "\\ud83d\\ude00 445 端口能用吗"}', headers=JSON)
    assert r.status_code == 200, r.text


def test_surrogates_in_a_handoff_transcript_are_refused(client: TestClient) -> None:
    body = (
        '{"conversation_id": "c1", "channel": "rest", "language": "en", "reason": "user_request",'
        ' "transcript": [{"sender": "user", "text": "hi \\udfff"}], "candidates": []}'
    )
    r = client.post("/v1/handoffs", content=body, headers=JSON)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "transcript", 0, "text"]


def test_one_odd_question_does_not_fail_the_others_asked_with_it(client: TestClient) -> None:
    def ask(i: int) -> int:
        if i == 7:
            return client.post("/v1/answer", content='{"question": "\\ud800"}', headers=JSON).status_code
        return client.post("/v1/answer", json={"question": f"{440 + i % 10}端口能用吗"}).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(ask, range(48)))
    assert statuses.count(422) == 1 and statuses.count(200) == 47


def _api_routes(routes: Iterable[Any]) -> Iterator[APIRoute]:
    """Every API route, also inside included routers (FastAPI keeps them nested)."""
    for route in routes:
        if hasattr(route, "original_router"):
            yield from _api_routes(route.original_router.routes)
        elif isinstance(route, APIRoute):
            yield route


def test_every_api_route_reads_json_strictly(client: TestClient) -> None:
    routes = list(_api_routes(client.app.routes))  # type: ignore[attr-defined]
    assert len(routes) > 20  # the walk found the routes
    loose = sorted(r.path for r in routes if not isinstance(r, StrictJSONRoute))
    assert not loose, f"routes made without api.strict_json.api_router: {loose}"


def test_admin_routes_too(client: TestClient) -> None:
    r = client.post("/v1/admin/suggestions/1/accept", content='{"x": NaN}', headers={**JSON, **ADMIN_HEADERS})
    assert r.status_code in (404, 405, 422)  # never a 500
