"""The OpenAPI document and the app agree (issue 12, item 8): a request is refused exactly when
/openapi.json says it is invalid. Each row is a request at the edge of a schema: the app's
answer and the schema's verdict are asserted together. tests/security/test_schemathesis.py
draws many more of them."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import HANDOFF_HEADERS

GROUP = {
    "SecurityGroupId": "sg-web00001",
    "SecurityGroupPolicySet": {
        "Ingress": [{"Protocol": "TCP", "Port": "22", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT", "PolicyIndex": 0}],
        "Egress": [],
    },
}
FLOW = {"direction": "ingress", "protocol": "tcp", "port": 22, "remote": "203.0.113.7"}
ACL_ENTRY = {"Protocol": "ALL", "Port": "ALL", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"}
HANDOFF = {
    "conversation_id": "truth-1",
    "channel": "rest",
    "language": "en",
    "reason": "user_request",
    "transcript": [{"sender": "user", "text": "a human please", "timestamp": 1767225600}],
    "candidates": [{"id": "faq-1", "question": "q", "score": 0.5}],
}


def _acl(**entry: Any) -> dict[str, Any]:
    return {"IngressEntries": [{**ACL_ENTRY, **entry}], "EgressEntries": [ACL_ENTRY]}


def _group(**policy: Any) -> dict[str, Any]:
    first = {**GROUP["SecurityGroupPolicySet"]["Ingress"][0], **policy}  # type: ignore[index]
    return {"SecurityGroupId": "sg-web00001", "SecurityGroupPolicySet": {"Ingress": [first], "Egress": []}}


BODIES: list[tuple[str, dict[str, Any], bool]] = [
    # (path, body, valid: accepted by the app and by the schema alike)
    ("/v1/answer", {"question": ""}, False),
    ("/v1/answer", {"question": " \u3000\n"}, False),  # only white space (an ideographic space too)
    ("/v1/answer", {"question": "445", "top_k": 2.0}, True),  # 2.0 is an integer to JSON Schema
    ("/v1/answer", {"question": "445", "top_k": "2"}, False),  # a string is not, even of digits
    ("/v1/answer", {"question": "445", "top_k": True}, False),
    ("/v1/security-groups/evaluate", {"security_groups": [GROUP], "flow": FLOW}, True),
    ("/v1/security-groups/evaluate", {"security_groups": [GROUP], "flow": {**FLOW, "port": None}}, False),
    (
        "/v1/security-groups/evaluate",
        {"security_groups": [GROUP], "flow": {**FLOW, "protocol": "icmp", "port": 8}},  # ICMP has no ports
        False,
    ),
    ("/v1/security-groups/evaluate", {"security_groups": [_group(PolicyIndex=3.0)], "flow": FLOW}, True),
    ("/v1/security-groups/evaluate", {"security_groups": [_group(PolicyIndex=-1)], "flow": FLOW}, False),
    ("/v1/security-groups/evaluate", {"security_groups": [_group(PolicyIndex=0.5)], "flow": FLOW}, False),
    ("/v1/security-groups/evaluate", {"security_groups": [GROUP], "flow": {**FLOW, "port": 22.0}}, True),
    ("/v1/security-groups/evaluate", {"security_groups": [GROUP], "flow": {**FLOW, "port": 22.5}}, False),
    ("/v1/security-groups/evaluate", {"security_groups": [_group(cidrBlock="1.2.3.4")], "flow": FLOW}, False),
    (
        "/v1/security-groups/evaluate",
        {"security_groups": [GROUP], "flow": FLOW, "network_acl": _acl(Priority=1.0)},
        True,
    ),
    (
        "/v1/security-groups/evaluate",
        {"security_groups": [GROUP], "flow": FLOW, "network_acl": _acl(Priority="1")},
        False,
    ),
    (
        "/v1/security-groups/evaluate",
        {"security_groups": [GROUP], "flow": FLOW, "network_acl": _acl(CidrBlock="", Ipv6CidrBlock="")},  # no address
        False,
    ),
    ("/v1/security-groups/deletion-check", {"security_group_id": ""}, False),
    ("/v1/security-groups/deletion-check", {"instances": []}, False),  # instances of which group?
    ("/v1/security-groups/deletion-check", {"security_group_id": "sg-1", "instances": []}, True),
    ("/v1/security-groups/deletion-check", {"security_group_id": "sg-1", "region": "Guangzhou"}, True),
    ("/v1/security-groups/deletion-check", {"security_group_id": "sg-1", "region": "Atlantis"}, False),
    ("/v1/diagnose", {"text": "22 times out", "region": " SILICON  valley "}, True),
    ("/v1/diagnose", {"text": "22 times out", "region": ""}, False),
    ("/v1/handoffs", HANDOFF, True),
    ("/v1/handoffs", {**HANDOFF, "candidates": [{"id": "faq-1", "question": "q", "score": False}]}, False),
]


@pytest.fixture(scope="module")
def spec(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/openapi.json").json()
    return document


def _schema_allows(spec: dict[str, Any], path: str, body: Any) -> bool:
    schema = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    # The components beside it, so that "#/components/schemas/..." resolves as in the document.
    validator = jsonschema.Draft202012Validator({"allOf": [schema], "components": spec["components"]})
    return validator.is_valid(body)


@pytest.mark.parametrize(("path", "body", "valid"), BODIES, ids=[f"{p} {b}"[:90] for p, b, _ in BODIES])
def test_a_body_is_refused_exactly_when_the_schema_says_it_is_invalid(
    client: TestClient, spec: dict[str, Any], path: str, body: dict[str, Any], valid: bool
) -> None:
    assert _schema_allows(spec, path, body) == valid
    response = client.post(path, json=body, headers=HANDOFF_HEADERS if path == "/v1/handoffs" else {})
    assert (response.status_code < 400) == valid, response.text
    if not valid:
        assert response.status_code == 422 and response.json()["detail"][0]["loc"][0] == "body", response.text


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/v1/ports/0/0", 422),  # the example: neither is in the schema's patterns
        ("/v1/ports/tcp/0", 422),
        ("/v1/ports/TCP/00022", 200),  # digits with leading zeros are port 22, as the pattern says
        ("/v1/ports/tcp/--22", 422),  # was a 500
        ("/v1/ports/udp/65536", 422),
        ("/v1/ports/tcp/22?direction=inbound", 422),
    ],
)
def test_port_parameters_follow_their_patterns(client: TestClient, spec: dict[str, Any], url: str, status: int) -> None:
    response = client.get(url)
    assert response.status_code == status, response.text
    path, _, query = url.partition("?")
    protocol, port = path.split("/")[-2:]
    parameters = {p["name"]: p["schema"] for p in spec["paths"]["/v1/ports/{protocol}/{port}"]["get"]["parameters"]}
    allowed = all(
        jsonschema.Draft202012Validator(parameters[name]).is_valid(value)
        for name, value in [
            ("protocol", protocol),
            ("port", port),
            *(tuple(q.split("=")) for q in query.split("&") if q),
        ]
    )
    assert allowed == (status == 200)
