"""Rate limits, body ceilings, CORS and security headers, through the real app (api/security.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from api.security import TokenBuckets
from helpdesk.config_types import RateLimit, parse_networks, parse_origins
from tests.security.conftest import ADMIN_TOKEN

QUESTION = {"question": "445端口能用吗"}


def _error_message(response: Any) -> str:
    body = response.json()
    assert isinstance(body["detail"], list), body
    return str(body["detail"][0]["msg"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("60/minute", RateLimit(60, 60.0)),
        ("10/second", RateLimit(10, 1.0)),
        ("1000 / hours", RateLimit(1000, 3600.0)),
        ("5/10second", RateLimit(5, 10.0)),  # a count before the unit: 5 per 10 s
        ("off", None),
        ("0", None),  # "0" disables rather than refusing everything
    ],
)
def test_rate_limit_parses(text: str, expected: RateLimit | None) -> None:
    assert RateLimit.parse(text) == expected


@pytest.mark.parametrize("text", ["60", "sixty/minute", "60/fortnight", "-1/minute", "60/minute/ip"])
def test_bad_rate_limit_is_refused_with_the_variable_named(text: str) -> None:
    with pytest.raises(ValueError, match="HELPDESK_RATE_LIMIT"):
        RateLimit.parse(text)


@pytest.mark.parametrize(
    "text", ["*", "shop.example.com", "https://shop.example.com/path", "ftp://x.example.com", "https://a b"]
)
def test_bad_cors_origin_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="HELPDESK_CORS_ORIGINS"):
        parse_origins(text)


def test_cors_origins_and_exempt_networks_parse() -> None:
    assert parse_origins(" https://a.example.com/, http://127.0.0.1:8080 ,") == (
        "https://a.example.com",
        "http://127.0.0.1:8080",
    )
    assert [str(n) for n in parse_networks("127.0.0.1, 10.0.0.0/8,::1", "X")] == [
        "127.0.0.1/32",
        "10.0.0.0/8",
        "::1/128",
    ]
    with pytest.raises(ValueError, match="X"):
        parse_networks("10.0.0.300", "X")


def test_token_bucket_refills_at_the_configured_rate() -> None:
    now = [0.0]
    buckets = TokenBuckets(RateLimit(2, 10.0), clock=lambda: now[0])
    assert buckets.take("a") == 0.0
    assert buckets.take("a") == 0.0
    assert buckets.take("a") == pytest.approx(5.0)  # one token every 5 s
    assert buckets.take("b") == 0.0  # another client has its own bucket
    now[0] = 5.0
    assert buckets.take("a") == 0.0


@pytest.fixture(scope="module")
def limited(make_client: Callable[..., Any]) -> Iterator[Any]:
    with make_client(rate_limit="3/minute", rate_limit_exempt="") as client:
        yield client


def test_rate_limit_answers_429_with_retry_after_and_a_json_message(limited: Any) -> None:
    statuses = [limited.post("/v1/answer", json=QUESTION).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = limited.get("/v1/faq")  # the budget is per client, across public routes
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 20  # 3/minute: a token every 20 s
    assert "too many requests" in _error_message(refused)
    assert refused.headers["X-Content-Type-Options"] == "nosniff"
    # Probes and the token-protected admin API are not counted against the public budget.
    assert limited.get("/healthz").status_code == 200
    assert limited.get("/readyz").status_code == 200
    admin = limited.get("/v1/admin/tickets", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert admin.status_code == 200


def test_exempt_addresses_are_not_limited(make_client: Callable[..., Any]) -> None:
    # The action server asks on behalf of every chat user, from one address.
    with make_client(rate_limit="2/minute", rate_limit_exempt="127.0.0.0/8", client=("127.0.0.1", 4000)) as client:
        assert {client.get("/v1/faq").status_code for _ in range(5)} == {200}
    with make_client(rate_limit="2/minute", rate_limit_exempt="10.0.0.0/8", client=("127.0.0.1", 4000)) as client:
        assert [client.get("/v1/faq").status_code for _ in range(3)] == [200, 200, 429]


def test_declared_oversized_body_is_refused_before_reading(open_client: Any) -> None:
    body = b'{"question": "' + b"a" * (70 * 1024) + b'"}'
    r = open_client.post("/v1/answer", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert "larger than 65536 bytes" in _error_message(r)


def test_streamed_body_without_length_is_cut_off_at_the_ceiling(open_client: Any) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(200):  # 200 KiB in 1 KiB chunks, no Content-Length (chunked)
            yield b"a" * 1024
        yield b'"}'

    r = open_client.post("/v1/answer", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.json()["detail"][0]["type"] == "body_too_large"


def test_bodies_under_the_ceiling_pass(open_client: Any) -> None:
    r = open_client.post("/v1/answer", json={"question": "445端口能用吗", "top_k": 3})
    assert r.status_code == 200


def test_security_group_evaluation_accepts_a_large_iptables_dump(open_client: Any) -> None:
    # A host's iptables-save can be hundreds of KiB: that route's ceiling is 2 MiB.
    body = {
        "security_groups": [],
        "flow": {"protocol": "tcp", "port": 22, "source": "1.2.3.4"},
        "iptables_save": "# " + "x" * (300 * 1024),
    }
    r = open_client.post("/v1/security-groups/evaluate", json=body)
    assert r.status_code != 413, r.text
    assert r.status_code < 500, r.text


def test_cors_allows_only_configured_origins(make_client: Callable[..., Any]) -> None:
    with make_client(cors_origins="https://shop.example.com") as client:
        preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
        ok = client.options("/v1/answer", headers={"Origin": "https://shop.example.com", **preflight})
        assert ok.status_code == 200
        assert ok.headers["Access-Control-Allow-Origin"] == "https://shop.example.com"
        assert "Access-Control-Allow-Credentials" not in ok.headers
        denied = client.options("/v1/answer", headers={"Origin": "https://evil.example.net", **preflight})
        assert denied.status_code == 400
        assert "Access-Control-Allow-Origin" not in denied.headers
        simple = client.post("/v1/answer", json=QUESTION, headers={"Origin": "https://evil.example.net"})
        assert "Access-Control-Allow-Origin" not in simple.headers


def test_without_configured_origins_no_cross_origin_access(open_client: Any) -> None:
    r = open_client.post("/v1/answer", json=QUESTION, headers={"Origin": "https://shop.example.com"})
    assert r.status_code == 200
    assert "Access-Control-Allow-Origin" not in r.headers


def test_security_headers_on_json_and_pages(open_client: Any) -> None:
    api = open_client.get("/v1/faq")
    assert api.headers["X-Content-Type-Options"] == "nosniff"
    assert api.headers["Referrer-Policy"] == "no-referrer"
    assert api.headers["X-Frame-Options"] == "DENY"
    assert api.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    # The dashboard keeps its own policy (scripts from 'self'), not the JSON one.
    page = open_client.get("/admin")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
