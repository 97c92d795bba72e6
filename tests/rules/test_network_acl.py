"""Network ACL evaluation: stateless, top-down first match, default deny, ephemeral reply ports."""

from __future__ import annotations

from typing import Any

import pytest

from rules import RuleValidationError, parse_flow
from rules.network_acl import evaluate_network_acl, parse_network_acl


def entry(protocol: str, port: str, cidr: str, action: str = "ACCEPT", **extra: Any) -> dict[str, Any]:
    """An entry as DescribeNetworkAcls returns it (IPv6 blocks go in Ipv6CidrBlock)."""
    key = "Ipv6CidrBlock" if ":" in cidr else "CidrBlock"
    return {"Protocol": protocol, "Port": port, key: cidr, "Action": action, "Description": "", **extra}


def acl(ingress: list[dict[str, Any]], egress: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"NetworkAclId": "acl-test0001", "IngressEntries": ingress, "EgressEntries": egress, **extra}


SSH_IN = entry("TCP", "22", "0.0.0.0/0", Description="ssh")
ALL_OUT = entry("ALL", "ALL", "0.0.0.0/0")


def decide(raw: dict[str, Any], ephemeral: tuple[int, int] | None = None, **flow: Any) -> Any:
    body = {"direction": "ingress", "protocol": "tcp", "port": 22, "remote": "203.0.113.7", **flow}
    parsed = parse_network_acl(raw)
    if ephemeral is None:
        return evaluate_network_acl(parsed, parse_flow(body))
    return evaluate_network_acl(parsed, parse_flow(body), ephemeral)


@pytest.mark.parametrize(
    ("raw", "flow", "ephemeral", "action", "decided_by", "explanation_part"),
    [
        # Request and replies both allowed.
        (
            acl([SSH_IN], [ALL_OUT]),
            {},
            None,
            "ACCEPT",
            ("ingress", 0),
            "lets ingress TCP port 22 from 203.0.113.7 through both ways",
        ),
        # Stateless: the request is allowed but the replies are not; the default egress rule drops them.
        (
            acl([SSH_IN], []),
            {},
            None,
            "DROP",
            ("egress", None),
            "but no Egress entry of acl-test0001 matches the replies",
        ),
        (
            acl([SSH_IN], []),
            {},
            None,
            "DROP",
            ("egress", None),
            "Add an Egress entry that accepts TCP ports 1024-65535 (or ALL) to 203.0.113.7",
        ),
        # No entry matches the request: the default ingress rule.
        (acl([SSH_IN], [ALL_OUT]), {"port": 80}, None, "DROP", ("ingress", None), "so the default rule drops it"),
        # Top-down, first match: a DROP above an ACCEPT wins.
        (
            acl([entry("TCP", "22", "203.0.113.0/24", "DROP"), SSH_IN], [ALL_OUT]),
            {},
            None,
            "DROP",
            ("ingress", 0),
            "Ingress entry #0 (TCP 22 from 203.0.113.0/24, DROP) is the first entry",
        ),
        # The remote is outside the entry's block.
        (acl([entry("TCP", "22", "10.0.0.0/8")], [ALL_OUT]), {}, None, "DROP", ("ingress", None), "default rule"),
        # Replies allowed for part of the ephemeral range only: the client's port decides, unknown.
        (
            acl([SSH_IN], [entry("TCP", "32768-65535", "0.0.0.0/0")]),
            {},
            None,
            "UNKNOWN",
            None,
            "ports 32768-65535 accepted by Egress entry #0; ports 1024-32767 dropped by the default Egress rule",
        ),
        # The same ACL with the client's range known to be Linux's.
        (
            acl([SSH_IN], [entry("TCP", "32768-65535", "0.0.0.0/0")]),
            {},
            (32768, 60999),
            "ACCEPT",
            ("ingress", 0),
            "destination port 32768-60999",
        ),
        # Two entries that together accept every ephemeral port.
        (
            acl([SSH_IN], [entry("TCP", "1024-30000", "0.0.0.0/0"), entry("TCP", "30001-65535", "0.0.0.0/0")]),
            {},
            None,
            "ACCEPT",
            ("ingress", 0),
            "the rest of the port range is accepted by Egress entry #1",
        ),
        # An explicit deny of the replies.
        (
            acl([SSH_IN], [entry("ALL", "ALL", "203.0.113.0/24", "DROP"), ALL_OUT]),
            {},
            None,
            "DROP",
            ("egress", 0),
            "Egress entry #0",
        ),
        # Outbound connection: the request leaves by Egress, its replies come back by Ingress.
        (
            acl([entry("TCP", "1024-65535", "0.0.0.0/0")], [entry("TCP", "443", "0.0.0.0/0")]),
            {"direction": "egress", "port": 443},
            None,
            "ACCEPT",
            ("egress", 0),
            "the replies (ingress TCP from 203.0.113.7, destination port 1024-65535)",
        ),
        (
            acl([], [entry("TCP", "443", "0.0.0.0/0")]),
            {"direction": "egress", "port": 443},
            None,
            "DROP",
            ("ingress", None),
            "Add an Ingress entry that accepts TCP ports 1024-65535 (or ALL) from 203.0.113.7",
        ),
        # ICMP has no ports: ALL covers it, a TCP entry does not.
        (
            acl([entry("ALL", "ALL", "0.0.0.0/0")], [ALL_OUT]),
            {"protocol": "icmp", "port": None},
            None,
            "ACCEPT",
            ("ingress", 0),
            "ingress ICMP from",
        ),
        (acl([SSH_IN], [ALL_OUT]), {"protocol": "icmp", "port": None}, None, "DROP", ("ingress", None), "default rule"),
        # IPv6: only Ipv6CidrBlock entries match; the default rule covers IPv6 too.
        (
            acl([entry("TCP", "22", "::/0")], [entry("ALL", "ALL", "::/0")]),
            {"remote": "2001:db8::7"},
            None,
            "ACCEPT",
            ("ingress", 0),
            "TCP 22 from ::/0",
        ),
        (acl([SSH_IN], [ALL_OUT]), {"remote": "2001:db8::7"}, None, "DROP", ("ingress", None), "default rule"),
        # Priority, when every entry has one, orders the entries (index stays the position given).
        (
            acl(
                [entry("TCP", "22", "0.0.0.0/0", Priority=2), entry("TCP", "22", "0.0.0.0/0", "DROP", Priority=1)],
                [ALL_OUT],
            ),
            {},
            None,
            "DROP",
            ("ingress", 1),
            "Ingress entry #1",
        ),
        # ... a whole number written 2.0 included (JSON Schema's integer).
        (
            acl(
                [entry("TCP", "22", "0.0.0.0/0", Priority=2.0), entry("TCP", "22", "0.0.0.0/0", "DROP", Priority=1)],
                [ALL_OUT],
            ),
            {},
            None,
            "DROP",
            ("ingress", 1),
            "Ingress entry #1",
        ),
        # The entry-set shape of ModifyNetworkAclEntries is read too.
        (
            {"NetworkAclEntrySet": {"Ingress": [SSH_IN], "Egress": [ALL_OUT]}},
            {},
            None,
            "ACCEPT",
            ("ingress", 0),
            "'ssh'",
        ),
        # A quintuple ACL's entries are not in DescribeNetworkAcls.
        (acl([], [], NetworkAclType="QUINTUPLE"), {}, None, "UNKNOWN", None, "DescribeNetworkAclQuintupleEntries"),
    ],
)
def test_decisions(
    raw: dict[str, Any],
    flow: dict[str, Any],
    ephemeral: tuple[int, int] | None,
    action: str,
    decided_by: tuple[str, int | None] | None,
    explanation_part: str,
) -> None:
    decision = decide(raw, ephemeral, **flow)
    assert decision.action == action
    if decided_by is None:
        assert decision.decided_by is None
    else:
        assert decision.decided_by is not None
        assert (decision.decided_by.direction, decision.decided_by.index) == decided_by
    assert explanation_part in decision.explanation


