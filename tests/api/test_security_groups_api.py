"""POST /v1/security-groups/evaluate and /deletion-check over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

WEB = {
    "SecurityGroupId": "sg-web",
    "SecurityGroupPolicySet": {
        "Version": "3",
        "Ingress": [
            {
                "PolicyIndex": 0,
                "Protocol": "TCP",
                "Port": "22",
                "CidrBlock": "198.51.100.0/24",
                "Action": "ACCEPT",
                "PolicyDescription": "ssh from office",
                "ModifyTime": "2024-05-01 10:00:00",
            },
            {"PolicyIndex": 1, "Protocol": "tcp", "Port": "80,443", "SecurityGroupId": "sg-lb", "Action": "ACCEPT"},
            {"PolicyIndex": 2, "Protocol": "ALL", "Port": "ALL", "Ipv6CidrBlock": "::/0", "Action": "DROP"},
        ],
        "Egress": [{"PolicyIndex": 0, "Protocol": "ALL", "Port": "ALL", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"}],
    },
}
OPEN = {
    "SecurityGroupId": "sg-open",
    "Response": {
        "SecurityGroupPolicySet": {
            "Ingress": [{"Protocol": "ALL", "Port": "ALL", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"}]
        },
        "RequestId": "x",
    },
}


def evaluate(client: TestClient, **body: Any) -> Any:
    return client.post("/v1/security-groups/evaluate", json=body)


@pytest.mark.parametrize(
    ("body", "action", "reachable", "policy_index", "explanation_part"),
    [
        (
            {"flow": {"direction": "ingress", "protocol": "tcp", "port": 22, "remote": "198.51.100.20"}},
            "ACCEPT",
            True,
            0,
            "'ssh from office'",
        ),
        (
            {"flow": {"direction": "ingress", "protocol": "tcp", "port": 22, "remote": "203.0.113.7"}},
            "DROP",
            False,
            None,
            "default deny",
        ),
        (
            {
                "flow": {"direction": "ingress", "protocol": "tcp", "port": 443, "remote": "10.0.0.9"},
                "group_members": {"sg-lb": ["10.0.0.9"]},
            },
            "ACCEPT",
            True,
            1,
            "members of sg-lb",
        ),
        (
            {"flow": {"direction": "ingress", "protocol": "tcp", "port": 443, "remote": "10.0.0.9"}},
            "UNKNOWN",
            None,
            None,
            "Provide group_members[sg-lb]",
        ),
        (
            {"flow": {"direction": "ingress", "protocol": "tcp", "port": 22, "remote": "2001:db8::1"}},
            "DROP",
            False,
            2,
            "::/0",
        ),
        (
            {"flow": {"direction": "egress", "protocol": "tcp", "port": 25, "remote": "203.0.113.25"}},
            "ACCEPT",
            False,
            0,
            "unblocking entry",
        ),
    ],
)
def test_evaluate(
    client: TestClient,
    body: dict[str, Any],
    action: str,
    reachable: bool | None,
    policy_index: int | None,
    explanation_part: str,
) -> None:
    response = evaluate(client, security_groups=[WEB], **body)
    assert response.status_code == 200
    result = response.json()
    assert result["action"] == action and result["reachable"] is reachable
    decided = result["decided_by"]
    assert (decided["policy_index"] if decided else None) == policy_index
    assert explanation_part in result["explanation"]
    if decided:
        assert (
            decided["security_group_id"] == "sg-web"
            and decided["policy"]
            == WEB["SecurityGroupPolicySet"]["Ingress" if decided["direction"] == "ingress" else "Egress"][
                decided["position"]
            ]
        )


def test_several_groups_and_the_traffic_path(client: TestClient) -> None:
    iptables = "*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 8080 -j DROP\nCOMMIT\n"
    result = evaluate(
        client,
        security_groups=[WEB, OPEN],
        iptables_save=iptables,
        flow={"direction": "ingress", "protocol": "tcp", "port": 8080, "remote": "203.0.113.7"},
    ).json()
    assert result["action"] == "ACCEPT" and result["decided_by"]["security_group_id"] == "sg-open"
    assert [(h["hop"], h["action"], h["decisive"]) for h in result["hops"]] == [
        ("security_group", "ACCEPT", False),
        ("iptables", "DROP", True),
    ]
    assert result["reachable"] is False and "iptables drops it" in result["explanation"]
    assert result["port_verdict"]["verdict"] == "open"


@pytest.mark.parametrize(
    ("body", "loc", "msg_part"),
    [
        (
            {
                "security_groups": [
                    WEB,
                    {
                        **OPEN,
                        "Response": {
                            "SecurityGroupPolicySet": {
                                "Ingress": [
                                    {"Protocol": "TCP", "Port": "22", "CidrBlock": "10.0.0.0/8", "Action": "ACCEPT"},
                                    {"Protocol": "TCP", "Port": "22", "CidrBlock": "10.0.0.0/8", "Action": "ACCEPT"},
                                    {"Protocol": "TCP", "Port": "22", "CidrBlock": "10.0.0.256/8", "Action": "ACCEPT"},
                                ]
                            }
                        },
                    },
                ]
            },
            ["body", "security_groups", 1, "Ingress", 2, "CidrBlock"],
            "not a CIDR block",
        ),
        (
            {
                "security_groups": [
                    {
                        "SecurityGroupId": "sg-1",
                        "SecurityGroupPolicySet": {
                            "Egress": [
                                {"Protocol": "UDP", "Port": "53-99999", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"}
                            ]
                        },
                    }
                ]
            },
            ["body", "security_groups", 0, "Egress", 0, "Port"],
            "out of range",
        ),
        (
            {"flow": {"direction": "ingress", "protocol": "tcp", "port": "http", "remote": "1.2.3.4"}},
            ["body", "flow", "port"],
            "not a port number",
        ),
        (
            {"flow": {"direction": "north", "protocol": "tcp", "port": 22, "remote": "1.2.3.4"}},
            ["body", "flow", "direction"],
            "ingress or egress",
        ),
        (
            {"flow": {"direction": "ingress", "protocol": "sctp", "port": 22, "remote": "1.2.3.4"}},
            ["body", "flow", "protocol"],
            "one of tcp",
        ),
        (
            {"flow": {"direction": "ingress", "protocol": "tcp", "port": 22, "remote": "1.2.3"}},
            ["body", "flow", "remote"],
            "not an IPv4 or IPv6 address",
        ),
        (
            {"iptables_save": "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 0 -j DROP\nCOMMIT\n"},
            ["body", "iptables_save", 3],
            "out of range",
        ),
        (
            {"flow": {"direction": "ingress", "protocol": "tcp", "port": 22}},
            ["body", "flow", "remote"],
            "Field required",
        ),
    ],
)
def test_malformed_input_is_422_with_location(
    client: TestClient, body: dict[str, Any], loc: list[Any], msg_part: str
) -> None:
    payload = {
        "security_groups": [WEB],
        "flow": {"direction": "ingress", "protocol": "tcp", "port": 22, "remote": "1.2.3.4"},
        **body,
    }
    response = evaluate(client, **payload)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["loc"] == loc and msg_part in detail[0]["msg"] and detail[0]["type"]


@pytest.mark.parametrize(
    ("body", "deletable", "kinds", "reasons"),
    [
        ({}, None, [], ["bound_instance", "recycle_bin", "referenced_by_rule"]),
        (
            {
                "instances": [{"InstanceId": "ins-1", "InstanceState": "SHUTDOWN", "SecurityGroupIds": ["sg-lb"]}],
                "other_groups": [],
            },
            False,
            ["recycle_bin_instance"],
            ["recycle_bin"],
        ),
        (
            {
                "instances": [{"InstanceId": "ins-1", "InstanceState": "RUNNING", "SecurityGroupIds": ["sg-web"]}],
                "other_groups": [WEB],
            },
            False,
            ["referenced_by_rule"],
            ["referenced_by_rule"],
        ),
        ({"instances": {"Response": {"InstanceSet": []}}, "other_groups": [OPEN]}, True, [], []),
    ],
)
def test_deletion_check(
    client: TestClient, body: dict[str, Any], deletable: bool | None, kinds: list[str], reasons: list[str]
) -> None:
    response = client.post("/v1/security-groups/deletion-check", json={"security_group_id": "sg-lb", **body})
    assert response.status_code == 200
    result = response.json()
    assert result["deletable"] is deletable and result["reasons"] == reasons
    assert [b["kind"] for b in result["blockers"]] == kinds
    assert client.get(f"/v1/faq/{result['faq_id']}").json()["question"] == "云服务器已经全部退还，为什么安全组无法删除?"
    if kinds == ["referenced_by_rule"]:
        assert result["blockers"][0]["rule"]["security_group_id"] == "sg-web"
        assert result["blockers"][0]["rule"]["policy_index"] == 1


def test_deletion_check_bad_input(client: TestClient) -> None:
    response = client.post(
        "/v1/security-groups/deletion-check", json={"security_group_id": "sg-1", "instances": [{"InstanceId": "ins-1"}]}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "instances", 0, "SecurityGroupIds"]


def test_deletion_check_without_a_group_lists_the_possible_causes(client: TestClient) -> None:
    body = client.post("/v1/security-groups/deletion-check", json={}).json()
    assert body["security_group_id"] is None and body["deletable"] is None
    assert "recycle_bin" in body["reasons"]
    assert body["explanation"].startswith("Whether the security group can be deleted cannot be told")
    assert "recycle bin" in body["explanation"]


def test_deletion_check_with_instances_needs_the_group_id(client: TestClient) -> None:
    response = client.post("/v1/security-groups/deletion-check", json={"instances": []})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "security_group_id"
