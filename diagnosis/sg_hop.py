"""The security-group hop: what the pasted groups do to the case's flows.

Every verdict comes from the rule engine (:meth:`rules.RuleEngine.evaluate`), for every
leg of the target and every remote address tried. A drop is explained by
:func:`diagnosis.sg_causes.classify`. For "other addresses get in although not allowed",
an accepted flow is the finding: the accepting rule is in another group than the rule
that restricts the port (``sg_other_group``), or in the same group (``sg_broad_allow``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from diagnosis.case import Case
from diagnosis.findings import Finding, SgFixPlan
from diagnosis.probes import Leg, Probes
from diagnosis.sg_causes import classify, restrictive_rule, same_rule, stand_in
from diagnosis.vocabulary import CauseId, Direction
from evidence.models import EvidenceFormat
from rules import Flow, FlowDecision, Lookups, Policy, RuleEngine, SecurityGroup, evaluate_groups

# evidence/_cloud_common.py names groups the paste does not name sg-pasted1, sg-pasted2...
PLACEHOLDER_GROUP = re.compile(r"^sg-pasted\d+$")
SHOWN_GROUP = "sg-xxxxxxxx"


@dataclass(frozen=True)
class _Leg:
    leg: Leg
    action: str  # ACCEPT, DROP, UNKNOWN, MIXED
    decision: FlowDecision  # for the preferred remote
    accepted: FlowDecision | None  # MIXED: a remote the groups accept


def sg_finding(
    rules: RuleEngine,
    groups: Sequence[SecurityGroup],
    fmt: EvidenceFormat,
    legs: Sequence[Leg],
    probes: Probes,
    case: Case,
    lookups: Lookups | None = None,
) -> Finding:
    """The groups' verdict on the case's legs (``legs`` must not be empty); ``lookups``: the
    templates read from the account (group members stay unknown)."""
    results = [_leg(rules, groups, leg, probes, case.direction, lookups) for leg in legs]
    if "unexpected_access" in case.symptoms and case.direction == "ingress":
        return _unexpected(groups, fmt, results[0], probes)
    failed = [r for r in results if r.action == "DROP"]
    passed = [r for r in results if r.action == "ACCEPT"]
    if case.target.alternatives:
        if passed:
            return _passed(passed[0], fmt)
        if len(failed) == len(results):
            return _dropped(groups, fmt, failed[0], probes, case)
    else:
        if failed:
            return _dropped(groups, fmt, failed[0], probes, case)
        if len(passed) == len(results):
            return _passed(passed[0], fmt)
    return _undecided(next(r for r in results if r.action in ("MIXED", "UNKNOWN")), fmt)


def _leg(
    rules: RuleEngine,
    groups: Sequence[SecurityGroup],
    leg: Leg,
    probes: Probes,
    direction: Direction,
    lookups: Lookups | None = None,
) -> _Leg:
    decisions = [rules.evaluate(groups, leg.flow(direction, remote), lookups) for remote in probes.all]
    preferred = decisions[0]
    actions = {d.action for d in decisions}
    if preferred.action == "UNKNOWN":
        return _Leg(leg, "UNKNOWN", preferred, None)
    if len(actions) == 1:
        return _Leg(leg, preferred.action, preferred, None)
    accepted = next((d for d in decisions if d.action == "ACCEPT"), None)
    if preferred.action == "DROP" and accepted is not None:
        return _Leg(leg, "MIXED", preferred, accepted)
    return _Leg(leg, preferred.action, preferred, None)


def rule_text(policy: Policy, fmt: EvidenceFormat) -> str:
    """The rule as the user wrote it: a console row, or the rule's JSON."""
    raw = dict(policy.raw)
    if fmt == "console_table":
        source = raw.get("CidrBlock") or raw.get("Ipv6CidrBlock") or raw.get("SecurityGroupId") or "?"
        port = raw.get("Port")
        protocol = str(raw.get("Protocol", "ALL")).upper()
        what = (
            protocol
            if port in (None, "", "ALL", "all") or protocol in ("ALL", "ICMP", "ICMPV6", "GRE")
            else f"{protocol}:{port}"
        )
        return f"{source} {what} {raw.get('Action', '')}".strip()
    shown = {k: v for k, v in raw.items() if v not in (None, "") and k not in ("ModifyTime", "PolicyIndex")}
    return json.dumps(shown, ensure_ascii=False, separators=(", ", ": "))


def _group_id(group: str) -> str:
    return SHOWN_GROUP if PLACEHOLDER_GROUP.match(group) else group


def _rule_fields(prefix: str, policy: Policy, fmt: EvidenceFormat) -> dict[str, str]:
    return {
        f"{prefix}group": _group_id(policy.group_id),
        f"{prefix}index": str(policy.index),
        f"{prefix}rule": rule_text(policy, fmt),
    }


def _base_fields(flow: Flow, groups_text: str, leg: Leg) -> dict[str, str]:
    return {
        "groups": groups_text,
        "target": leg.label(),
        "proto": leg.protocol.upper(),
        "port": str(leg.port) if leg.port is not None else "",
        "address": str(flow.remote),
    }


