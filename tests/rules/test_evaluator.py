"""Security-group evaluation: first match top-down, across groups, references and templates."""

from __future__ import annotations

from typing import Any

import pytest
from sg_builders import flow, group, rule

from rules import RuleEngine, RuleValidationError

SSH_FROM_OFFICE = rule("ACCEPT", "TCP", "22", CidrBlock="198.51.100.0/24")
DROP_ALL = rule("DROP", "ALL", "ALL")
ACCEPT_ALL = rule("ACCEPT", "ALL", "ALL")


@pytest.mark.parametrize(
    ("groups", "the_flow", "action", "position", "explanation_part"),
    [
        # First match within one group: the earlier DROP wins over a later ACCEPT.
        (
            [group(ingress=[rule("DROP", "TCP", "22"), rule("ACCEPT", "TCP", "22")])],
            flow(),
            "DROP",
            0,
            "sg-1 Ingress rule #0 is the first rule that matches",
        ),
        # A non-matching earlier rule is skipped.
        ([group(ingress=[SSH_FROM_OFFICE, ACCEPT_ALL])], flow(), "ACCEPT", 1, "all protocols from 0.0.0.0/0"),
        (
            [group(ingress=[SSH_FROM_OFFICE, DROP_ALL])],
            flow(remote="198.51.100.9"),
            "ACCEPT",
            0,
            "TCP 22 from 198.51.100.0/24",
        ),
        # Across groups: the first group in the given order decides...
        (
            [group("sg-a", ingress=[DROP_ALL]), group("sg-b", ingress=[ACCEPT_ALL])],
            flow(),
            "DROP",
            0,
            "Order given: sg-a, sg-b",
        ),
        # ...and a later group's rule decides when earlier groups have no match.
        (
            [group("sg-a", ingress=[SSH_FROM_OFFICE]), group("sg-b", ingress=[ACCEPT_ALL])],
            flow(),
            "ACCEPT",
            0,
            "sg-b Ingress rule #0",
        ),
        # Direction: an egress rule says nothing about ingress.
        ([group(egress=[ACCEPT_ALL])], flow(), "DROP", None, "No rule of sg-1 matches"),
        ([group(ingress=[DROP_ALL], egress=[ACCEPT_ALL])], flow("egress", port=443), "ACCEPT", 0, "to 0.0.0.0/0"),
        # Nothing matches: implicit deny, decided_by None.
        ([group(ingress=[SSH_FROM_OFFICE])], flow(port=80), "DROP", None, "default deny"),
        ([], flow(), "DROP", None, "No rule of no security group matches"),
        # Port syntaxes at evaluation time.
        ([group(ingress=[rule(port="8000-8010")])], flow(port=8010), "ACCEPT", 0, "TCP 8000-8010"),
        ([group(ingress=[rule(port="8000-8010")])], flow(port=8011), "DROP", None, "default deny"),
        ([group(ingress=[rule(port="80,443")])], flow(port=443), "ACCEPT", 0, "TCP 80,443"),
        ([group(ingress=[rule(port="80,443")])], flow(port=442), "DROP", None, "default deny"),
        ([group(ingress=[rule(port="all")])], flow(port=65535), "ACCEPT", 0, "TCP all ports"),
        # Protocols: UDP rule vs TCP flow, ICMP, ALL.
        ([group(ingress=[rule(protocol="UDP", port="22")])], flow(), "DROP", None, "default deny"),
        ([group(ingress=[rule(protocol="ICMP")])], flow(protocol="icmp", port=None), "ACCEPT", 0, "ICMP from"),
        ([group(ingress=[rule(protocol="ICMP")])], flow(protocol="gre", port=None), "DROP", None, "default deny"),
        ([group(ingress=[rule(protocol="gre")])], flow(protocol="gre", port=None), "ACCEPT", 0, "GRE from"),
    ],
)
def test_first_match(
    engine: RuleEngine,
    groups: list[Any],
    the_flow: dict[str, Any],
    action: str,
    position: int | None,
    explanation_part: str,
) -> None:
    d = engine.evaluate_request(groups, the_flow)
    assert d.action == action
    assert (d.decided_by.position if d.decided_by else None) == position
    assert explanation_part in d.explanation


