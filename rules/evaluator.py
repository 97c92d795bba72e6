"""Security-group evaluation: which rule decides a flow, Tencent Cloud's way.

Semantics (from the FAQ: 安全组策略的生效顺序是从上至下的, and the default deny):

* Rules of the flow's direction are matched in ``PolicyIndex`` order (0 first) when
  the policies carry it, else in list order; the first match decides.
* An instance's several security groups are read in the order given (their binding
  order, i.e. priority), as one list: the first match across all of them decides
  (a reading: see docs/rules.md).
* Traffic no rule matches is dropped (the implicit deny, ``decided_by`` None).

Unknown references. A rule whose match depends on something the caller did not give
(members of a referenced group, a template) is *unknown*: it might match or not. The
verdict is what every combination of those possibilities gives; when two of them
give different actions the verdict is ``UNKNOWN``. Reading the rules in order, the
first rule that surely matches (or the implicit deny) decides unless an unknown rule
before it has another action. ``missing`` then lists what every unknown rule up to
the last such rule refers to: given all of it, the verdict is decided in one round
(rules after that one cannot change the action). A rule is only unknown when its
other conditions match: a TCP 22 rule referencing an unknown group is simply not a
match for UDP 53.

Speed. Rules are compiled rows of integers (:mod:`rules.policies`); the scan compares
integers and touches a :class:`Policy` only for rules with references that pass the
integer tests, and for the rules named in the answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from rules import readings
from rules.addresses import AddressSet, key_of
from rules.flows import Flow
from rules.lookups import Lookups, Resolved
from rules.policies import (
    AddressTemplateSource,
    CidrSource,
    GroupSource,
    Policy,
    RuleTable,
    SecurityGroup,
    ServiceTemplateRef,
    describe_policy,
)
from rules.services import Service

MatchState = Literal["yes", "no", "unknown"]
GroupAction = Literal["ACCEPT", "DROP", "UNKNOWN"]
NO_LOOKUPS = Lookups()


@dataclass(frozen=True)
class RuleMatch:
    """Whether one rule matches a flow; ``missing`` names what would settle ``unknown``."""

    state: MatchState
    missing: tuple[str, ...] = ()


YES, NO = RuleMatch("yes"), RuleMatch("no")


@dataclass(frozen=True)
class GroupDecision:
    """The security groups' verdict on one flow.

    Attributes:
        action: ``ACCEPT``, ``DROP`` or ``UNKNOWN``.
        decided_by: The rule that decides, when that is certain: None when the implicit
            deny decides, when the action is ``UNKNOWN``, and when earlier rules that
            could not be checked would give the same action if they matched (then the
            action is certain but not which rule gives it; see ``first_match``).
        undecided_by: For ``UNKNOWN``, the first rule whose match could not be settled
            and whose action differs from what would decide otherwise.
        missing: What to give to settle an ``UNKNOWN`` (e.g. ``group_members[sg-x]``):
            everything needed, so that one more request decides.
        explanation: The reason, in plain English.
        first_match: The first rule that surely matches (None: none does), whether or not
            it is certain to decide.
        default_deny: True when the implicit deny surely decides (no rule can match).
    """

    action: GroupAction
    decided_by: Policy | None
    undecided_by: Policy | None
    missing: tuple[str, ...]
    explanation: str
    first_match: Policy | None = None
    default_deny: bool = False


def match_policy(policy: Policy, flow: Flow, lookups: Lookups) -> RuleMatch:
    """Whether ``policy`` matches ``flow``, resolving references through ``lookups``."""
    service = _match_service(policy.service, flow, lookups)
    if service.state == "no":
        return NO
    source = _match_source(policy, flow, lookups)
    if source.state == "no":
        return NO
    if service.state == "yes" and source.state == "yes":
        return YES
    return RuleMatch("unknown", service.missing + source.missing)


def _match_service(service: Service | ServiceTemplateRef, flow: Flow, lookups: Lookups) -> RuleMatch:
    if isinstance(service, Service):
        return YES if service.matches(flow.protocol, flow.port) else NO
    resolved = lookups.services(service.template_id)
    return _settle((s.matches(flow.protocol, flow.port) for s in resolved.parts), resolved.missing)


def _match_source(policy: Policy, flow: Flow, lookups: Lookups) -> RuleMatch:
    source = policy.source
    if isinstance(source, CidrSource):
        network = source.network
        return YES if flow.remote.version == network.version and flow.remote in network else NO
    resolved: Resolved[AddressSet]
    if isinstance(source, GroupSource):
        resolved = lookups.members(source.group_id)
    else:
        assert isinstance(source, AddressTemplateSource)
        resolved = lookups.addresses(source.template_id)
    key = key_of(flow.remote)
    return _settle((s.holds(key) for s in resolved.parts), resolved.missing)


def _settle(hits: Iterable[bool], missing: tuple[str, ...]) -> RuleMatch:
    if any(hits):
        return YES
    return RuleMatch("unknown", missing) if missing else NO


def _scan(table: RuleTable, flow: Flow, lookups: Lookups, pending: list[tuple[Policy, RuleMatch]]) -> Policy | None:
    """The first rule of ``table`` that surely matches; unknown ones before it go to ``pending``."""
    key, bit, port = flow.key, flow.bit, flow.port_key
    for first, last, bits, low, high, ranges, refs, slot in table.rows:
        if first <= key <= last and bits & bit and low <= port <= high:
            if ranges is not None and not any(a <= port <= b for a, b in ranges):
                continue
            if refs:
                policy = table.policy(slot)
                match = match_policy(policy, flow, lookups)
                if match.state == "no":
                    continue
                if match.state == "unknown":
                    pending.append((policy, match))
                    continue
                return policy
            return table.policy(slot)
    return None


def evaluate_groups(groups: Sequence[SecurityGroup], flow: Flow, lookups: Lookups | None = None) -> GroupDecision:
    """Decide ``flow`` against ``groups`` (binding order), first match wins.

    Never raises for validated input: unknown references give ``UNKNOWN``.
    """
    lookups = lookups or NO_LOOKUPS
    pending: list[tuple[Policy, RuleMatch]] = []
    decided_by: Policy | None = None
    table: RuleTable | None = None
    for group in groups:
        table = group.table(flow.direction)
        decided_by = _scan(table, flow, lookups, pending)
        if decided_by is not None:
            break
    action: Literal["ACCEPT", "DROP"] = decided_by.action if decided_by is not None else "DROP"
    conflicts = [i for i, (p, _) in enumerate(pending) if p.action != action]
    if conflicts:
        return _undecided(pending[: conflicts[-1] + 1], pending[conflicts[0]][0], decided_by, action, flow)
    agreeing = [p for p, _ in pending]
    text = _decided_text(groups, flow, decided_by, action, agreeing, table)
    certain = decided_by if not agreeing else None
    return GroupDecision(action, certain, None, (), text, decided_by, decided_by is None and not agreeing)


def _undecided(
    needed: list[tuple[Policy, RuleMatch]], first: Policy, decided_by: Policy | None, action: str, flow: Flow
) -> GroupDecision:
    missing = tuple(dict.fromkeys(m for _, match in needed for m in match.missing))
    own = tuple(dict.fromkeys(m for p, match in needed if p is first for m in match.missing))
    otherwise = (
        f"{decided_by.label()} {_verb(action)} it"
        if decided_by is not None
        else "no rule matches and the implicit deny drops it"
    )
    text = (
        f"Cannot tell: {first.label()} ({first.action}, {describe_policy(first)}) may match {flow}, "
        f"but it refers to {', '.join(own)}, which was not given. If it matches, the flow is "
        f"{_past(first.action)}; if not, {otherwise}. Provide {', '.join(missing)} to decide"
    )
    if len(needed) > 1:
        others = "; ".join(p.label() for p, _ in needed if p is not first)
        text += f" (this lists what every rule that could still decide refers to: also {others})"
    text += ". For a template group, give the group and every template in it."
    return GroupDecision("UNKNOWN", None, first, missing, text, decided_by)


def _decided_text(
    groups: Sequence[SecurityGroup],
    flow: Flow,
    decided_by: Policy | None,
    action: str,
    agreeing: list[Policy],
    table: RuleTable | None,
) -> str:
    names = ", ".join(g.id for g in groups) or "no security group"
    if decided_by is None:
        text = (
            f"No rule of {names} matches {flow}, so it is dropped: traffic that no rule allows "
            "is denied (the default deny at the end of every security group)."
        )
    else:
        assert table is not None
        rule_order = readings.POLICY_INDEX_ORDER if table.by_policy_index else readings.LIST_ORDER
        surely = " surely" if agreeing else ""
        text = (
            f"{decided_by.label()} is the first rule that{surely} matches {flow} ({describe_policy(decided_by)}); "
            f"it {_verb(action)} the traffic. {rule_order}."
        )
    if len(groups) > 1:
        text += f" {readings.SEVERAL_GROUPS} Order given: {names}."
    if agreeing:
        labels = "; ".join(p.label() for p in agreeing)
        text += (
            f" Earlier rules could not be checked ({labels}), but they would {action.lower()} it too: the action "
            "is certain, which rule gives it is not."
        )
    return text


def _past(action: str) -> str:
    return "accepted" if action == "ACCEPT" else "dropped"


def _verb(action: str) -> str:
    return "accepts" if action == "ACCEPT" else "drops"


__all__ = ["GroupDecision", "RuleMatch", "describe_policy", "evaluate_groups", "match_policy"]