def _passed(result: _Leg, fmt: EvidenceFormat) -> Finding:
    decision = result.decision
    label: tuple[str, Mapping[str, str]] | None = None
    text = ""
    if decision.decided_by is not None:
        label = ("sg_rule", _rule_fields("", decision.decided_by, fmt))
        text = rule_text(decision.decided_by, fmt)
    return Finding(
        "security_groups",
        "passed",
        source="security_group",
        label=label,
        text=text,
        reason=decision.group.explanation,
        faq_ids=(decision.faq_id,),
    )


def _undecided(result: _Leg, fmt: EvidenceFormat) -> Finding:
    faq = (result.decision.faq_id,)
    if result.action == "MIXED" and result.accepted is not None and result.accepted.decided_by is not None:
        related = result.accepted.decided_by
        return Finding(
            "security_groups",
            "unknown",
            source="security_group",
            label=("sg_rule", _rule_fields("", related, fmt)),
            text=rule_text(related, fmt),
            reason=(
                f"{result.leg.label()} is allowed only from some sources: {related.label()} accepts it from the "
                "addresses it names, and traffic from other addresses is dropped. Whether your own address is "
                "among them cannot be told until you give it."
            ),
            fields=_rule_fields("related_", related, fmt),
            faq_ids=faq,
            source_dependent=True,
        )
    return Finding(
        "security_groups", "unknown", source="security_group", reason=result.decision.group.explanation, faq_ids=faq
    )


def _dropped(groups: Sequence[SecurityGroup], fmt: EvidenceFormat, result: _Leg, probes: Probes, case: Case) -> Finding:
    decision = result.decision
    leg = result.leg
    flow = leg.flow(case.direction, probes.preferred)
    groups_text = ", ".join(_group_id(g.id) for g in groups)
    cause, deciding, related, plan = classify(groups, flow, decision.decided_by, leg, probes, case)
    fields = _base_fields(flow, groups_text, leg)
    label: tuple[str, Mapping[str, str]]
    decided: tuple[str, Mapping[str, str]]
    if deciding is not None:
        fields |= _rule_fields("", deciding, fmt)
        label = ("sg_rule", _rule_fields("", deciding, fmt))
        decided = ("decided_rule", _rule_fields("", deciding, fmt))
        text = rule_text(deciding, fmt)
    else:
        fields["group"] = _group_id(plan.group)
        label = ("implicit_deny", {"groups": groups_text})
        decided = ("implicit_deny", {"groups": groups_text})
        text = ""
    if related is not None:
        fields |= _rule_fields("related_", related, fmt)
    fields["cidr"] = _cidr_of(plan)
    return Finding(
        "security_groups",
        "failed",
        cause=cause,
        source="security_group",
        label=label,
        text=text,
        reason=decision.explanation,
        flow=flow,
        fields=fields,
        decided=decided,
        faq_ids=(decision.faq_id,),
        plan=plan,
    )


def _cidr_of(plan: SgFixPlan) -> str:
    for policy in plan.policies:
        block = policy.get("CidrBlock") or policy.get("Ipv6CidrBlock")
        if block:
            return block
    return ""


def _unexpected(groups: Sequence[SecurityGroup], fmt: EvidenceFormat, result: _Leg, probes: Probes) -> Finding:
    """Other addresses get in: which rule lets the address (or any address) in."""
    decision = result.decision
    accepting = decision.decided_by
    flow = result.leg.flow("ingress", probes.preferred)
    faq = (decision.faq_id,)
    if decision.action == "DROP":
        return Finding(
            "security_groups", "passed", source="security_group", reason=decision.group.explanation, faq_ids=faq
        )
    if decision.action != "ACCEPT" or accepting is None:
        return Finding(
            "security_groups", "unknown", source="security_group", reason=decision.group.explanation, faq_ids=faq
        )
    restricting = restrictive_rule(groups, flow)
    if restricting is not None and same_rule(restricting, accepting) and probes.known:
        # The address given is the allowed one: ask about any other address instead.
        flow = result.leg.flow("ingress", stand_in(groups, flow))
        again = evaluate_groups(groups, flow)
        if again.action != "ACCEPT" or again.decided_by is None:
            return Finding("security_groups", "passed", source="security_group", reason=again.explanation, faq_ids=faq)
        accepting = again.decided_by
    other = restricting is not None and restricting.group_id != accepting.group_id
    cause: CauseId = "sg_other_group" if other else "sg_broad_allow"
    fields = _base_fields(flow, ", ".join(_group_id(g.id) for g in groups), result.leg)
    fields |= _rule_fields("", accepting, fmt)
    if restricting is not None:
        fields |= _rule_fields("related_", restricting, fmt)
    return Finding(
        "security_groups",
        "failed",
        cause=cause,
        source="security_group",
        label=("sg_rule", _rule_fields("", accepting, fmt)),
        text=rule_text(accepting, fmt),
        reason=decision.explanation,
        flow=flow,
        fields=fields,
        decided=("decided_rule", _rule_fields("", accepting, fmt)),
        faq_ids=faq,
        plan=SgFixPlan(accepting.group_id, "ingress", accepting.index, (), complete=False),
    )
