"""Reading DescribeSecurityGroupPolicies output leniently, and rejecting malformed rules at load."""

from __future__ import annotations

from typing import Any

import pytest
from sg_builders import group, rule

from rules import RuleValidationError, parse_security_groups
from rules.policies import CidrSource, GroupSource, ServiceTemplateRef
from rules.services import Service


@pytest.mark.parametrize(
    ("port", "shown"),
    [
        ("ALL", "all ports"),
        ("all", "all ports"),
        ("", "all ports"),  # the API returns "" for rules without ports
        ("22", "22"),
        (22, "22"),  # a number, not text
        ("8000-8010", "8000-8010"),
        ("80,443", "80,443"),
        (" 80 , 8000-8010 ", "80,8000-8010"),  # spaces and a mixed list
    ],
)
def test_port_syntaxes(port: Any, shown: str) -> None:
    (g,) = parse_security_groups([group(ingress=[rule(port=port)])])
    service = g.ingress[0].service
    assert isinstance(service, Service) and str(service.ports) == shown


@pytest.mark.parametrize("protocol", ["TCP", "tcp", "Udp", "ICMP", "ICMPv6", "icmpv6", "GRE", "ALL", "all"])
def test_protocols_in_any_case(protocol: str) -> None:
    port = "ALL" if protocol.lower() not in ("tcp", "udp") else "80"
    (g,) = parse_security_groups([group(ingress=[rule(protocol=protocol, port=port)])])
    assert isinstance(g.ingress[0].service, Service) and g.ingress[0].service.protocol == protocol.lower()


def test_wrapped_response_and_api_style_empty_fields() -> None:
    policy = {
        "PolicyIndex": 3,
        "Protocol": "tcp",
        "Port": "22",
        "CidrBlock": "",
        "Ipv6CidrBlock": "::/0",
        "SecurityGroupId": "",
        "AddressTemplate": {"AddressId": "", "AddressGroupId": ""},
        "ServiceTemplate": {"ServiceId": "", "ServiceGroupId": ""},
        "Action": "accept",
        "PolicyDescription": "ssh v6",
        "ModifyTime": "2024-01-01 00:00:00",
    }
    raw = {"SecurityGroupId": "sg-w", "Response": {"SecurityGroupPolicySet": {"Ingress": [policy]}, "RequestId": "r"}}
    (g,) = parse_security_groups([raw])
    p = g.ingress[0]
    assert g.id == "sg-w" and p.action == "ACCEPT" and p.policy_index == 3
    assert isinstance(p.source, CidrSource) and str(p.source.network) == "::/0"
    assert p.raw == policy  # echoed exactly, description and all
    assert "'ssh v6'" in p.label()


def test_group_without_id_is_named_by_position_and_keys_in_any_case() -> None:
    raw = {
        "response": {
            "securityGroupPolicySet": {
                "egress": [{"protocol": "udp", "port": "53", "cidrBlock": "8.8.8.8", "action": "DROP"}]
            }
        }
    }
    (g,) = parse_security_groups([raw])
    assert g.id == "#0" and g.egress[0].action == "DROP"
    assert isinstance(g.egress[0].source, CidrSource) and str(g.egress[0].source.network) == "8.8.8.8/32"


def test_zero_address_with_any_prefix_means_everything() -> None:
    # Tencent Cloud maps every 0.0.0.0/n to 0.0.0.0/0.
    (g,) = parse_security_groups([group(ingress=[rule(CidrBlock="0.0.0.0/8")])])
    assert isinstance(g.ingress[0].source, CidrSource) and str(g.ingress[0].source.network) == "0.0.0.0/0"


def test_references_are_kept_as_references() -> None:
    (g,) = parse_security_groups(
        [
            group(
                ingress=[
                    rule(SecurityGroupId="sg-x"),
                    {
                        "ServiceTemplate": {"ServiceId": "", "ServiceGroupId": "ppmg-1"},
                        "CidrBlock": "10.0.0.0/8",
                        "Action": "DROP",
                    },
                ]
            )
        ]
    )
    assert g.ingress[0].source == GroupSource("sg-x")
    assert g.ingress[1].service == ServiceTemplateRef("ppmg-1")


