"""Reading DescribeSecurityGroupPolicies output leniently, and rejecting malformed rules at load."""

from __future__ import annotations

from typing import Any

import pytest
from sg_builders import group, rule

from rules import RuleValidationError, SecurityGroup, parse_security_groups
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
        ("80,8000-8010", "80,8000-8010"),  # a mixed list
    ],
)
def test_port_syntaxes(port: Any, shown: str) -> None:
    (g,) = parse_security_groups([group(ingress=[rule(port=port)])])
    service = g.ingress[0].service
    assert isinstance(service, Service) and str(service.ports) == shown


@pytest.mark.parametrize("protocol", ["TCP", "tcp", "Udp", "ICMP", "ICMPv6", "icmpv6", "GRE", "ALL", "all"])
def test_protocols_in_any_case(protocol: str) -> None:
    port = "ALL" if protocol.lower() not in ("tcp", "udp") else "80"
    source = {"Ipv6CidrBlock": "::/0"} if protocol.lower() == "icmpv6" else {"CidrBlock": "0.0.0.0/0"}
    (g,) = parse_security_groups([group(ingress=[rule(protocol=protocol, port=port, **source)])])
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


@pytest.mark.parametrize(
    ("block", "shown"),
    [
        ("0.0.0.0/8", "0.0.0.0/8"),  # not everything: only 0.0.0.0-0.255.255.255
        ("0.0.0.0/1", "0.0.0.0/1"),
        ("14.71.26.129/1", "0.0.0.0/1"),  # host bits are cleared
        ("10.0.0.5/24", "10.0.0.0/24"),
        ("203.0.113.7", "203.0.113.7/32"),
        ("0.0.0.0/0", "0.0.0.0/0"),
    ],
)
def test_blocks_are_read_as_written(block: str, shown: str) -> None:
    (g,) = parse_security_groups([group(ingress=[rule(CidrBlock=block)])])
    assert isinstance(g.ingress[0].source, CidrSource) and str(g.ingress[0].source.network) == shown


def test_rules_are_in_policy_index_order() -> None:
    policies = [{**rule(port=str(80 + i)), "PolicyIndex": index} for i, index in enumerate([2, 0, 1])]
    (g,) = parse_security_groups([group(ingress=policies)])
    assert [p.policy_index for p in g.ingress] == [0, 1, 2]
    assert [p.position for p in g.ingress] == [1, 2, 0]


def test_a_whole_number_written_with_a_fraction_is_that_number() -> None:
    # JSON Schema (and so /openapi.json) reads 2.0 as the integer 2; so do the rules, field by field.
    policies = [{**rule(port=str(80 + i)), "PolicyIndex": index} for i, index in enumerate([2.0, 0, 1.0])]
    (g,) = parse_security_groups([group(ingress=policies)])
    assert [p.policy_index for p in g.ingress] == [0, 1, 2]
    assert [p.position for p in g.ingress] == [1, 2, 0]
    with pytest.raises(RuleValidationError) as caught:
        parse_security_groups([group(ingress=[{**rule(), "PolicyIndex": 0.5}])])
    assert [p.loc[-1] for p in caught.value.problems] == ["PolicyIndex"]
    with pytest.raises(RuleValidationError):
        parse_security_groups([group(ingress=[{**rule(), "PolicyIndex": True}])])  # a boolean is not a number


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
        (rule(port="http"), "Port", "not a port list"),
        (rule(port=" 80 , 8000-8010 "), "Port", "no spaces"),
        (rule(port=True), "Port", "expected ALL, a port"),  # true is not port 1
        (rule(protocol="tcp "), "Protocol", "without spaces"),  # issue 11, defect 5
        (rule(protocol=" TCP"), "Protocol", "without spaces"),
        (rule(CidrBlock=" 10.0.0.0/8"), "CidrBlock", "without spaces"),
        (rule(CidrBlock="10.0.0.0/8 "), "CidrBlock", "without spaces"),
        (rule(CidrBlock="10.0.0.0/255.0.0.0"), "CidrBlock", "is not a CIDR block"),  # netmasks are not CIDR
        (rule(CidrBlock="010.0.0.0/8"), "CidrBlock", "is not a CIDR block"),
        (rule(protocol="ICMP", Ipv6CidrBlock="::/0"), "Protocol", "use ICMPv6 for IPv6"),
        (rule(protocol="ICMPv6"), "Protocol", "use ICMP for IPv4"),
        (rule(SecurityGroupId="sg 1"), "SecurityGroupId", "an id such as sg-1a2b3c4d"),
        (rule(SecurityGroupId=5), "SecurityGroupId", "an id such as sg-1a2b3c4d"),
        (
            rule(AddressTemplate={"AddressId": "ipmg-1", "AddressGroupId": ""}),
            ("AddressTemplate", "AddressId"),
            "ipm-1a2b3c4d",
        ),
        ({**rule(), "PolicyIndex": -1}, "PolicyIndex", "0 or more"),
        ({**rule(), "PolicyIndex": True}, "PolicyIndex", "0 or more"),
        ({**rule(), "cidrBlock": "10.0.0.0/8"}, "cidrBlock", "write 'CidrBlock'"),
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
        (
            {"Protocol": "TCP", "Port": "22", "Action": "ACCEPT", "CidrBlock": ""},
            "CidrBlock",
            "not read as 'everywhere'",
        ),
    ],
)
def test_malformed_rules_are_rejected_with_index_and_field(
    policy: dict[str, Any], field: str | tuple[str, ...], msg_part: str
) -> None:
    groups = [group("sg-ok", ingress=[rule()]), group("sg-bad", ingress=[rule(), rule(), policy])]
    with pytest.raises(RuleValidationError) as caught:
        parse_security_groups(groups)
    (problem,) = caught.value.problems
    assert problem.loc == ("security_groups", 1, "Ingress", 2, *((field,) if isinstance(field, str) else field))
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
        (
            [{"SecurityGroupId": "sg-1", "SecurityGroupPolicySet": {"Ingress": "all"}}],
            ("security_groups", 0, "Ingress"),
            "must be a list",
        ),
        # Issue 11, defect 5: a group must say who it is.
        ([{"SecurityGroupPolicySet": {"Ingress": []}}], ("security_groups", 0, "SecurityGroupId"), "missing"),
        ([group("")], ("security_groups", 0, "SecurityGroupId"), "missing"),
        ([{**group(), "SecurityGroupId": 7}], ("security_groups", 0, "SecurityGroupId"), "got 7"),
        ([group("sg-1 ")], ("security_groups", 0, "SecurityGroupId"), "an id such as"),
        # A misspelt direction would silently lose its rules.
        (
            [{"SecurityGroupId": "sg-1", "SecurityGroupPolicySet": {"Ingres": []}}],
            ("security_groups", 0, "Ingres"),
            "unknown field 'Ingres'",
        ),
        (
            [{"SecurityGroupId": "sg-1", "securityGroupPolicySet": {}}],
            ("security_groups", 0, "SecurityGroupPolicySet"),
            "found 'securityGroupPolicySet'",
        ),
        (
            [{"SecurityGroupId": "sg-1", "Response": {"Error": {"Code": "AuthFailure"}}}],
            ("security_groups", 0, "Response", "Error"),
            "error answer",
        ),
        (
            [group(ingress=[{**rule(), "PolicyIndex": 0}, rule()])],
            ("security_groups", 0, "Ingress", 1, "PolicyIndex"),
            "on every policy of Ingress or on none",
        ),
        ([group(ingress=["ACCEPT"])], ("security_groups", 0, "Ingress", 0), "expected a policy object"),
        ([group("sg-1"), group("sg-1")], ("security_groups", 1, "SecurityGroupId"), "listed twice"),
    ],
)
def test_malformed_groups(groups: Any, loc: tuple[Any, ...], msg_part: str) -> None:
    with pytest.raises(RuleValidationError) as caught:
        parse_security_groups(groups)
    assert caught.value.problems[0].loc == loc and msg_part in caught.value.problems[0].msg


