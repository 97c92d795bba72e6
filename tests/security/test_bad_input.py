"""Hostile and malformed input against every public route of the OpenAPI schema: no 5xx, JSON errors.

Table-driven rather than schemathesis: the cases are fixed (so a failure reproduces), and
each family below is one row of the issue's list. Every operation gets:

- its path parameters replaced by traversal, SQL, script, huge and control-character values;
- its query parameters set to the same values;
- for a JSON body: empty, ``null``, wrong top-level types, invalid UTF-8, deep nesting,
  a body over the ceiling, and a sample built from the schema with each field in turn
  replaced by a wrong type or a hostile string.

Rate limiting is off here (hundreds of requests from one address); its own tests are in
test_limits.py.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

# Routes under these prefixes take a token and are covered by test_admin_auth.py.
NOT_PUBLIC = ("/v1/admin", "/v1/events")

HOSTILE_STRINGS = [
    "",
    " ",
    "../../../../etc/passwd",
    "..%2F..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2f",
    "' OR '1'='1' --",
    "1; DROP TABLE turns; --",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "\x00\x01\x1b[31m",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ‮ \ufeff",
    "9" * 40,
    "-1",
    "1e309",
    "NaN",
    "a" * 5000,
]
# Only a JSON body can carry these (a URL cannot): lone surrogates, which JSON text may escape
# ("\\ud800") but Unicode text may not hold.
BODY_STRINGS = [*HOSTILE_STRINGS, "\ud800", "a\udfffb"]
# NaN and the infinities go out as NaN / Infinity, which Python's parser accepts and JSON does not.
WRONG_TYPES: list[Any] = [
    None,
    True,
    0,
    -1,
    2**70,
    1.5,
    "x",
    [],
    [1, "a"],
    {},
    {"a": {"b": []}},
    float("nan"),
    float("inf"),
    -float("inf"),
]


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def _sample(schema: dict[str, Any], spec: dict[str, Any], depth: int = 0) -> Any:
    """A plausible value for ``schema`` (required fields only), to mutate one field at a time."""
    schema = _resolve(schema, spec)
    if depth > 6:
        return None
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if _resolve(s, spec).get("type") != "null"] or schema[key]
            return _sample(options[0], spec, depth + 1)
    if "enum" in schema:
        return schema["enum"][0]
    if "examples" in schema:
        return schema["examples"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {name: _sample(props[name], spec, depth + 1) for name in schema.get("required", []) if name in props}
    if kind == "array":
        return [_sample(schema.get("items", {}), spec, depth + 1)] if schema.get("minItems") else []
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1.0))
    if kind == "boolean":
        return True
    if kind == "string":
        return "a" * max(1, int(schema.get("minLength", 1)))
    return None


def _deep(levels: int) -> bytes:
    return b'{"question": ' + b"[" * levels + b"]" * levels + b"}"


def _public_operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, methods in spec["paths"].items()
        if not path.startswith(NOT_PUBLIC)
        for method, op in methods.items()
    ]


def _fill_path(path: str, op: dict[str, Any], override: dict[str, str] | None = None) -> str:
    values = {p["name"]: "1" for p in op.get("parameters", []) if p["in"] == "path"}
    values.update(override or {})

    def quote(value: str) -> str:
        # Keep "/" and "%" as sent: traversal must reach the router as the attacker wrote it.
        return "".join(c if c.isascii() and c.isprintable() and c not in " ?#" else f"%{ord(c):02X}" for c in value)

    return re.sub(r"\{([^}]+)\}", lambda m: quote(values[m.group(1)]) if values[m.group(1)] else "%20", path)


def _cases(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, url, request kwargs) for every operation and every hostile family."""
    cases: list[tuple[str, str, dict[str, Any]]] = []
    for method, path, op in _public_operations(spec):
        params = op.get("parameters", [])
        for p in params:
            for value in HOSTILE_STRINGS:
                if p["in"] == "path":
                    cases.append((method, _fill_path(path, op, {p["name"]: value}), {}))
                elif p["in"] == "query":
                    cases.append((method, _fill_path(path, op), {"params": {p["name"]: value}}))
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        url = _fill_path(path, op)
        if body is None:
            # A body where none is expected, and a method the route does not have.
            cases.append(
                (method, url, {"content": b"\xff\xfe{garbage", "headers": {"Content-Type": "application/json"}})
            )
            cases.append(("DELETE", url, {}))
            continue
        raw = {"headers": {"Content-Type": "application/json"}}
        for content in (
            b"",
            b"null",
            b"[]",
            b'"text"',
            b"42",
            b"{",
            b'{"question": "\xff\xfe\xfa"}',  # invalid UTF-8
            b"\xef\xbb\xbf{}",  # a byte-order mark
            b'{"a": 1, "a": 2}',
            _deep(50),
            _deep(100_000)[: 60 * 1024],  # truncated deep nesting, under the ceiling
            _deep(30_000),  # 30,000 levels: past Python's recursion limit, under the ceiling
            b'{"x": "' + b"y" * (100 * 1024) + b'"}',  # over the ceiling (except evaluate: 2 MiB)
            b'{"x": 1e999}',  # a number that overflows to infinity
            b'{"x": NaN}',
            b'{"\\ud800": 1}',  # a lone surrogate in a key
        ):
            cases.append((method, url, {"content": content, **raw}))
        cases.append((method, url, {"content": b"question=1", "headers": {"Content-Type": "text/plain"}}))
        sample = _sample(body["schema"], spec)
        cases.append((method, url, {"json": sample}))
        schema = _resolve(body["schema"], spec)
        for name in schema.get("properties", {}):
            for value in [*WRONG_TYPES, *BODY_STRINGS]:
                mutated = dict(sample) if isinstance(sample, dict) else {}
                mutated[name] = value
                cases.append((method, url, {"content": json.dumps(mutated).encode(), **raw}))
    return cases


