"""Decide a flow against an iptables filter table (see :mod:`rules.iptables`).

Ingress traffic is checked against ``INPUT``, egress against ``OUTPUT``; the remote
address is the source (``-s``) for ingress and the destination (``-d``) for egress,
and the flow's port is ``--dport`` in both. Jumps enter user chains; ``RETURN`` goes
back to the caller; the end of a built-in chain applies its policy.

A rule the checker cannot settle (an unsupported match or target, the instance's own
address when ``flow.local`` is not given, ``--sport``, an interface other than
``lo``) is only reported when its other tests match. As for security groups, such a
rule changes nothing when its action equals the final one (``REJECT`` and ``DROP``
both block); otherwise the verdict is ``UNKNOWN`` and names the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rules.flows import Flow
from rules.iptables import TERMINAL_TARGETS, Chain, Condition, IptablesRule, IptablesRuleset
from rules.services import PortSet

IptablesAction = Literal["ACCEPT", "DROP", "REJECT", "UNKNOWN"]
MAX_DEPTH = 64


@dataclass(frozen=True)
class IptablesDecision:
    """The filter table's verdict on one flow.

    Attributes:
        action: ``ACCEPT``, ``DROP``, ``REJECT`` or ``UNKNOWN``.
        chain: The built-in chain checked (``INPUT`` or ``OUTPUT``).
        decided_by: The rule that decided, or None when the chain policy did.
        undecided_by: For ``UNKNOWN``, the rule that could not be settled.
        explanation: The reason, in plain English.
    """

    action: IptablesAction
    chain: str
    decided_by: IptablesRule | None
    undecided_by: IptablesRule | None
    explanation: str


@dataclass(frozen=True)
class _Pending:
    rule: IptablesRule
    effect: str | None  # the terminal action if the rule matched; None: could be anything
    why: str


def evaluate_iptables(ruleset: IptablesRuleset, flow: Flow) -> IptablesDecision:
    """Decide ``flow`` against the filter table. Never raises for a parsed ruleset."""
    chain_name = "INPUT" if flow.direction == "ingress" else "OUTPUT"
    if ruleset.family is not None and ruleset.family != flow.remote.version:
        tool = "ip6tables-save" if flow.remote.version == 6 else "iptables-save"
        return IptablesDecision(
            "UNKNOWN",
            chain_name,
            None,
            None,
            f"The iptables rules given are for IPv{ruleset.family}; IPv{flow.remote.version} traffic is filtered "
            f"by another table. Give the output of {tool} to check it.",
        )
    pending: list[_Pending] = []
    action, rule = _walk(ruleset, ruleset.chains[chain_name], flow, pending, 0)
    if action is None:
        action = ruleset.chains[chain_name].policy or "ACCEPT"
    conflicts = [p for p in pending if p.effect is None or _passes(p.effect) != _passes(action)]
    if conflicts:
        first = conflicts[0]
        outcome = f"{first.effect}s it" if first.effect else "may change the verdict"
        text = (
            f"Cannot tell: in {first.rule.chain}, {first.rule.label()} {first.why}; "
            f"if it matches, it {outcome.lower()}. Otherwise the verdict would be {action}."
        )
        return IptablesDecision("UNKNOWN", chain_name, None, first.rule, text)
    final: IptablesAction = "ACCEPT" if action == "ACCEPT" else "REJECT" if action == "REJECT" else "DROP"
    return IptablesDecision(final, chain_name, rule, None, _decided_text(chain_name, final, rule, flow))


def _passes(action: str) -> bool:
    return action == "ACCEPT"


def _decided_text(chain: str, action: str, rule: IptablesRule | None, flow: Flow) -> str:
    if rule is None:
        return f"No iptables rule in {chain} decides {flow}; the {chain} chain policy {action} applies."
    return f"iptables {rule.chain} {rule.label()} matches {flow} and {action}s it."


def _walk(
    ruleset: IptablesRuleset, chain: Chain, flow: Flow, pending: list[_Pending], depth: int
) -> tuple[str | None, IptablesRule | None]:
    """Run one chain: a terminal action and its rule, or (None, None) to fall through."""
    for rule in chain.rules:
        state, why = _match(rule, flow)
        if state == "no" or rule.target in (None, "LOG"):
            continue
        target = rule.target
        assert target is not None
        if state == "unknown" or rule.unsupported:
            reason = (
                why
                if state == "unknown"
                else f"uses {', '.join(rule.unsupported)}, which this checker does not evaluate"
            )
            pending.append(_Pending(rule, target if target in TERMINAL_TARGETS else None, reason))
            continue
        if target in TERMINAL_TARGETS:
            return target, rule
        if target == "RETURN":
            return None, None
        if depth < MAX_DEPTH:
            action, decided = _walk(ruleset, ruleset.chains[target], flow, pending, depth + 1)
            if action is not None:
                return action, decided
    return None, None


def _match(rule: IptablesRule, flow: Flow) -> tuple[str, str]:
    """("yes" | "no" | "unknown", why unknown); every definite test is tried first."""
    unknown: list[str] = []
    for condition in rule.conditions:
        result = _test(condition, flow)
        if result is False:
            return "no", ""
        if isinstance(result, str):
            unknown.append(result)
    return ("unknown", "; ".join(unknown)) if unknown else ("yes", "")


def _test(condition: Condition, flow: Flow) -> bool | str:
    """True/False, or why it cannot be told."""
    kind, value = condition.kind, condition.value
    result: bool | str
    if kind == "protocol":
        result = flow.protocol == value
    elif kind in ("source", "destination"):
        remote_side = "source" if flow.direction == "ingress" else "destination"
        address = flow.remote if kind == remote_side else flow.local
        if address is None:
            option = "-d" if kind == "destination" else "-s"
            return f"tests the instance's own address ({option}), and flow.local was not given"
        assert isinstance(value, tuple)
        result = any(address.version == block.version and address in block for block in value)
    elif kind == "dport":
        assert isinstance(value, PortSet)
        result = flow.port is not None and flow.port in value
    elif kind == "sport":
        return "tests the source port (--sport), which a flow does not fix"
    else:
        if value != "lo":
            return f"tests the network interface {value!r}, which a flow does not tell"
        result = flow.remote.is_loopback
    return result != condition.negated
