"""End to end: security group, iptables in traffic order, and what happens upstream to the port."""

from __future__ import annotations

from typing import Any

import pytest
from sg_builders import flow, group, rule

from rules import RuleEngine, RuleValidationError, UndecidedError, parse_flow, parse_security_groups

ALLOW_ALL = [group(ingress=[rule(protocol="ALL")], egress=[rule(protocol="ALL")])]
IPT_DROP_22_IN = "*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j DROP\nCOMMIT\n"
IPT_DROP_443_OUT = "*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -p tcp --dport 443 -j DROP\nCOMMIT\n"
IPT_STATE = (
    "*filter\n:INPUT DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -m state --state ESTABLISHED -j ACCEPT\nCOMMIT\n"
)
IPT_IFACE = "*filter\n:INPUT DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -i eth0 -j ACCEPT\nCOMMIT\n"


@pytest.mark.parametrize(
    ("groups", "the_flow", "iptables", "action", "reachable", "hops", "explanation_part"),
    [
        # Accepted, open port, public remote: through.
        (
            ALLOW_ALL,
            flow(port=22),
            None,
            "ACCEPT",
            True,
            [("security_group", "ACCEPT", True)],
            "So the traffic gets through.",
        ),
        # Accepted by the group but TCP 445 is intercepted by the carrier.
        (
            ALLOW_ALL,
            flow(port=445),
            None,
            "ACCEPT",
            False,
            [("security_group", "ACCEPT", False)],
            "Carriers intercept TCP port 445",
        ),
        # UDP 137 is in the UDP range: same.
        (
            ALLOW_ALL,
            flow(protocol="udp", port=137),
            None,
            "ACCEPT",
            False,
            [("security_group", "ACCEPT", False)],
            "the range 135-139",
        ),
        # Egress TCP 25 accepted by the group is still restricted by default, with the unblocking advice.
        (
            ALLOW_ALL,
            flow("egress", port=25),
            None,
            "ACCEPT",
            False,
            [("security_group", "ACCEPT", False)],
            "up to 5 instances per region",
        ),
        # Ingress TCP 25 (running a mail server) is not restricted.
        (
            ALLOW_ALL,
            flow("ingress", port=25),
            None,
            "ACCEPT",
            True,
            [("security_group", "ACCEPT", True)],
            "gets through",
        ),
        # Carrier blocks concern Internet traffic: a private remote in the VPC is not affected.
        (
            ALLOW_ALL,
            flow(port=445, remote="10.0.0.8"),
            None,
            "ACCEPT",
            True,
            [("security_group", "ACCEPT", True)],
            "10.0.0.8 is an internal address, so that does not apply here",
        ),
        # The group drops: no need to look further.
        (
            [group(ingress=[rule(port="80")])],
            flow(port=22),
            None,
            "DROP",
            False,
            [("security_group", "DROP", True)],
            "security group drops it",
        ),
        # Ingress order: security group, then iptables; iptables drops.
        (
            ALLOW_ALL,
            flow(port=22),
            IPT_DROP_22_IN,
            "ACCEPT",
            False,
            [("security_group", "ACCEPT", False), ("iptables", "DROP", True)],
            "iptables drops it",
        ),
        # Egress order: iptables first, then the security group.
        (
            ALLOW_ALL,
            flow("egress", port=443),
            IPT_DROP_443_OUT,
            "ACCEPT",
            False,
            [("iptables", "DROP", True), ("security_group", "ACCEPT", False)],
            "iptables drops it",
        ),
        (
            ALLOW_ALL,
            flow("egress", port=443),
            IPT_DROP_22_IN,
            "ACCEPT",
            True,
            [("iptables", "ACCEPT", False), ("security_group", "ACCEPT", True)],
            "OUTPUT chain policy ACCEPT",
        ),
        # -m state is read for a new connection's first packet: ESTABLISHED does not match it.
        (
            ALLOW_ALL,
            flow(port=22),
            IPT_STATE,
            "ACCEPT",
            False,
            [("security_group", "ACCEPT", False), ("iptables", "DROP", True)],
            "first packet of a new connection (state NEW)",
        ),
        # iptables cannot tell (an interface other than lo): reachable unknown, the rule named.
        (
            ALLOW_ALL,
            flow(port=22),
            IPT_IFACE,
            "ACCEPT",
            None,
            [("security_group", "ACCEPT", False), ("iptables", "UNKNOWN", True)],
            "network interface 'eth0'",
        ),
        # ...but if the group drops, iptables does not matter.
        (
            [group(ingress=[])],
            flow(port=22),
            IPT_IFACE,
            "DROP",
            False,
            [("security_group", "DROP", True), ("iptables", "UNKNOWN", False)],
            "default deny",
        ),
    ],
)
def test_traffic_path(
    engine: RuleEngine,
    groups: list[Any],
    the_flow: dict[str, Any],
    iptables: str | None,
    action: str,
    reachable: bool | None,
    hops: list[tuple[str, str, bool]],
    explanation_part: str,
) -> None:
    d = engine.evaluate_request(groups, the_flow, iptables_save=iptables)
    assert d.action == action and d.reachable is reachable
    assert [(h.hop, h.action, h.decisive) for h in d.hops] == hops
    assert explanation_part in d.explanation


