"""The subnet's network ACL as a hop of the rule engine: first inbound, last outbound, stateless."""

from __future__ import annotations

from typing import Any

import pytest
from sg_builders import flow, group, rule

from rules import RuleEngine, RuleValidationError

ALLOW_ALL = [group(ingress=[rule(protocol="ALL")], egress=[rule(protocol="ALL")])]
DROP_ALL = [group()]
IPT_DROP_22_IN = "*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j DROP\nCOMMIT\n"


def entry(protocol: str, port: str, cidr: str = "0.0.0.0/0", action: str = "ACCEPT", **extra: Any) -> dict[str, Any]:
    return {"Protocol": protocol, "Port": port, "CidrBlock": cidr, "Action": action, "Description": "", **extra}


def acl(ingress: list[dict[str, Any]], egress: list[dict[str, Any]]) -> dict[str, Any]:
    return {"NetworkAclId": "acl-test0001", "IngressEntries": ingress, "EgressEntries": egress, "SubnetSet": []}


OPEN = acl([entry("ALL", "ALL")], [entry("ALL", "ALL")])
SSH_NO_REPLIES = acl([entry("TCP", "22")], [])
SSH_HALF_REPLIES = acl([entry("TCP", "22")], [entry("TCP", "32768-65535")])
HTTPS_OUT = acl([entry("TCP", "1024-65535")], [entry("TCP", "443")])


@pytest.mark.parametrize(
    ("groups", "the_acl", "the_flow", "iptables", "reachable", "hops", "conclusion"),
    [
        # Inbound: the ACL comes first; everything lets it through.
        (
            ALLOW_ALL,
            OPEN,
            flow(port=22),
            None,
            True,
            [("network_acl", "ACCEPT", False), ("security_group", "ACCEPT", True)],
            "So the traffic gets through.",
        ),
        # Stateless: the request passes, its replies do not; nothing after the ACL is reached.
        (
            ALLOW_ALL,
            SSH_NO_REPLIES,
            flow(port=22),
            None,
            False,
            [("network_acl", "DROP", True)],
            "So the traffic does not get through: the network ACL drops it.",
        ),
        # The ACL lets it through, the security group's default deny does not.
        (
            DROP_ALL,
            OPEN,
            flow(port=22),
            None,
            False,
            [("network_acl", "ACCEPT", False), ("security_group", "DROP", True)],
            "security group drops it",
        ),
        # Inbound order: network ACL, security group, iptables.
        (
            ALLOW_ALL,
            OPEN,
            flow(port=22),
            IPT_DROP_22_IN,
            False,
            [("network_acl", "ACCEPT", False), ("security_group", "ACCEPT", False), ("iptables", "DROP", True)],
            "iptables drops it",
        ),
        # Outbound: the ACL is the last hop.
        (
            ALLOW_ALL,
            HTTPS_OUT,
            flow("egress", port=443),
            None,
            True,
            [("security_group", "ACCEPT", False), ("network_acl", "ACCEPT", True)],
            "So the traffic gets through.",
        ),
        (
            ALLOW_ALL,
            acl([], [entry("TCP", "443")]),
            flow("egress", port=443),
            None,
            False,
            [("security_group", "ACCEPT", False), ("network_acl", "DROP", True)],
            "the network ACL drops it",
        ),
        # The replies' port is unknown and half of the ephemeral range is accepted: cannot tell.
        (
            ALLOW_ALL,
            SSH_HALF_REPLIES,
            flow(port=22),
            None,
            None,
            [("network_acl", "UNKNOWN", True), ("security_group", "ACCEPT", False)],
            "cannot be told yet",
        ),
        # An ACL that cannot tell does not hide a hop that drops.
        (
            DROP_ALL,
            SSH_HALF_REPLIES,
            flow(port=22),
            None,
            False,
            [("network_acl", "UNKNOWN", False), ("security_group", "DROP", True)],
            "security group drops it",
        ),
    ],
)
def test_the_acl_in_traffic_order(
    engine: RuleEngine,
    groups: Any,
    the_acl: dict[str, Any],
    the_flow: dict[str, Any],
    iptables: str | None,
    reachable: bool | None,
    hops: list[tuple[str, str, bool]],
    conclusion: str,
) -> None:
    decision = engine.evaluate_request(groups, the_flow, iptables_save=iptables, network_acl=the_acl)
    assert decision.reachable is reachable
    shown = [(h.hop, h.action, h.decisive) for h in decision.hops]
    # Hops after the one that stops the traffic are left out of the story, not out of the list.
    assert shown[: len(hops)] == hops
    assert conclusion in decision.explanation
    assert decision.network_acl is not None


