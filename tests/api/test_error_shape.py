"""One error shape on every route: ``{"detail": [{"loc", "msg", "type"}]}``, whoever finds the problem."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import ADMIN_HEADERS

WRONG = {"Authorization": "Bearer wrong"}

CASES: list[tuple[str, str, dict[str, Any], int, list[Any]]] = [
    # (method, path, request kwargs, status, loc of the first problem)
    ("GET", "/nowhere", {}, 404, []),  # Starlette's own 404 for an unknown route
    ("DELETE", "/v1/answer", {}, 405, []),  # and its 405
    ("POST", "/v1/answer", {"json": {}}, 422, ["body", "question"]),  # pydantic
    ("GET", "/v1/faq/faq-00000000", {}, 404, []),  # the knowledge base
    ("GET", "/v1/ports/tcp/70000", {}, 422, ["path", "port"]),  # the rule engine
    ("GET", "/v1/admin/analytics/summary", {"headers": WRONG}, 401, ["header", "authorization"]),
    # A filter the admin API refuses: the query parameter is named (it was a bare string before).
    ("GET", "/v1/admin/analytics/summary?since=2026-02-30", {"headers": ADMIN_HEADERS}, 422, ["query", "since"]),
    ("GET", "/admin/assets/nope.js", {}, 404, ["path", "name"]),  # the dashboard's assets
    ("GET", "/v1/handoffs/nope", {"headers": ADMIN_HEADERS}, 404, []),  # the record store
]


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "loc"), CASES, ids=[f"{c[0]} {c[1]}" for c in CASES])
def test_every_error_has_the_one_shape(
    client: TestClient, method: str, path: str, kwargs: dict[str, Any], status: int, loc: list[Any]
) -> None:
    r = client.request(method, path, **kwargs)
    assert r.status_code == status, r.text
    detail = r.json()["detail"]
    assert isinstance(detail, list) and detail, r.text
    for item in detail:
        assert {"loc", "msg", "type"} <= set(item), item
        assert isinstance(item["msg"], str) and item["msg"] and isinstance(item["type"], str)
    assert detail[0]["loc"] == loc


def test_the_openapi_document_declares_every_error_with_its_body(client: TestClient) -> None:
    """Every error status of every operation comes with the one error body (api/responses.py adds them):
    401 where a token is asked, 404 where the path names something, 422 where anything is read."""
    spec = client.get("/openapi.json").json()
    assert set(spec["components"]["schemas"]["ErrorBody"]["required"]) == {"detail"}
    missing = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            errors = {code: r for code, r in op["responses"].items() if code >= "400"}
            expected = {"413"} if path not in ("/healthz", "/readyz") else set()
            expected |= {"401"} if op.get("security") else set()
            expected |= {"404"} if "{" in path else set()
            expected |= {"422"} if op.get("parameters") or op.get("requestBody") else set()
            missing += [f"{method.upper()} {path}: no {code}" for code in sorted(expected - set(errors))]
            for code, response in errors.items():
                schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                if schema.get("$ref") != "#/components/schemas/ErrorBody" and (path, code) != ("/readyz", "503"):
                    missing.append(f"{method.upper()} {path} {code}: {schema}")
    assert not missing, "\n".join(missing)