def test_faq_ids_point_at_the_deciding_mechanism(engine: RuleEngine, kb: Any) -> None:
    def question(groups: list[Any], the_flow: dict[str, Any], iptables: str | None = None) -> str:
        return str(kb.get(engine.evaluate_request(groups, the_flow, iptables_save=iptables).faq_id).question)

    assert question(ALLOW_ALL, flow()) == "安全组策略的生效顺序是什么？"
    assert question([group()], flow()) == "为什么安全组中会默认有一条拒绝规则？"
    assert question(ALLOW_ALL, flow(port=22), IPT_DROP_22_IN) == "使用了安全组是否意味着不可以使用 iptables？"
    assert question(ALLOW_ALL, flow(port=445)) == "腾讯云不支持哪些端口？"
    assert question(ALLOW_ALL, flow("egress", port=25)).startswith("为什么无法使用 TCP 25 端口")


def test_yes_no_helper(engine: RuleEngine) -> None:
    groups = parse_security_groups(ALLOW_ALL)
    assert engine.is_reachable(groups, parse_flow(flow(port=22))) is True
    assert engine.is_reachable(groups, parse_flow(flow(port=445))) is False
    unknown = parse_security_groups([group(ingress=[rule(SecurityGroupId="sg-x")])])
    with pytest.raises(UndecidedError, match=r"Provide group_members\[sg-x\]"):
        engine.is_reachable(unknown, parse_flow(flow()))


def test_port_verdict_is_attached_for_tcp_and_udp_only(engine: RuleEngine) -> None:
    assert engine.evaluate_request(ALLOW_ALL, flow(port=8080)).port_verdict is not None
    assert engine.evaluate_request(ALLOW_ALL, flow(protocol="icmp", port=None)).port_verdict is None


@pytest.mark.parametrize(
    ("groups", "the_flow", "reachable", "reading"),
    [
        # docs/rules.md, "Outbound TCP 25": the default applies, and the explanation says what if unblocked.
        (ALLOW_ALL, flow("egress", port=25), False, "The request cannot say whether outbound TCP 25 was unblocked"),
        # "Carrier blocks for private sources": noted, not applied.
        (
            ALLOW_ALL,
            flow(port=445, remote="100.64.0.8"),
            True,
            "carrier blocks concern traffic over the public Internet",
        ),
        # "Several security groups": binding order, first match decides.
        (
            [group("sg-a", ingress=[rule(port="80")]), group("sg-b", ingress=[rule("DROP", "ALL")])],
            flow(port=80),
            True,
            "the first rule that matches in any of them decides",
        ),
    ],
)
def test_readings_are_said_where_they_decide(
    engine: RuleEngine, groups: list[Any], the_flow: dict[str, Any], reachable: bool, reading: str
) -> None:
    d = engine.evaluate_request(groups, the_flow)
    assert d.reachable is reachable
    assert reading in d.explanation and "docs/rules.md" in d.explanation


def test_a_policy_without_a_source_is_refused_not_read_as_everywhere(engine: RuleEngine) -> None:
    # docs/rules.md, "A policy with no source field".
    with pytest.raises(RuleValidationError, match="not read as 'everywhere'"):
        engine.evaluate_request([group(ingress=[{"Protocol": "TCP", "Port": "22", "Action": "ACCEPT"}])], flow())
