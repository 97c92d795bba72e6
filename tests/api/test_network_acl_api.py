"""POST /v1/security-groups/evaluate with the subnet's network ACL: the hop in the answer, 422s
naming the field, and the OpenAPI schema saying what is accepted."""

from __future__ import annotations

from typing import Any

import jsonschema
from fastapi.testclient import TestClient

GROUPS = [
    {
        "SecurityGroupId": "sg-web00001",
        "SecurityGroupPolicySet": {
            "Ingress": [{"Protocol": "TCP", "Port": "22", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"}],
            "Egress": [{"Protocol": "ALL", "Port": "ALL", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"}],
        },
    }
]
FLOW = {"direction": "ingress", "protocol": "tcp", "port": 22, "remote": "203.0.113.7"}


def entry(protocol: str, port: str, action: str = "ACCEPT", **extra: Any) -> dict[str, Any]:
    return {
        "Protocol": protocol,
        "Port": port,
        "CidrBlock": "0.0.0.0/0",
        "Ipv6CidrBlock": "",
        "Action": action,
        **extra,
    }


# As DescribeNetworkAcls returns it: the request is allowed, the replies are not.
DESCRIBED = {
    "VpcId": "vpc-web00001",
    "NetworkAclId": "acl-web00001",
    "NetworkAclName": "web",
    "CreatedTime": "2026-01-05 10:00:00",
    "SubnetSet": [{"SubnetId": "subnet-web00001", "VpcId": "vpc-web00001"}],
    "IngressEntries": [entry("TCP", "22", Description="ssh", ModifyTime="2026-01-05 10:00:00")],
    "EgressEntries": [],
    "NetworkAclType": "TRIPLE",
    "TagSet": [],
}


def evaluate(client: TestClient, **body: Any) -> Any:
    return client.post("/v1/security-groups/evaluate", json=body)


def test_the_acl_is_the_first_hop_and_says_which_leg_drops(client: TestClient) -> None:
    response = evaluate(client, security_groups=GROUPS, flow=FLOW, network_acl=DESCRIBED)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["action"] == "ACCEPT" and body["reachable"] is False  # the group accepts, the ACL does not
    assert [(h["hop"], h["action"], h["decisive"]) for h in body["hops"]] == [
        ("network_acl", "DROP", True),
        ("security_group", "ACCEPT", False),
    ]
    acl = body["network_acl"]
    assert acl["action"] == "DROP"
    assert acl["request"] == {
        "direction": "ingress",
        "action": "ACCEPT",
        "ports": "22",
        "explanation": acl["request"]["explanation"],
    }
    assert acl["reply"]["direction"] == "egress" and acl["reply"]["ports"] == "1024-65535"
    assert acl["decided_by"]["direction"] == "egress" and acl["decided_by"]["index"] is None
    assert acl["decided_by"]["entry"]["Description"] == "default rule"
    assert "the network ACL drops it" in body["explanation"]


def test_without_an_acl_the_answer_has_none(client: TestClient) -> None:
    body = evaluate(client, security_groups=GROUPS, flow=FLOW).json()
    assert body["network_acl"] is None and [h["hop"] for h in body["hops"]] == ["security_group"]


def test_a_bad_acl_is_a_422_naming_the_field(client: TestClient) -> None:
    bad = {**DESCRIBED, "EgressEntries": [entry("TCP", "1024-65535", action="ALLOW")]}
    response = evaluate(client, security_groups=GROUPS, flow=FLOW, network_acl=bad)
    assert response.status_code == 422
    (problem,) = response.json()["detail"]
    assert problem["loc"] == ["body", "network_acl", "EgressEntries", 0, "Action"]
    assert "ACCEPT or DROP" in problem["msg"]


def test_the_schema_says_what_is_accepted(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schema = spec["paths"]["/v1/security-groups/evaluate"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]
    # With the components beside it, so that "#/components/schemas/..." resolves as in the document.
    validator = jsonschema.Draft202012Validator({"allOf": [schema], "components": spec["components"]})
    accepted = [
        {"security_groups": GROUPS, "flow": FLOW, "network_acl": DESCRIBED},
        {"security_groups": GROUPS, "flow": FLOW, "network_acl": None},
        {
            "security_groups": GROUPS,
            "flow": FLOW,
            "network_acl": {"NetworkAclEntrySet": {"Ingress": [entry("ALL", "ALL")], "Egress": [entry("all", "")]}},
        },
        {
            "security_groups": GROUPS,
            "flow": FLOW,
            "network_acl": {
                "IngressEntries": [entry("TCP", "22", Priority=2), entry("UDP", "53,123", "DROP", Priority=1)],
                "EgressEntries": [{"Protocol": "TCP", "Port": 443, "Ipv6CidrBlock": "::/0", "Action": "drop"}],
            },
        },
        {"security_groups": GROUPS, "flow": FLOW, "network_acl": {"NetworkAclType": "QUINTUPLE"}},
    ]
    for body in accepted:
        assert evaluate(client, **body).status_code == 200, body
        assert not list(validator.iter_errors(body)), body
    refused_by_shape = [
        {"security_groups": GROUPS, "flow": FLOW, "network_acl": {"IngressEntries": []}},
        {"security_groups": GROUPS, "flow": FLOW, "network_acl": "acl-web00001"},
        {"security_groups": GROUPS, "flow": FLOW, "network_acl": {**DESCRIBED, "IngressEntries": {}}},
        {"security_groups": GROUPS, "flow": FLOW, "network_acl": {**DESCRIBED, "EgressEntries": [{"Port": "22"}]}},
        {
            "security_groups": GROUPS,
            "flow": FLOW,
            "network_acl": {**DESCRIBED, "EgressEntries": [entry("TCP", "22", action="ALLOW")]},
        },
        {
            "security_groups": GROUPS,
            "flow": FLOW,
            "network_acl": {**DESCRIBED, "EgressEntries": [entry("TCP", "22", Priority="1")]},
        },
    ]
    for body in refused_by_shape:
        assert evaluate(client, **body).status_code == 422, body
        assert list(validator.iter_errors(body)), body