@pytest.mark.parametrize(
    ("policy", "field", "msg_part"),
    [
        (rule(CidrBlock="10.0.0.0/33"), "CidrBlock", "is not a CIDR block"),
        (rule(CidrBlock="not-an-ip"), "CidrBlock", "is not a CIDR block"),
        (rule(CidrBlock="2001:db8::/32"), "CidrBlock", "put it in Ipv6CidrBlock"),  # IPv6 in the IPv4 field
        (rule(Ipv6CidrBlock="10.0.0.0/8"), "Ipv6CidrBlock", "put it in CidrBlock"),
        (rule(port="70000"), "Port", "out of range"),
        (rule(port="0"), "Port", "out of range"),
        (rule(port="http"), "Port", "not a port number"),
        (rule(port="90-80"), "Port", "runs backwards"),
        (rule(port="80,"), "Port", "not a port list"),
        (rule(port="8000-"), "Port", "not a port list"),
        (rule(protocol="ICMP", port="8"), "Port", "does not apply to ICMP"),
        (rule(protocol="SCTP"), "Protocol", "unknown protocol"),
        (rule(protocol=""), "Protocol", "missing Protocol"),
        (rule(action="ALLOW"), "Action", "ACCEPT or DROP"),
        (rule(action=None), "Action", "ACCEPT or DROP"),
        ({"Protocol": "TCP", "Port": "22", "Action": "ACCEPT"}, "CidrBlock", "has no source"),
        (rule(CidrBlock="10.0.0.0/8", SecurityGroupId="sg-x"), "SecurityGroupId", "exclusive"),
        (rule(AddressTemplate="ipm-1"), "AddressTemplate", "expected an object"),
        (rule(AddressTemplate={"AddressId": "ipm-1", "AddressGroupId": "ipmg-1"}), "AddressTemplate", "not both"),
        ({**rule(), "ServiceTemplate": {"ServiceId": "ppm-1"}}, "ServiceTemplate", "exclusive"),
        ({**rule(), "PolicyIndex": "first"}, "PolicyIndex", "whole number"),
    ],
)
def test_malformed_rules_are_rejected_with_index_and_field(policy: dict[str, Any], field: str, msg_part: str) -> None:
    groups = [group("sg-ok", ingress=[rule()]), group("sg-bad", ingress=[rule(), rule(), policy])]
    with pytest.raises(RuleValidationError) as caught:
        parse_security_groups(groups)
    (problem,) = caught.value.problems
    assert problem.loc == ("security_groups", 1, "Ingress", 2, field)
    assert msg_part in problem.msg


def test_every_problem_is_reported_at_once() -> None:
    groups = [group(ingress=[rule(CidrBlock="x")], egress=[rule(port="99999"), rule(action="NOPE")])]
    with pytest.raises(RuleValidationError) as caught:
        parse_security_groups(groups)
    assert [p.loc for p in caught.value.problems] == [
        ("security_groups", 0, "Ingress", 0, "CidrBlock"),
        ("security_groups", 0, "Egress", 0, "Port"),
        ("security_groups", 0, "Egress", 1, "Action"),
    ]


@pytest.mark.parametrize(
    ("groups", "loc", "msg_part"),
    [
        ({"SecurityGroupId": "sg-1"}, ("security_groups",), "expected a list"),
        (["sg-1"], ("security_groups", 0), "expected a security group object"),
        ([{"SecurityGroupId": "sg-1"}], ("security_groups", 0, "SecurityGroupPolicySet"), "missing"),
        ([{"SecurityGroupPolicySet": {"Ingress": "all"}}], ("security_groups", 0, "Ingress"), "must be a list"),
        ([group(ingress=["ACCEPT"])], ("security_groups", 0, "Ingress", 0), "expected a policy object"),
        ([group("sg-1"), group("sg-1")], ("security_groups", 1, "SecurityGroupId"), "listed twice"),
    ],
)
def test_malformed_groups(groups: Any, loc: tuple[Any, ...], msg_part: str) -> None:
    with pytest.raises(RuleValidationError) as caught:
        parse_security_groups(groups)
    assert caught.value.problems[0].loc == loc and msg_part in caught.value.problems[0].msg