@pytest.mark.parametrize(
    ("policy", "remote", "protocol", "action"),
    [
        (rule(CidrBlock="0.0.0.0/0"), "2001:db8::1", "tcp", "DROP"),  # an IPv4 rule never matches IPv6
        (rule(Ipv6CidrBlock="::/0"), "203.0.113.7", "tcp", "DROP"),  # and vice versa
        (rule(Ipv6CidrBlock="::/0"), "2001:db8::1", "tcp", "ACCEPT"),
        (rule(Ipv6CidrBlock="2001:db8::/32"), "2001:db8:1::5", "tcp", "ACCEPT"),
        (rule(Ipv6CidrBlock="2001:db8::/32"), "2001:db9::5", "tcp", "DROP"),
        (rule(protocol="ICMPv6", Ipv6CidrBlock="::/0"), "2001:db8::1", "icmpv6", "ACCEPT"),
        (rule(protocol="ICMP"), "10.0.0.1", "icmp", "ACCEPT"),
        (rule(protocol="ALL", Ipv6CidrBlock="::/0"), "2001:db8::1", "icmpv6", "ACCEPT"),
        (rule(protocol="GRE", Ipv6CidrBlock="::/0"), "2001:db8::1", "icmpv6", "DROP"),  # GRE is not ICMPv6
        (rule(CidrBlock="203.0.113.7"), "203.0.113.7", "tcp", "ACCEPT"),  # a bare address is a /32
    ],
)
def test_ip_versions(engine: RuleEngine, policy: dict[str, Any], remote: str, protocol: str, action: str) -> None:
    port = 22 if protocol == "tcp" else None
    d = engine.evaluate_request([group(ingress=[policy])], flow(protocol=protocol, port=port, remote=remote))
    assert d.action == action
    assert ("first rule that matches" if action == "ACCEPT" else "default deny") in d.explanation


REF_DROP_THEN_ALLOW = [group("sg-web", ingress=[rule("DROP", SecurityGroupId="sg-bad"), ACCEPT_ALL])]


@pytest.mark.parametrize(
    ("groups", "members", "action", "missing", "explanation_part"),
    [
        # Membership given: the remote is a member, the DROP decides.
        (REF_DROP_THEN_ALLOW, {"sg-bad": ["203.0.113.7"]}, "DROP", [], "members of sg-bad"),
        # Membership given, not a member: falls through to the ACCEPT.
        (REF_DROP_THEN_ALLOW, {"sg-bad": ["10.0.0.5", "10.1.0.0/16"]}, "ACCEPT", [], "sg-web Ingress rule #1"),
        # Membership unknown and the unknown rule's action differs from what follows: UNKNOWN, named.
        (
            REF_DROP_THEN_ALLOW,
            None,
            "UNKNOWN",
            ["group_members[sg-bad]"],
            "sg-web Ingress rule #0 (DROP, TCP all ports from members of sg-bad) may match",
        ),
        (
            REF_DROP_THEN_ALLOW,
            {"sg-other": []},
            "UNKNOWN",
            ["group_members[sg-bad]"],
            "If it matches, the flow is dropped",
        ),
        # Unknown rule with the same action as the eventual decision: it makes no difference.
        (
            [group(ingress=[rule("ACCEPT", SecurityGroupId="sg-x"), ACCEPT_ALL])],
            None,
            "ACCEPT",
            [],
            "would accept it too",
        ),
        ([group(ingress=[rule("DROP", SecurityGroupId="sg-x")])], None, "DROP", [], "would drop it too"),
        # Unknown ACCEPT before the implicit deny: might be accepted, so UNKNOWN.
        (
            [group(ingress=[rule("ACCEPT", SecurityGroupId="sg-x")])],
            None,
            "UNKNOWN",
            ["group_members[sg-x]"],
            "no rule matches and the implicit deny drops it",
        ),
        # An unknown reference on a rule whose port cannot match is simply no match.
        (
            [group(ingress=[rule("DROP", "UDP", "53", SecurityGroupId="sg-x"), ACCEPT_ALL])],
            None,
            "ACCEPT",
            [],
            "sg-1 Ingress rule #1",
        ),
        # A reference in a later group than the decision does not matter.
        (
            [group("sg-a", ingress=[ACCEPT_ALL]), group("sg-b", ingress=[rule("DROP", SecurityGroupId="sg-x")])],
            None,
            "ACCEPT",
            [],
            "sg-a Ingress rule #0",
        ),
    ],
)
def test_security_group_references(
    engine: RuleEngine, groups: list[Any], members: Any, action: str, missing: list[str], explanation_part: str
) -> None:
    d = engine.evaluate_request(groups, flow(), group_members=members)
    assert d.action == action
    assert list(d.group.missing) == missing
    assert explanation_part in d.explanation
    if action == "UNKNOWN":
        assert d.reachable is None and d.decided_by is None and d.group.undecided_by is not None
        assert f"Provide {missing[0]}" in d.explanation


