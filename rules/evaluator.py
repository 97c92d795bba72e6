"""Security-group evaluation: which rule decides a flow, Tencent Cloud's way.

Semantics (from the FAQ: 安全组策略的生效顺序是从上至下的, and the default deny):

* Rules of the flow's direction are read top-down and the first match decides.
* An instance's several security groups are read in the order given (their
  priority), as one list: the first match across all of them decides.
* Traffic no rule matches is dropped (the implicit deny, ``decided_by`` None).

Unknown references. A rule whose match depends on something the caller did not give
(members of a referenced group, a template) is *unknown*. It might have matched, so
it might have decided. The engine keeps reading; when a rule that surely matches is
found (or the implicit deny is reached), the result stands only if every unknown
rule before it has the same action, because then the action is the same whichever
of them decided. Otherwise the verdict is ``UNKNOWN`` and names the first unknown
rule whose action differs, and what is missing to settle it. A rule is only unknown
when its other conditions match: a TCP 22 rule referencing an unknown group is
simply not a match for UDP 53.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from rules.addresses import AddressSet
from rules.flows import Flow
from rules.lookups import Lookups, Resolved
from rules.policies import (
    AddressTemplateSource,
    CidrSource,
    GroupSource,
    Policy,
    SecurityGroup,
    ServiceTemplateRef,
)
from rules.services import Service

MatchState = Literal["yes", "no", "unknown"]
GroupAction = Literal["ACCEPT", "DROP", "UNKNOWN"]


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
        decided_by: The first rule that matches, or None when the implicit deny
            decided or the action is ``UNKNOWN``.
        undecided_by: For ``UNKNOWN``, the rule whose match could not be settled.
        missing: What to give to settle an ``UNKNOWN`` (e.g. ``group_members[sg-x]``).
        explanation: The reason, in plain English.
    """

    action: GroupAction
    decided_by: Policy | None
    undecided_by: Policy | None
    missing: tuple[str, ...]
    explanation: str


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
    return _settle((flow.remote in s for s in resolved.parts), resolved.missing)


def _settle(hits: Iterable[bool], missing: tuple[str, ...]) -> RuleMatch:
    if any(hits):
        return YES
    return RuleMatch("unknown", missing) if missing else NO


def evaluate_groups(groups: Sequence[SecurityGroup], flow: Flow, lookups: Lookups | None = None) -> GroupDecision:
    """Decide ``flow`` against ``groups`` (priority order), first match wins.

    Never raises for validated input: unknown references give ``UNKNOWN``.
    """
    lookups = lookups or Lookups()
    pending: list[tuple[Policy, RuleMatch]] = []
    decided_by: Policy | None = None
    for group in groups:
        for policy in group.policies(flow.direction):
            result = match_policy(policy, flow, lookups)
            if result.state == "unknown":
                pending.append((policy, result))
            elif result.state == "yes":
                decided_by = policy
                break
        if decided_by is not None:
            break
    action: Literal["ACCEPT", "DROP"] = decided_by.action if decided_by is not None else "DROP"
    conflicts = [(p, m) for p, m in pending if p.action != action]
    if conflicts:
        return _undecided(conflicts, decided_by, action, flow)
    agreeing = [p for p, _ in pending]
    return GroupDecision(action, decided_by, None, (), _decided_text(groups, flow, decided_by, action, agreeing))


def _undecided(
    conflicts: list[tuple[Policy, RuleMatch]], decided_by: Policy | None, action: str, flow: Flow
) -> GroupDecision:
    first, _ = conflicts[0]
    missing = tuple(dict.fromkeys(m for _, match in conflicts for m in match.missing))
    otherwise = (
        f"{decided_by.label()} {_verb(action)} it"
        if decided_by is not None
        else "no rule matches and the implicit deny drops it"
    )
    text = (
        f"Cannot tell: {first.label()} ({first.action}, {describe_policy(first)}) may match {flow}, "
        f"but it refers to {', '.join(missing)}, which was not given. If it matches, the flow is "
        f"{_past(first.action)}; if not, {otherwise}. Provide {', '.join(missing)} to decide."
    )
    return GroupDecision("UNKNOWN", None, first, missing, text)


def _decided_text(
    groups: Sequence[SecurityGroup], flow: Flow, decided_by: Policy | None, action: str, agreeing: list[Policy]
) -> str:
    names = ", ".join(g.id for g in groups) or "no security group"
    if decided_by is None:
        text = (
            f"No rule of {names} matches {flow}, so it is dropped: traffic that no rule allows "
            "is denied (the default deny at the end of every security group)."
        )
    else:
        text = (
            f"{decided_by.label()} is the first rule that matches {flow} ({describe_policy(decided_by)}); "
            f"it {_verb(action)} the traffic. Rules are read top-down and the first match decides"
        )
        text += f", across groups in the order given ({names})." if len(groups) > 1 else "."
    if agreeing:
        labels = "; ".join(p.label() for p in agreeing)
        text += f" Earlier rules could not be checked ({labels}), but they would {action.lower()} it too."
    return text


def _past(action: str) -> str:
    return "accepted" if action == "ACCEPT" else "dropped"


def _verb(action: str) -> str:
    return "accepts" if action == "ACCEPT" else "drops"


def describe_policy(policy: Policy) -> str:
    """The rule's match in words, e.g. ``TCP 22 from 0.0.0.0/0``."""
    service = policy.service
    what = str(service) if isinstance(service, Service) else f"services of template {service.template_id}"
    way = "from" if policy.direction == "ingress" else "to"
    source = policy.source
    if isinstance(source, CidrSource):
        where = str(source.network)
    elif isinstance(source, GroupSource):
        where = f"members of {source.group_id}"
    else:
        where = f"addresses of template {source.template_id}"
    return f"{what} {way} {where}"