def test_the_acl_decision_says_which_entry_and_which_leg(engine: RuleEngine) -> None:
    decision = engine.evaluate_body(
        {"security_groups": ALLOW_ALL, "flow": flow(port=22), "network_acl": SSH_NO_REPLIES}
    )
    acl_decision = decision.network_acl
    assert acl_decision is not None and acl_decision.action == "DROP"
    assert acl_decision.decided_by is not None and acl_decision.decided_by.index is None  # the default egress rule
    assert acl_decision.request.action == "ACCEPT" and acl_decision.reply is not None
    assert acl_decision.reply.ports == "1024-65535"
    assert "Network ACLs are stateless" in decision.explanation
    # The security groups' own verdict is unchanged by the ACL: action is the groups' action.
    assert decision.action == "ACCEPT"
    # The FAQ entry on the traffic path explains a verdict decided outside the security group.
    assert decision.faq_id == engine.references["traffic_path"]


def test_without_an_acl_nothing_changes(engine: RuleEngine) -> None:
    decision = engine.evaluate_body({"security_groups": ALLOW_ALL, "flow": flow(port=22)})
    assert decision.network_acl is None and [h.hop for h in decision.hops] == ["security_group"]


@pytest.mark.parametrize(
    ("the_acl", "loc", "kind"),
    [
        # Both directions are needed: an absent list is not read as "deny everything".
        ({"NetworkAclId": "acl-1", "IngressEntries": []}, ("network_acl", "EgressEntries"), "missing"),
        # Field names as the API writes them.
        ({"ingressEntries": [], "EgressEntries": []}, ("network_acl", "ingressEntries"), "field_spelling"),
        (
            acl([{**entry("TCP", "22"), "cidrBlock": "10.0.0.0/8"}], []),
            ("network_acl", "IngressEntries", 0, "cidrBlock"),
            "field_spelling",
        ),
        (
            acl([entry("TCP", "22", action="ALLOW")], []),
            ("network_acl", "IngressEntries", 0, "Action"),
            "action_invalid",
        ),
        (acl([entry("TCP", "22", Priority=-1)], []), ("network_acl", "IngressEntries", 0, "Priority"), "index_invalid"),
        (
            {"NetworkAclEntrySet": {"Ingress": [entry("UDP", "70000")], "Egress": []}},
            ("network_acl", "NetworkAclEntrySet", "Ingress", 0, "Port"),
            "port_out_of_range",
        ),
        ("acl-1", ("network_acl",), "object_expected"),
    ],
)
def test_a_bad_acl_is_refused_naming_the_field(
    engine: RuleEngine, the_acl: Any, loc: tuple[Any, ...], kind: str
) -> None:
    with pytest.raises(RuleValidationError) as caught:
        engine.evaluate_body({"security_groups": ALLOW_ALL, "flow": flow(port=22), "network_acl": the_acl})
    assert (caught.value.problems[0].loc, caught.value.problems[0].type) == (loc, kind)


def test_fields_the_api_adds_are_kept_and_ignored(engine: RuleEngine) -> None:
    described = {
        **acl([entry("TCP", "22", ModifyTime="2026-01-05 10:00:00")], [entry("ALL", "ALL")]),
        "VpcId": "vpc-1",
        "CreatedTime": "2026-01-05 10:00:00",
        "TagSet": [],
        "NetworkAclType": "TRIPLE",
    }
    decision = engine.evaluate_body({"security_groups": ALLOW_ALL, "flow": flow(port=22), "network_acl": described})
    assert decision.network_acl is not None and decision.network_acl.action == "ACCEPT"
    assert decision.network_acl.decided_by is not None
    assert decision.network_acl.decided_by.raw["ModifyTime"] == "2026-01-05 10:00:00"
