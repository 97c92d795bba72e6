"""Why the security groups drop a flow, told apart by asking the rule engine again with one
thing changed, and where the rule that fixes it goes.

* Without the deciding DROP rule (and any DROP below it) the flow is accepted: the ACCEPT
  rule comes after the DROP (``sg_rule_after_drop``), or sits in a later-bound group
  (``sg_other_group``).
* The deciding DROP names this port or source, not everything: ``sg_drop_rule``.
* The same port with the other protocol is accepted by a rule for that protocol:
  ``sg_protocol_mismatch``.
* An address from a block an ACCEPT rule names is accepted: ``sg_source_mismatch``.
* Otherwise nothing allows it: ``sg_no_matching_allow`` (the default deny, or a catch-all
  DROP). Outbound, a drop is ``outbound_blocked``.

The fix goes at the deciding DROP's ``PolicyIndex`` (CreateSecurityGroupPolicies inserts
before the rule now at that index), beside the related rule, or at the end when the
default deny decided.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Literal

from diagnosis.case import Case
from diagnosis.findings import SgFixPlan
from diagnosis.probes import PUBLIC_STAND_INS, IPAddress, Leg, Probes, policy_block
from diagnosis.vocabulary import CauseId, Direction
from rules import Flow, Policy, SecurityGroup, evaluate_groups

MAX_REMOVALS = 8
CREATE_FIELDS = (
    "Protocol",
    "Port",
    "CidrBlock",
    "Ipv6CidrBlock",
    "SecurityGroupId",
    "AddressTemplate",
    "ServiceTemplate",
    "Action",
    "PolicyDescription",
)


def classify(
    groups: Sequence[SecurityGroup],
    flow: Flow,
    deciding: Policy | None,
    leg: Leg,
    probes: Probes,
    case: Case,
) -> tuple[CauseId, Policy | None, Policy | None, SgFixPlan]:
    """Why the groups drop ``flow`` (decided by ``deciding``, None for the default deny)."""
    first = groups[0].id
    where = (deciding.group_id, deciding.index) if deciding is not None else (first, None)
    mine = _own_block(probes)
    if flow.direction == "egress":
        return (
            "outbound_blocked",
            deciding,
            None,
            _plan(where, flow, leg, "0.0.0.0/0" if flow.remote.version == 4 else "::/0"),
        )
    if deciding is not None:
        below = accepted_without(groups, flow, deciding)
        if below is not None:
            cause: CauseId = "sg_rule_after_drop" if below.group_id == deciding.group_id else "sg_other_group"
            return cause, deciding, below, _copy_plan(where, flow.direction, below)
        if not catch_all(deciding, flow):
            return "sg_drop_rule", deciding, None, _plan(where, flow, leg, mine or _any(flow))
    other = _other_protocol(groups, flow)
    if other is not None:
        block = policy_block(other.raw)
        cidr = mine or (str(block) if block is not None else _any(flow))
        return "sg_protocol_mismatch", deciding, other, _plan((other.group_id, other.index), flow, leg, cidr)
    elsewhere = _other_source(groups, flow)
    if elsewhere is not None:
        return "sg_source_mismatch", deciding, elsewhere, _plan((elsewhere.group_id, elsewhere.index), flow, leg, mine)
    return "sg_no_matching_allow", deciding, None, _plan(where, flow, leg, mine or _any(flow))


def _any(flow: Flow) -> str:
    return "0.0.0.0/0" if flow.remote.version == 4 else "::/0"


def _own_block(probes: Probes) -> str | None:
    if not probes.known:
        return None
    return f"{probes.preferred}/{probes.preferred.max_prefixlen}"


def _plan(where: tuple[str, int | None], flow: Flow, leg: Leg, cidr: str | None) -> SgFixPlan:
    policy: dict[str, str] = {"Protocol": leg.protocol.upper()}
    if leg.port is not None:
        policy["Port"] = str(leg.port)
    if cidr is not None:
        policy["Ipv6CidrBlock" if ":" in cidr else "CidrBlock"] = cidr
    policy["Action"] = "ACCEPT"
    group, index = where
    return SgFixPlan(group, flow.direction, index, (policy,), complete=cidr is not None)


def _copy_plan(where: tuple[str, int | None], direction: Direction, rule: Policy) -> SgFixPlan:
    policy = {k: v for k, v in rule.raw.items() if k in CREATE_FIELDS and isinstance(v, str) and v}
    group, index = where
    return SgFixPlan(group, direction, index, (policy,))


def catch_all(policy: Policy, flow: Flow) -> bool:
    """A rule for every port of the flow's protocol (or every protocol) from everywhere."""
    raw = policy.raw
    protocol = str(raw.get("Protocol", "ALL")).lower()
    port = raw.get("Port")
    block = policy_block(dict(raw))
    everywhere = block is not None and block.prefixlen == 0
    return everywhere and protocol in ("all", flow.protocol) and port in (None, "", "ALL", "all")


