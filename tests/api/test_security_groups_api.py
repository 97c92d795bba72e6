"""POST /v1/security-groups/evaluate and /deletion-check over HTTP."""

from __future__ import annotations

from typing import Any

import jsonschema
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


# Issue 11: the five minimal requests that showed each class of wrong verdict.
def repro_group(*ingress: dict[str, Any]) -> dict[str, Any]:
    return {"SecurityGroupId": "sg-repro001", "SecurityGroupPolicySet": {"Ingress": list(ingress), "Egress": []}}


REPRO_FLOW = {"direction": "ingress", "protocol": "tcp", "port": 80, "remote": "1.2.3.4"}
ALL_FROM = {"Protocol": "ALL", "Port": "ALL", "Action": "ACCEPT"}
STATEFUL = (
    "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
    "-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n"
)


def template_policy(template_id: str, action: str) -> dict[str, Any]:
    return {**ALL_FROM, "Action": action, "AddressTemplate": {"AddressId": template_id, "AddressGroupId": ""}}


def test_repro_1_a_zero_network_block_is_not_everything(client: TestClient) -> None:
    groups = [repro_group({**ALL_FROM, "PolicyIndex": 0, "CidrBlock": "0.0.0.0/8"})]
    result = evaluate(client, security_groups=groups, flow=REPRO_FLOW).json()
    assert result["action"] == "DROP" and result["decided_by"] is None and result["reachable"] is False
    assert "0.0.0.0/0" not in result["explanation"]


def test_repro_2_policy_index_decides_the_order(client: TestClient) -> None:
    groups = [
        repro_group(
            {**ALL_FROM, "PolicyIndex": 1, "CidrBlock": "0.0.0.0/0", "Action": "DROP"},
            {**ALL_FROM, "PolicyIndex": 0, "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"},
        )
    ]
    result = evaluate(client, security_groups=groups, flow=REPRO_FLOW).json()
    assert result["action"] == "ACCEPT" and result["decided_by"]["policy_index"] == 0
    assert "matched by PolicyIndex (0 first)" in result["explanation"]


def test_repro_3_connection_state_is_read_for_a_new_connection(client: TestClient) -> None:
    groups = [repro_group({**ALL_FROM, "CidrBlock": "0.0.0.0/0"})]
    result = evaluate(client, security_groups=groups, flow=REPRO_FLOW, iptables_save=STATEFUL).json()
    assert result["reachable"] is False
    assert [(h["hop"], h["action"]) for h in result["hops"]] == [("security_group", "ACCEPT"), ("iptables", "DROP")]
    assert "(state NEW)" in result["explanation"]


def test_repro_4_missing_lists_everything_in_one_round(client: TestClient) -> None:
    groups = [
        repro_group(*(template_policy(t, a) for t, a in (("ipm-a", "ACCEPT"), ("ipm-b", "DROP"), ("ipm-c", "ACCEPT"))))
    ]
    first = evaluate(client, security_groups=groups, flow=REPRO_FLOW).json()
    assert first["action"] == "UNKNOWN" and first["reachable"] is None
    assert first["missing"] == ["address_templates[ipm-a]", "address_templates[ipm-b]", "address_templates[ipm-c]"]
    templates = {"ipm-a": ["10.0.0.0/8"], "ipm-b": [], "ipm-c": ["1.2.3.4"]}
    second = evaluate(client, security_groups=groups, flow=REPRO_FLOW, address_templates=templates).json()
    assert second["action"] == "ACCEPT" and second["decided_by"]["position"] == 2 and second["missing"] == []


def _cidr(**fields: Any) -> dict[str, Any]:
    return {"security_groups": [repro_group({**ALL_FROM, "CidrBlock": "0.0.0.0/0", **fields})]}


NESTED = {
    "security_groups": [repro_group({**ALL_FROM, "AddressTemplate": {"AddressId": "", "AddressGroupId": "ipmg-a"}})]
}