def test_duplicate_policy_index_names_both() -> None:
    # Issue 11, defect 2: two policies of one direction with one PolicyIndex: no order can be told.
    policies = [{**rule(), "PolicyIndex": 0}, {**rule(), "PolicyIndex": 1}, {**rule(), "PolicyIndex": 0}]
    with pytest.raises(RuleValidationError) as caught:
        parse_security_groups([group(ingress=policies, egress=[{**rule(), "PolicyIndex": 0}])])
    assert [p.loc for p in caught.value.problems] == [
        ("security_groups", 0, "Ingress", 0, "PolicyIndex"),
        ("security_groups", 0, "Ingress", 2, "PolicyIndex"),
    ]
    assert all("used by policies 0 and 2" in p.msg for p in caught.value.problems)


def test_tencent_fields_are_kept_and_ignored() -> None:
    policy = {**rule(), "ModifyTime": "2024-05-01 10:00:00", "PolicyDescription": "x", "SomethingNew": 1}
    raw = {
        "SecurityGroupId": "sg-1",
        "SecurityGroupName": "web",
        "SecurityGroupPolicySet": {"Version": "3", "Ingress": [policy]},
    }
    (g,) = parse_security_groups([raw])
    assert g.ingress[0].raw == policy


def test_groups_built_from_policies_compile_like_loaded_ones() -> None:
    # SecurityGroup(id, ingress, egress) is public: the same policies give the same rows.
    policies = [
        {**rule(port="80,8000-8010"), "PolicyIndex": 2},
        {**rule("DROP", "UDP", "53", CidrBlock="14.71.26.129/1"), "PolicyIndex": 0},
        {**rule(protocol="ICMPv6", Ipv6CidrBlock="2001:db8::/32"), "PolicyIndex": 1},
        {**rule(SecurityGroupId="sg-x"), "PolicyIndex": 3},
        {
            "ServiceTemplate": {"ServiceId": "", "ServiceGroupId": "ppmg-1"},
            "AddressTemplate": {"AddressId": "ipm-1", "AddressGroupId": ""},
            "Action": "ACCEPT",
            "PolicyIndex": 4,
        },
    ]
    (loaded,) = parse_security_groups([group(ingress=policies)])
    built = SecurityGroup(loaded.id, loaded.ingress, loaded.egress)
    assert built.table("ingress").rows == loaded.table("ingress").rows
    assert built.ingress == loaded.ingress and [p.policy_index for p in built.ingress] == [0, 1, 2, 3, 4]
