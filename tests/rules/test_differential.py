"""The engine against a brute-force reference written from the documents alone (tests/rules/reference.py).

Generated scenarios (tests/rules/scenarios.py) are valid requests of ``POST
/v1/security-groups/evaluate``: mixed protocols, overlapping port ranges and comma
lists, IPv4 and IPv6, blocks /0, /1, /31, /32 and host bits set, several groups, DROP
above ACCEPT, empty lists, egress, address and service templates and template groups,
group members, iptables with state matches, user chains, RETURN, LOG and policies, and
the subnet's network ACL (stateless: both legs, the replies over the ephemeral ports).
Each goes through the route's own entry point (``RuleEngine.evaluate_body``, after a
JSON round trip) and through ``reference_evaluate``; the verdicts and what decided them
must agree. A second property: supplying everything ``missing`` lists always decides
the security groups.

Scenarios that ever disagreed are kept as ``@example`` (``REGRESSIONS``). One reading
differs on purpose and is tested on its own (``test_a_dump_of_the_other_family``).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from scenarios import requests, supply

from rules import FlowDecision, RuleEngine
from tests.rules.reference import RefResult, reference_evaluate

QUICK = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def engine_view(decision: FlowDecision) -> RefResult:
    """The engine's answer in the reference's terms."""
    decided = decision.decided_by
    table = decision.iptables
    acl = decision.network_acl
    acl_entry = acl.decided_by if acl is not None else None
    return RefResult(
        sg_action=decision.action,
        sg_decided_by=(decided.group_id, decided.index) if decided is not None else None,
        iptables_action=table.action if table is not None else None,
        iptables_decided_line=table.decided_by.line if table is not None and table.decided_by is not None else None,
        acl_action=acl.action if acl is not None else None,
        acl_decided_by=(acl_entry.direction, acl_entry.index) if acl_entry is not None else None,
    )


def _group(*ingress: dict[str, Any]) -> dict[str, Any]:
    return {"SecurityGroupId": "sg-repro001", "SecurityGroupPolicySet": {"Ingress": list(ingress), "Egress": []}}


_FLOW = {"direction": "ingress", "protocol": "tcp", "port": 80, "remote": "1.2.3.4"}
_ALL = {"Protocol": "ALL", "Port": "ALL"}
_STATEFUL = (
    "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
    "-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n"
)
_THREE_TEMPLATES = _group(
    *(
        {**_ALL, "AddressTemplate": {"AddressId": t, "AddressGroupId": ""}, "Action": a}
        for t, a in (("ipm-a", "ACCEPT"), ("ipm-b", "DROP"), ("ipm-c", "ACCEPT"))
    )
)


def _acl(ingress: list[dict[str, Any]], egress: list[dict[str, Any]]) -> dict[str, Any]:
    return {"NetworkAclId": "acl-repro001", "IngressEntries": ingress, "EgressEntries": egress}


def _entry(port: str, action: str = "ACCEPT", **extra: Any) -> dict[str, Any]:
    return {"Protocol": "TCP", "Port": port, "CidrBlock": "0.0.0.0/0", "Action": action, **extra}


# Every scenario that ever disagreed, kept: the five first.
REGRESSIONS: list[dict[str, Any]] = [
    {
        "security_groups": [_group({**_ALL, "PolicyIndex": 0, "CidrBlock": "0.0.0.0/8", "Action": "ACCEPT"})],
        "flow": _FLOW,
    },
    {
        "security_groups": [
            _group(
                {**_ALL, "PolicyIndex": 1, "CidrBlock": "0.0.0.0/0", "Action": "DROP"},
                {**_ALL, "PolicyIndex": 0, "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"},
            )
        ],
        "flow": _FLOW,
    },
    {
        "security_groups": [_group({**_ALL, "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"})],
        "flow": _FLOW,
        "iptables_save": _STATEFUL,
    },
    {"security_groups": [_THREE_TEMPLATES], "flow": _FLOW},
    {"security_groups": [_group({**_ALL, "CidrBlock": "14.71.26.129/1", "Action": "DROP"})], "flow": _FLOW},
    # An unsettled rule with the deciding rule's action: the action stands, which rule gives it does not.
    {
        "security_groups": [
            _group(
                {**_ALL, "SecurityGroupId": "sg-m0", "Action": "ACCEPT"},
                {**_ALL, "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"},
            )
        ],
        "flow": _FLOW,
    },
    # ! -p all matches nothing; DROP or REJECT depending on an interface is UNKNOWN.
    {
        "security_groups": [],
        "flow": _FLOW,
        "iptables_save": "*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT ! -p all -j DROP\n"
        "-A INPUT -i eth0 -j REJECT\n-A INPUT -j DROP\nCOMMIT\n",
    },
    # Network ACL: the replies accepted over part of the ephemeral range only (UNKNOWN); Priority orders.
    {"security_groups": [], "flow": _FLOW, "network_acl": _acl([_entry("80")], [_entry("32768-65535")])},
    {
        "security_groups": [],
        "flow": _FLOW,
        "network_acl": _acl([_entry("80", Priority=2), _entry("80", "DROP", Priority=1)], [_entry("ALL")]),
    },
    # An unsettled DROP rule before a DROP rule: DROP, but no line can be named.
    {
        "security_groups": [],
        "flow": _FLOW,
        "iptables_save": "*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -i eth0 -j DROP\n"
        "-A INPUT -p tcp -m tcp --dport 80 -j DROP\nCOMMIT\n",
    },
]


def with_regressions(test: Callable[..., None]) -> Callable[..., None]:
    for request in REGRESSIONS:
        test = example(request=request)(test)
    return test


@settings(QUICK, max_examples=1000)
@given(request=requests())
@with_regressions
def test_engine_agrees_with_the_reference(engine: RuleEngine, request: dict[str, Any]) -> None:
    got = engine_view(engine.evaluate_body(json.loads(json.dumps(request))))
    assert got == reference_evaluate(request), json.dumps(request)
    event(f"security groups: {got.sg_action}{' by a rule' if got.sg_decided_by else ''}")
    event(f"iptables: {got.iptables_action}{' by a rule' if got.iptables_decided_line else ''}")
    by_entry = got.acl_decided_by is not None and got.acl_decided_by[1] is not None
    event(f"network ACL: {got.acl_action}{' by an entry' if by_entry else ''}")


@settings(QUICK, max_examples=500)
@given(request=requests(), rnd=st.randoms(use_true_random=False))
@example(request=REGRESSIONS[3], rnd=random.Random(0))
def test_supplying_what_is_missing_decides(engine: RuleEngine, request: dict[str, Any], rnd: random.Random) -> None:
    first = engine.evaluate_body(request)
    if first.action != "UNKNOWN":
        return
    assert first.group.missing
    merged = dict(request)
    for name, entries in supply(first.group.missing, rnd).items():
        merged[name] = {**(request.get(name) or {}), **entries}
    again = engine.evaluate_body(merged)
    assert again.action in ("ACCEPT", "DROP"), (json.dumps(merged), again.explanation)
    assert again.action == reference_evaluate(merged).sg_action


@pytest.mark.parametrize(("remote", "dump_block"), [("2001:db8::1", "10.0.0.0/8"), ("10.0.0.1", "2001:db8::/32")])
def test_a_dump_of_the_other_family(engine: RuleEngine, remote: str, dump_block: str) -> None:
    """The one reading where engine and reference differ on purpose. A dump whose addresses are
    IPv4 is iptables-save output, which does not filter IPv6 at all (ip6tables does), and the
    reverse: the engine answers UNKNOWN and asks for the other tool's output, where the reference
    reads the text as if it applied to both families."""
    dump = f"*filter\n:INPUT DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -s {dump_block} -j ACCEPT\nCOMMIT\n"
    flow = {"direction": "ingress", "protocol": "tcp", "port": 22, "remote": remote}
    request = {"security_groups": [], "flow": flow, "iptables_save": dump}
    decision = engine.evaluate_body(request)
    assert decision.iptables is not None and decision.iptables.action == "UNKNOWN"
    assert "Give the output of" in decision.iptables.explanation
    assert reference_evaluate(request).iptables_action == "DROP"