ADDR_RULE = {"AddressTemplate": {"AddressId": "", "AddressGroupId": "ipmg-office"}}
SVC_RULE = {"ServiceTemplate": {"ServiceId": "ppm-web", "ServiceGroupId": ""}, "CidrBlock": "0.0.0.0/0"}


@pytest.mark.parametrize(
    ("policy", "kwargs", "the_flow", "action", "explanation_part"),
    [
        # Address template group resolved through its member templates (list form and API form).
        (
            {**ADDR_RULE, "Protocol": "TCP", "Port": "22", "Action": "DROP"},
            {
                "address_templates": {
                    "ipmg-office": ["ipm-a", "ipm-b"],
                    "ipm-a": ["198.51.100.0/24"],
                    "ipm-b": {"AddressSet": ["203.0.113.1-203.0.113.9"]},
                }
            },
            flow(),
            "DROP",
            "addresses of template ipmg-office",
        ),
        (
            {**ADDR_RULE, "Protocol": "TCP", "Port": "22", "Action": "DROP"},
            {"address_templates": {"ipmg-office": {"AddressTemplateIdSet": ["ipm-a"]}, "ipm-a": ["198.51.100.0/24"]}},
            flow(),
            "ACCEPT",
            "sg-1 Ingress rule #1",
        ),
        # Template map missing: unknown, named.
        (
            {**ADDR_RULE, "Protocol": "TCP", "Port": "22", "Action": "DROP"},
            {},
            flow(),
            "UNKNOWN",
            "address_templates[ipmg-office]",
        ),
        # Group known but one member template missing, and the known ones do not hold the address.
        (
            {**ADDR_RULE, "Protocol": "TCP", "Port": "22", "Action": "DROP"},
            {"address_templates": {"ipmg-office": ["ipm-a", "ipm-gone"], "ipm-a": ["198.51.100.0/24"]}},
            flow(),
            "UNKNOWN",
            "address_templates[ipm-gone]",
        ),
        # ... but if a known member holds it, the missing one does not matter.
        (
            {**ADDR_RULE, "Protocol": "TCP", "Port": "22", "Action": "DROP"},
            {"address_templates": {"ipmg-office": ["ipm-a", "ipm-gone"], "ipm-a": ["203.0.113.0/24"]}},
            flow(),
            "DROP",
            "addresses of template ipmg-office",
        ),
        # Service template resolved: 'tcp: 8080' (the API's own spelling) and a range.
        (
            {**SVC_RULE, "Action": "DROP"},
            {"service_templates": {"ppm-web": {"ServiceSet": ["tcp: 8080", "udp:53"]}}},
            flow(port=8080),
            "DROP",
            "services of template ppm-web",
        ),
        (
            {**SVC_RULE, "Action": "DROP"},
            {"service_templates": {"ppm-web": ["tcp:8000-8010,9000"]}},
            flow(port=22),
            "ACCEPT",
            "sg-1 Ingress rule #1",
        ),
        ({**SVC_RULE, "Action": "DROP"}, None, flow(), "UNKNOWN", "service_templates[ppm-web]"),
    ],
)
def test_templates(
    engine: RuleEngine,
    policy: dict[str, Any],
    kwargs: dict[str, Any],
    the_flow: dict[str, Any],
    action: str,
    explanation_part: str,
) -> None:
    d = engine.evaluate_request([group(ingress=[policy, ACCEPT_ALL])], the_flow, **(kwargs or {}))
    assert d.action == action
    assert explanation_part in d.explanation


