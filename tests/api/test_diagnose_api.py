"""POST /v1/diagnose over HTTP: the route, 422s naming the field, 413 for an over-long
paste, and the case carried over two calls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

HOST = Path(__file__).resolve().parent.parent / "evidence" / "data" / "host"
SG = Path(__file__).resolve().parent.parent / "diagnosis" / "data"


def diagnose(client: TestClient, **body: Any) -> Any:
    return client.post("/v1/diagnose", json=body)


def test_a_description_gets_the_next_check(client: TestClient) -> None:
    r = diagnose(client, text="redis refuses connections from my laptop")
    assert r.status_code == 200, r.text
    body = r.json()
    diagnosis = body["diagnosis"]
    assert diagnosis["kind"] == "diagnosis" and diagnosis["language"] == "en"
    assert diagnosis["cause"] is None and diagnosis["fix"] is None
    first = next(c for c in diagnosis["checks"] if c["status"] == "todo")
    assert first["id"] == "listener" and "ss -lntup" in first["how"]  # refused: packets arrive, look at the listener
    assert diagnosis["needs"] == [first["paste"]]
    assert body["case"]["target"] == {"service": "redis", "ports": [6379], "protocols": ["tcp"], "alternatives": False}
    assert body["problem"] is True


def test_the_case_round_trips_over_two_calls(client: TestClient) -> None:
    first = diagnose(client, text="ssh 超时").json()
    assert first["diagnosis"]["cause"] is None
    paste = (SG / "sg_ssh_office.tsv").read_text(encoding="utf-8")
    second = diagnose(client, case=first["case"], text=paste).json()
    assert second["case"]["turns"] == 2 and second["case"]["language"] == "zh"
    assert second["case"]["evidence"][0]["kind"] == "security_groups"
    third = diagnose(client, case=second["case"], text="我的IP是 203.0.113.9").json()
    diagnosis = third["diagnosis"]
    assert diagnosis["cause"] == "sg_source_mismatch"
    assert diagnosis["decided_by"]["source"] == "security_group"
    assert diagnosis["decided_by"]["flow"] == {
        "direction": "ingress",
        "protocol": "tcp",
        "port": 22,
        "remote": "203.0.113.9",
    }
    (command,) = diagnosis["fix"]["commands"]
    assert command["tool"] == "tccli" and '"CidrBlock":"203.0.113.9/32"' in command["command"]
    assert diagnosis["faq_ids"]
    # Sending the case back unchanged is idempotent apart from the turn count.
    again = diagnose(client, case=third["case"]).json()
    assert again["diagnosis"]["cause"] == "sg_source_mismatch" and again["case"]["turns"] == 3


def test_a_pasted_firewall_concludes_with_its_command(client: TestClient) -> None:
    text = "mysql 3306 连接超时\n" + (HOST / "iptables_S.txt").read_text(encoding="utf-8")
    diagnosis = diagnose(client, text=text).json()["diagnosis"]
    assert diagnosis["cause"] == "os_firewall_drop"
    assert diagnosis["decided_by"]["text"] == "-A MYCHAIN -p tcp -m tcp --dport 3306 -j DROP"
    assert {"tool": "iptables", "command": "iptables -I MYCHAIN 1 -p tcp --dport 3306 -j ACCEPT"} in diagnosis["fix"][
        "commands"
    ]


def _case(client: TestClient) -> dict[str, Any]:
    case: dict[str, Any] = diagnose(client, text="8443访问不了").json()["case"]
    return case


@pytest.mark.parametrize(
    ("change", "loc", "kind"),
    [
        # Values the diagnosis package checks, located in the body.
        ({"target": {"ports": [70000], "protocols": ["tcp"]}}, ["body", "case", "target", "ports", 0], "port_invalid"),
        ({"symptoms": ["slow"]}, ["body", "case", "symptoms", 0], "unknown_id"),
        (
            {"source": {"kind": "client", "address": "not-an-ip"}},
            ["body", "case", "source", "address"],
            "address_invalid",
        ),
        ({"version": 9}, ["body", "case", "version"], "version"),
        # Shapes pydantic checks.
        ({"direction": "inbound"}, ["body", "case", "direction"], "literal_error"),
        ({"colour": "red"}, ["body", "case", "colour"], "extra_forbidden"),
    ],
)
def test_a_bad_case_is_a_422_naming_the_field(
    client: TestClient, change: dict[str, Any], loc: list[Any], kind: str
) -> None:
    r = diagnose(client, case=_case(client) | change, text="还是不行")
    assert r.status_code == 422, r.text
    problem = r.json()["detail"][0]
    assert (problem["loc"], problem["type"]) == (loc, kind)
    assert problem["msg"]


def test_a_stored_paste_that_no_longer_reads_is_a_422(client: TestClient) -> None:
    text = "3306 超时\n" + (HOST / "iptables_S.txt").read_text(encoding="utf-8")
    case = diagnose(client, text=text).json()["case"]
    case["evidence"][0]["text"] = "-A INPUT -p tcp --dport 99999 -j DROP"
    r = diagnose(client, case=case)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", "case", "evidence", 0, "text"]


def test_an_over_long_paste_is_a_413_saying_how_to_shorten_it(client: TestClient) -> None:
    rules = "\n".join(f"-A INPUT -s 10.0.{i % 250}.0/24 -p tcp -m tcp --dport {1024 + i} -j ACCEPT" for i in range(400))
    r = diagnose(client, text="-P INPUT DROP\n" + rules)
    assert r.status_code == 413, r.text
    problem = r.json()["detail"][0]
    assert problem["loc"] == ["body", "text"] and problem["type"] == "too_long"
    assert "iptables -S INPUT" in problem["msg"]


def test_the_route_is_in_the_openapi_document(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/v1/diagnose"]["post"]
    assert "413" in operation["responses"]
    schemas = spec["components"]["schemas"]
    assert {"DiagnoseRequest", "DiagnoseResponse", "CaseBody", "DiagnosisBody"} <= set(schemas)
    assert set(schemas["DiagnosisBody"]["properties"]) >= {"cause", "decided_by", "checks", "fix", "faq_ids", "needs"}