@pytest.mark.parametrize(
    ("body", "loc", "msg_part"),
    [
        (_cidr(Protocol="tcp ", Port="80"), ["security_groups", 0, "Ingress", 0, "Protocol"], "without spaces"),
        (_cidr(Protocol=" TCP", Port="80"), ["security_groups", 0, "Ingress", 0, "Protocol"], "without spaces"),
        (_cidr(CidrBlock=" 1.2.3.0/24"), ["security_groups", 0, "Ingress", 0, "CidrBlock"], "without spaces"),
        (
            _cidr(Protocol="ICMP", CidrBlock="", Ipv6CidrBlock="::/0"),
            ["security_groups", 0, "Ingress", 0, "Protocol"],
            "use ICMPv6 for IPv6",
        ),
        ({"flow": {**REPRO_FLOW, "port": True}}, ["flow", "port"], "got true"),
        ({"flow": {**REPRO_FLOW, "port": "80"}}, ["flow", "port"], "a JSON integer"),
        ({"flow": {**REPRO_FLOW, "direction": "inbound"}}, ["flow", "direction"], "ingress or egress"),
        ({"flow": {**REPRO_FLOW, "protocol": "TCP"}}, ["flow", "protocol"], "lowercase"),
        ({"flow": {**REPRO_FLOW, "source": "1.2.3.4"}}, ["flow", "source"], "unknown field"),
        ({"group_member": {"sg-1": []}}, ["group_member"], "did you mean 'group_members'"),
        (
            {"security_groups": [{"SecurityGroupPolicySet": {"Ingress": []}}]},
            ["security_groups", 0, "SecurityGroupId"],
            "missing SecurityGroupId",
        ),
        (
            {"security_groups": [{"SecurityGroupId": "", "SecurityGroupPolicySet": {}}]},
            ["security_groups", 0, "SecurityGroupId"],
            "missing SecurityGroupId",
        ),
        (
            {"security_groups": [{"SecurityGroupId": 12, "SecurityGroupPolicySet": {}}]},
            ["security_groups", 0, "SecurityGroupId"],
            "got 12",
        ),
        (
            {**NESTED, "address_templates": {"ipmg-a": ["ipm-x", "ipmg-b"], "ipmg-b": ["ipm-x"], "ipm-x": []}},
            ["address_templates", "ipmg-a", 1],
            "a group holds templates, not groups",
        ),
        (
            {**NESTED, "address_templates": {"ipmg-a": ["ipmg-a"]}},  # a cycle is a nesting too
            ["address_templates", "ipmg-a", 0],
            "a group holds templates, not groups",
        ),
        (
            {
                "security_groups": [
                    repro_group(
                        {**ALL_FROM, "CidrBlock": "0.0.0.0/0", "PolicyIndex": 3},
                        {**ALL_FROM, "CidrBlock": "0.0.0.0/0", "PolicyIndex": 3},
                    )
                ]
            },
            ["security_groups", 0, "Ingress", 0, "PolicyIndex"],
            "used by policies 0 and 1",
        ),
    ],
)
def test_repro_5_malformed_input_is_a_422_naming_the_field(
    client: TestClient, body: dict[str, Any], loc: list[Any], msg_part: str
) -> None:
    response = evaluate(client, **{"security_groups": [repro_group()], "flow": REPRO_FLOW, **body})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail[0]["loc"] == ["body", *loc] and msg_part in detail[0]["msg"], detail


def test_tencent_policy_objects_keep_their_extra_fields(client: TestClient) -> None:
    policy = {**ALL_FROM, "CidrBlock": "0.0.0.0/0", "ModifyTime": "2024-05-01 10:00:00", "PolicyDescription": ""}
    result = evaluate(client, security_groups=[repro_group(policy)], flow=REPRO_FLOW).json()
    assert result["action"] == "ACCEPT" and result["decided_by"]["policy"] == policy


@pytest.mark.parametrize(
    ("content", "content_type", "msg_part"),
    [
        (b'{"flow": ', "application/json", "not valid JSON"),
        (b'{"flow": NaN}', "application/json", "not valid JSON"),
        (b"[]", "application/json", "expected a JSON object"),
        (b"security_groups=1", "application/x-www-form-urlencoded", "send the body as JSON"),
    ],
)
def test_bodies_that_are_not_json_objects(client: TestClient, content: bytes, content_type: str, msg_part: str) -> None:
    response = client.post("/v1/security-groups/evaluate", content=content, headers={"Content-Type": content_type})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["loc"][0] == "body" and msg_part in detail[0]["msg"]


def test_the_schema_says_what_is_accepted(client: TestClient) -> None:
    """Every body the tests above send is valid for /openapi.json exactly when it is not refused
    for its shape; bodies refused for a value the schema cannot express still validate."""
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/v1/security-groups/evaluate"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert "422" in operation["responses"]
    # With the components beside it, so that "#/components/schemas/..." resolves as in the document.
    validator = jsonschema.Draft202012Validator({"allOf": [schema], "components": spec["components"]})
    accepted = [
        {
            "security_groups": [WEB, OPEN],
            "flow": {"direction": "ingress", "protocol": "tcp", "port": 22, "remote": "1.2.3.4"},
        },
        {
            "security_groups": [repro_group(template_policy("ipm-a", "DROP"))],
            "flow": {"direction": "egress", "protocol": "icmpv6", "remote": "2001:db8::1", "local": "2001:db8::2"},
            "address_templates": {
                "ipm-a": {"AddressExtraSet": [{"Address": "10.0.0.1-10.0.0.9", "Description": "x"}]},
                "ipmg-b": {"AddressTemplateIdSet": ["ipm-a"]},
            },
            "service_templates": {"ppm-a": {"ServiceSet": ["tcp: 8080"]}},
            "group_members": {"sg-lb": ["10.0.0.9"]},
            "iptables_save": STATEFUL,
        },
    ]
    for body in accepted:
        assert evaluate(client, **body).status_code == 200
        assert not list(validator.iter_errors(body)), body
    refused_by_shape = [
        {**accepted[0], "group_member": {}},
        {**accepted[0], "flow": {**REPRO_FLOW, "port": True}},
        {**accepted[0], "flow": {**REPRO_FLOW, "direction": "inbound"}},
        {**accepted[0], "security_groups": [{"SecurityGroupPolicySet": {}}]},
        {**accepted[0], "security_groups": [{"SecurityGroupId": "sg-1", "SecurityGroupPolicySet": {"Ingres": []}}]},
        {**accepted[0], **_cidr(Protocol="tcp ")},
        {**accepted[0], **_cidr(CidrBlock=" 1.2.3.0/24")},
        {**accepted[0], "address_templates": {"office": ["10.0.0.1"]}},
    ]
    for body in refused_by_shape:
        assert evaluate(client, **body).status_code == 422
        assert list(validator.iter_errors(body)), body