@pytest.mark.parametrize(
    ("the_flow", "kwargs", "loc", "msg_part"),
    [
        (flow(direction="sideways"), {}, ("flow", "direction"), "ingress or egress"),
        (flow(protocol="all"), {}, ("flow", "protocol"), "one of tcp"),
        (flow(port=None), {}, ("flow", "port"), "needs a port"),
        (flow(port=70000), {}, ("flow", "port"), "out of range"),
        (flow(port="ssh"), {}, ("flow", "port"), "not a port number"),
        (flow(protocol="icmp", port=8), {}, ("flow", "port"), "has no ports"),
        (flow(protocol="icmp", port=None, remote="2001:db8::1"), {}, ("flow", "protocol"), "use protocol icmpv6"),
        (flow(remote="300.1.1.1"), {}, ("flow", "remote"), "not an IPv4 or IPv6 address"),
        (flow(remote="10.0.0.0/8"), {}, ("flow", "remote"), "not an IPv4 or IPv6 address"),
        (flow(), {"group_members": {"sg-x": ["10.0.0.300"]}}, ("group_members", "sg-x", 0), "not a CIDR block"),
        (flow(), {"group_members": {"sg-x": "10.0.0.1"}}, ("group_members", "sg-x"), "expected a list"),
        (flow(), {"address_templates": {"ipm-a": ["10.0.0.9-10.0.0.1"]}}, ("address_templates", "ipm-a", 0), "range"),
        (flow(), {"service_templates": {"ppm-a": ["tcp:99999"]}}, ("service_templates", "ppm-a", 0), "out of range"),
        (flow(), {"service_templates": {"ppmg-a": "ppm-a"}}, ("service_templates", "ppmg-a"), "list of template ids"),
    ],
)
def test_malformed_flow_and_maps(
    engine: RuleEngine, the_flow: dict[str, Any], kwargs: dict[str, Any], loc: tuple[Any, ...], msg_part: str
) -> None:
    with pytest.raises(RuleValidationError) as caught:
        engine.evaluate_request([group(ingress=[ACCEPT_ALL])], the_flow, **kwargs)
    assert caught.value.problems[0].loc == loc
    assert msg_part in caught.value.problems[0].msg


def test_decision_carries_the_policy_as_given(engine: RuleEngine) -> None:
    policy = {**rule(port="22"), "PolicyIndex": 7, "PolicyDescription": "ssh", "ModifyTime": "2024-05-01 10:00:00"}
    d = engine.evaluate_request([group(ingress=[policy])], flow())
    assert d.decided_by is not None and d.decided_by.raw == policy and d.decided_by.index == 7
    assert "(PolicyIndex 7) 'ssh'" in d.explanation


def indexed(index: int, action: str, **source: Any) -> dict[str, Any]:
    return {**rule(action, "ALL", "ALL", **source), "PolicyIndex": index}


@pytest.mark.parametrize(
    ("policies", "action", "position", "explanation_part"),
    [
        # Issue 11, defect 2: PolicyIndex 0 is the top whatever the list order.
        ([indexed(1, "DROP"), indexed(0, "ACCEPT")], "ACCEPT", 1, "matched by PolicyIndex (0 first)"),
        ([indexed(0, "DROP"), indexed(1, "ACCEPT")], "DROP", 0, "(PolicyIndex 0)"),
        # Gaps are fine: only the order matters.
        ([indexed(7, "ACCEPT"), indexed(3, "DROP")], "DROP", 1, "sg-1 Ingress rule #1 (PolicyIndex 3)"),
        # Without PolicyIndex the list order decides, and the explanation says so.
        ([rule("DROP", "ALL"), rule("ACCEPT", "ALL")], "DROP", 0, "No PolicyIndex was given"),
    ],
)
def test_policy_index_decides_the_order(
    engine: RuleEngine, policies: list[Any], action: str, position: int, explanation_part: str
) -> None:
    d = engine.evaluate_request([group(ingress=policies)], flow(port=80))
    assert d.action == action
    assert d.decided_by is not None and d.decided_by.position == position
    assert explanation_part in d.explanation


