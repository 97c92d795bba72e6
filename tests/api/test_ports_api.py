"""GET /v1/ports/{protocol}/{port}: verdicts over HTTP, and 422s in FastAPI's format."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize(
    ("url", "verdict", "reason_part", "extra"),
    [
        ("/v1/ports/tcp/445", "blocked", "Carriers intercept TCP port 445", {"direction": None}),
        ("/v1/ports/UDP/137", "blocked", "the range 135-139", {}),
        ("/v1/ports/udp/140", "open", "Nothing upstream blocks UDP 140", {}),
        ("/v1/ports/Tcp/136", "open", "Nothing upstream blocks TCP 136", {}),
        ("/v1/ports/tcp/25", "restricted", "outbound connections only", {"quota": 5, "direction": None}),
        ("/v1/ports/tcp/25?direction=egress", "restricted", "Outbound TCP 25", {"quota": 5, "direction": "egress"}),
        ("/v1/ports/tcp/25?direction=ingress", "open", "concerns outbound connections only", {"quota": None}),
    ],
)
def test_verdicts(client: TestClient, url: str, verdict: str, reason_part: str, extra: dict[str, Any]) -> None:
    response = client.get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == verdict and reason_part in body["reason"]
    assert body["advice"] and body["reason_zh"] and body["advice_zh"] and body["faq_id"].startswith("faq-")
    assert body["protocol"] == url.split("/")[3].lower()
    for key, value in extra.items():
        assert body[key] == value


def test_verdict_cites_a_real_faq_entry(client: TestClient) -> None:
    faq_id = client.get("/v1/ports/tcp/445").json()["faq_id"]
    assert client.get(f"/v1/faq/{faq_id}").json()["question"] == "腾讯云不支持哪些端口？"


@pytest.mark.parametrize(
    ("url", "locs", "msg_part"),
    [
        ("/v1/ports/icmp/80", [["path", "protocol"]], "tcp or udp"),
        ("/v1/ports/tcp/0", [["path", "port"]], "out of range"),
        ("/v1/ports/tcp/65536", [["path", "port"]], "out of range"),
        ("/v1/ports/tcp/abc", [["path", "port"]], "not a port number"),
        ("/v1/ports/icmp/abc", [["path", "protocol"], ["path", "port"]], "tcp or udp"),
        ("/v1/ports/tcp/80?direction=both", [["query", "direction"]], "ingress or egress"),
    ],
)
def test_bad_input_is_422_naming_the_part(client: TestClient, url: str, locs: list[list[str]], msg_part: str) -> None:
    response = client.get(url)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [d["loc"] for d in detail] == locs
    assert msg_part in detail[0]["msg"] and all(d["type"] for d in detail)