def test_decided_by_keeps_the_entry_as_given() -> None:
    decision = decide(acl([SSH_IN], [ALL_OUT]))
    assert decision.decided_by.raw == SSH_IN
    assert decision.request.action == "ACCEPT" and decision.reply is not None and decision.reply.ports == "1024-65535"
    dropped = decide(acl([SSH_IN], []))
    assert dropped.decided_by.raw["Description"] == "default rule" and dropped.decided_by.label() == (
        "the default Egress rule (deny all)"
    )


@pytest.mark.parametrize(
    ("raw", "loc", "message_part"),
    [
        (
            acl([entry("TCP", "22", "0.0.0.0/0", "ALLOW")], []),
            ("network_acl", "IngressEntries", 0, "Action"),
            "ACCEPT or DROP",
        ),
        (
            acl([{"Protocol": "TCP", "Port": "22", "Action": "ACCEPT"}], []),
            ("network_acl", "IngressEntries", 0, "CidrBlock"),
            "no address",
        ),
        (
            acl([{**SSH_IN, "Ipv6CidrBlock": "::/0"}], []),
            ("network_acl", "IngressEntries", 0, "Ipv6CidrBlock"),
            "exclusive",
        ),
        (
            acl([entry("ICMP", "8", "0.0.0.0/0")], []),
            ("network_acl", "IngressEntries", 0, "Port"),
            "does not apply to ICMP",
        ),
        (acl([entry("SCTP", "22", "0.0.0.0/0")], []), ("network_acl", "IngressEntries", 0, "Protocol"), "protocol"),
        (acl([], [entry("TCP", "22", "10.0.0.300/8")]), ("network_acl", "EgressEntries", 0, "CidrBlock"), "CIDR"),
        (
            acl([{**SSH_IN, "CidrBlock": "2001:db8::/32"}], []),
            ("network_acl", "IngressEntries", 0, "CidrBlock"),
            "IPv6",
        ),
        (acl("not a list", []), ("network_acl", "IngressEntries"), "must be a list"),  # type: ignore[arg-type]
        ([], ("network_acl",), "expected a network ACL object"),
    ],
)
def test_bad_entries_are_rejected_with_the_field_named(raw: Any, loc: tuple[Any, ...], message_part: str) -> None:
    with pytest.raises(RuleValidationError) as caught:
        parse_network_acl(raw)
    problem = caught.value.problems[0]
    assert problem.loc == loc and message_part.lower() in problem.msg.lower()