def without(groups: Sequence[SecurityGroup], policy: Policy) -> list[SecurityGroup]:
    """``groups`` with ``policy`` taken out."""
    result: list[SecurityGroup] = []
    for group in groups:
        if group.id != policy.group_id:
            result.append(group)
            continue
        keep = {
            direction: [
                p
                for p in group.policies(direction)
                if not (direction == policy.direction and p.position == policy.position)
            ]
            for direction in ("ingress", "egress")
        }
        result.append(SecurityGroup(group.id, keep["ingress"], keep["egress"]))
    return result


def accepted_without(groups: Sequence[SecurityGroup], flow: Flow, drop: Policy) -> Policy | None:
    """The ACCEPT rule that decides ``flow`` once the DROP rules above it are taken out, if any."""
    current = list(groups)
    removed = drop
    for _ in range(MAX_REMOVALS):
        current = without(current, removed)
        decision = evaluate_groups(current, flow)
        if decision.action == "ACCEPT":
            return decision.decided_by
        if decision.action != "DROP" or decision.decided_by is None:
            return None
        removed = decision.decided_by
    return None


def _other_protocol(groups: Sequence[SecurityGroup], flow: Flow) -> Policy | None:
    if flow.protocol not in ("tcp", "udp"):
        return None
    other: Literal["tcp", "udp"] = "udp" if flow.protocol == "tcp" else "tcp"
    decision = evaluate_groups(groups, Flow(flow.direction, other, flow.port, flow.remote))
    accepted = decision.decided_by
    if decision.action == "ACCEPT" and accepted is not None and str(accepted.raw.get("Protocol", "")).lower() == other:
        return accepted
    return None


def _other_source(groups: Sequence[SecurityGroup], flow: Flow) -> Policy | None:
    for group in groups:
        for policy in group.policies(flow.direction):
            block = policy_block(dict(policy.raw))
            if (
                policy.action != "ACCEPT"
                or block is None
                or block.prefixlen == 0
                or block.version != flow.remote.version
            ):
                continue
            remote: IPAddress = block.network_address if block.num_addresses == 1 else block.network_address + 1
            decision = evaluate_groups(groups, Flow(flow.direction, flow.protocol, flow.port, remote))
            if decision.action == "ACCEPT" and decision.decided_by is not None:
                return decision.decided_by
    return None


def restrictive_rule(groups: Sequence[SecurityGroup], flow: Flow) -> Policy | None:
    """The first ACCEPT rule for the flow's port that names a narrower source than everywhere."""
    for group in groups:
        for policy in group.policies(flow.direction):
            block = policy_block(dict(policy.raw))
            if policy.action != "ACCEPT" or block is None or block.prefixlen == 0:
                continue
            remote: IPAddress = block.network_address if block.num_addresses == 1 else block.network_address + 1
            decision = evaluate_groups(
                [SecurityGroup(group.id, *_only(policy))], Flow(flow.direction, flow.protocol, flow.port, remote)
            )
            if decision.action == "ACCEPT":
                return policy
    return None


def same_rule(a: Policy, b: Policy) -> bool:
    return (a.group_id, a.direction, a.position) == (b.group_id, b.direction, b.position)


def stand_in(groups: Sequence[SecurityGroup], flow: Flow) -> IPAddress:
    """An Internet address no rule's block holds."""
    blocks = [b for g in groups for p in g.policies(flow.direction) if (b := policy_block(dict(p.raw))) and b.prefixlen]
    for text in PUBLIC_STAND_INS:
        address = ipaddress.ip_address(text)
        if not any(address in b for b in blocks):
            return address
    return ipaddress.ip_address(PUBLIC_STAND_INS[0])


def _only(policy: Policy) -> tuple[list[Policy], list[Policy]]:
    return ([policy], []) if policy.direction == "ingress" else ([], [policy])