@pytest.mark.parametrize(
    ("block", "remote", "action"),
    [
        # Issue 11, defect 1: a block whose network address is 0.0.0.0 is not everything.
        ("0.0.0.0/8", "1.2.3.4", "DROP"),
        ("0.0.0.0/8", "0.1.2.3", "ACCEPT"),
        ("0.0.0.0/1", "127.255.255.255", "ACCEPT"),
        ("0.0.0.0/1", "128.0.0.0", "DROP"),
        ("14.71.26.129/1", "1.2.3.4", "ACCEPT"),  # host bits set: 0.0.0.0/1
        ("14.71.26.129/1", "200.1.1.1", "DROP"),
        ("0.0.0.0/0", "200.1.1.1", "ACCEPT"),
        ("0.0.0.0", "0.0.0.1", "DROP"),  # a bare address is a /32
        ("10.0.0.0/31", "10.0.0.1", "ACCEPT"),
        ("10.0.0.0/31", "10.0.0.2", "DROP"),
    ],
)
def test_blocks_mean_what_they_say(engine: RuleEngine, block: str, remote: str, action: str) -> None:
    sources: list[dict[str, Any]] = [
        {"CidrBlock": block},
        {"AddressTemplate": {"AddressId": "ipm-a", "AddressGroupId": ""}},
        {"SecurityGroupId": "sg-x"},
    ]
    maps = {"address_templates": {"ipm-a": [block]}, "group_members": {"sg-x": [block]}}
    for source in sources:
        d = engine.evaluate_request([group(ingress=[rule("ACCEPT", "ALL", **source)])], flow(remote=remote), **maps)
        assert d.action == action, source
        assert ("0.0.0.0/0" in d.explanation) == (block == "0.0.0.0/0" and "CidrBlock" in source)


def template_rule(template_id: str, action: str) -> dict[str, Any]:
    return {
        "Protocol": "ALL",
        "Port": "ALL",
        "AddressTemplate": {"AddressId": template_id, "AddressGroupId": ""},
        "Action": action,
    }


@pytest.mark.parametrize(
    ("policies", "missing"),
    [
        # Issue 11, defect 4: every unresolved rule that could still decide is listed at once,
        # including the DROP between two ACCEPTs (its action equals the fall-through).
        (
            [template_rule("ipm-a", "ACCEPT"), template_rule("ipm-b", "DROP"), template_rule("ipm-c", "ACCEPT")],
            ["address_templates[ipm-a]", "address_templates[ipm-b]", "address_templates[ipm-c]"],
        ),
        # A rule after the last one that could change the action is not needed.
        (
            [template_rule("ipm-a", "ACCEPT"), template_rule("ipm-b", "DROP"), rule("DROP", "ALL")],
            ["address_templates[ipm-a]"],
        ),
        # An unresolved DROP before an unresolved ACCEPT can still decide: both are listed.
        (
            [template_rule("ipm-a", "DROP"), template_rule("ipm-b", "ACCEPT")],
            ["address_templates[ipm-a]", "address_templates[ipm-b]"],
        ),
    ],
)
def test_missing_lists_everything_needed_in_one_round(
    engine: RuleEngine, policies: list[Any], missing: list[str]
) -> None:
    d = engine.evaluate_request([group(ingress=policies)], flow())
    assert d.action == "UNKNOWN" and list(d.group.missing) == missing
    assert f"Provide {', '.join(missing)} to decide" in d.explanation
    for contents in (["203.0.113.7"], []):  # whatever the templates hold, one more request decides
        templates = {m.removeprefix("address_templates[").rstrip("]"): contents for m in missing}
        again = engine.evaluate_request([group(ingress=policies)], flow(), address_templates=templates)
        assert again.action in ("ACCEPT", "DROP"), again.explanation