@pytest.fixture(scope="module")
def spec(open_client: Any) -> dict[str, Any]:
    schema: dict[str, Any] = open_client.get("/openapi.json").json()
    return schema


def test_the_suite_covers_every_public_operation(spec: dict[str, Any]) -> None:
    operations = {f"{m} {p}" for m, p, _ in _public_operations(spec)}
    # The routes the README lists; a new public route joins the suite by being in the schema.
    assert {
        "POST /v1/answer",
        "GET /v1/faq",
        "GET /v1/faq/{entry_id}",
        "GET /v1/ports/{protocol}/{port}",
        "POST /v1/security-groups/evaluate",
        "POST /v1/security-groups/deletion-check",
        "POST /v1/handoffs",
    } <= operations


def test_no_server_errors_and_json_errors_on_hostile_input(open_client: Any, spec: dict[str, Any]) -> None:
    cases = _cases(spec)
    assert len(cases) > 900
    failures: list[str] = []
    statuses: dict[int, int] = {}
    for method, url, kwargs in cases:
        r = open_client.request(method, url, **kwargs)
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        what = f"{method} {url[:80]} {str(kwargs)[:120]}"
        if r.status_code >= 500:
            failures.append(f"{what}: {r.status_code} {r.text[:200]}")
        elif r.status_code >= 400:
            if not r.headers.get("content-type", "").startswith("application/json"):
                failures.append(f"{what}: {r.status_code} not JSON ({r.headers.get('content-type')})")
                continue
            detail = r.json().get("detail")
            if not detail:
                failures.append(f"{what}: {r.status_code} without a detail")
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n" + "\n".join(failures[:40])
    assert 413 in statuses and 422 in statuses, statuses


def test_error_messages_do_not_echo_script_as_html(open_client: Any) -> None:
    r = open_client.get("/v1/faq/<script>alert(1)<%2Fscript>")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
