"""Decide a flow against a host's filter rules (see :mod:`rules.iptables`).

Ingress traffic is checked against ``INPUT``, egress against ``OUTPUT``; the remote
address is the source (``-s``) for ingress and the destination (``-d``) for egress,
and the flow's port is ``--dport`` in both. Jumps enter user chains, ``-g`` goes to one
for good, ``RETURN`` goes back to the caller; the end of a built-in chain applies its
policy. The question is about the first packet of a new connection: connection-state
tests see state NEW, and ``--syn`` holds for TCP.

A rule the checker cannot settle (an unsupported match or target, the instance's own
address when ``flow.local`` is not given, ``--sport``, an interface other than ``lo``)
might match or not. The verdict is what every combination of those possibilities
gives (a rule met twice is assumed the same both times): when two combinations give
different actions the verdict is ``UNKNOWN``, naming the first such rule; when every
combination blocks (some DROP, some REJECT), ``passes`` is still False.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from rules import readings
from rules.flows import Flow
from rules.iptables import CONTINUE_TARGETS, TERMINAL_TARGETS, Condition, IptablesRule, IptablesRuleset
from rules.services import PortSet

IptablesAction = Literal["ACCEPT", "DROP", "REJECT", "UNKNOWN"]
MAX_LEAVES = 4096  # combinations explored before giving up with UNKNOWN
MAX_DEPTH = 64
ANY = "?"  # the action of a rule whose target the checker does not know


@dataclass(frozen=True)
class IptablesDecision:
    """The filter rules' verdict on one flow.

    Attributes:
        action: ``ACCEPT``, ``DROP``, ``REJECT`` or ``UNKNOWN``.
        chain: The built-in chain checked (``INPUT`` or ``OUTPUT``).
        decided_by: The rule that decided, or None when the chain policy did, for ``UNKNOWN``,
            and when which rule decides depends on rules that could not be checked.
        undecided_by: For ``UNKNOWN``, the rule that could not be settled.
        explanation: The reason, in plain English.
        passes: True when the traffic surely passes, False when it is surely blocked
            (DROP or REJECT, even if which of the two cannot be told), None otherwise.
    """

    action: IptablesAction
    chain: str
    decided_by: IptablesRule | None
    undecided_by: IptablesRule | None
    explanation: str
    passes: bool | None = None


@dataclass
class _Leaf:
    action: str
    rule: IptablesRule | None
    assumed: tuple[tuple[IptablesRule, bool, str], ...]


@dataclass
class _Walk:
    """Every combination of the unsettled rules met, explored depth first ("no match" first)."""

    ruleset: IptablesRuleset
    flow: Flow
    leaves: list[_Leaf] = field(default_factory=list)
    assumed: list[tuple[IptablesRule, bool, str]] = field(default_factory=list)
    choice: dict[int, bool] = field(default_factory=dict)
    saw_state: bool = False
    gave_up: bool = False

    def run(self, frames: list[tuple[str, int]]) -> None:
        while not self.gave_up:
            name, i = frames[-1]
            rules = self.ruleset.chains[name].rules
            if i >= len(rules):
                frames.pop()
                if not frames:
                    self._leaf(self.ruleset.chains[name].policy or "ACCEPT", None)
                    return
                continue
            rule = rules[i]
            frames[-1] = (name, i + 1)
            state, why = self._match(rule)
            if state == "no":
                continue
            if state == "unknown":
                settled = self.choice.get(id(rule))
                if settled is None:
                    self._branch(rule, why, frames)
                    return
                if not settled:
                    continue
            if not self._apply(rule, frames):
                return

    def _branch(self, rule: IptablesRule, why: str, frames: list[tuple[str, int]]) -> None:
        for matched in (False, True):
            self.choice[id(rule)] = matched
            self.assumed.append((rule, matched, why))
            copy = list(frames)
            if not matched or self._apply(rule, copy):
                self.run(copy)
            self.assumed.pop()
        del self.choice[id(rule)]

    def _apply(self, rule: IptablesRule, frames: list[tuple[str, int]]) -> bool:
        """Act on a matching rule; False when the walk ended (a leaf was recorded)."""
        target = rule.target
        if rule.unsupported and any(u.startswith(("-j ", "-g ")) for u in rule.unsupported):
            self._leaf(ANY, rule)
            return False
        if target is None or target in CONTINUE_TARGETS:
            return True
        if target in TERMINAL_TARGETS:
            self._leaf(target, rule)
            return False
        if target == "RETURN":
            frames.pop()
            if not frames:  # RETURN in a built-in chain: its policy applies
                self._leaf(self.ruleset.chains[rule.chain].policy or "ACCEPT", None)
                return False
            return True
        if len(frames) >= MAX_DEPTH:
            self._leaf(ANY, rule)
            return False
        if rule.goto:
            # -g: coming back skips this chain. From a built-in chain, coming back means its policy.
            name, _ = frames.pop()
            if not frames:
                frames.append((name, len(self.ruleset.chains[name].rules)))
        frames.append((target, 0))
        return True

    def _leaf(self, action: str, rule: IptablesRule | None) -> None:
        self.leaves.append(_Leaf(action, rule, tuple(self.assumed)))
        if len(self.leaves) >= MAX_LEAVES:
            self.gave_up = True

    def _match(self, rule: IptablesRule) -> tuple[str, str]:
        """("yes" | "no" | "unknown", why unknown); every definite test is tried first."""
        unknown: list[str] = []
        for condition in rule.conditions:
            result = _test(condition, self.flow)
            if condition.kind == "state":
                self.saw_state = True
            if result is False:
                return "no", ""
            if isinstance(result, str):
                unknown.append(result)
        matches = [u for u in rule.unsupported if not u.startswith(("-j ", "-g "))]
        if matches:
            unknown.append(f"uses {', '.join(matches)}, which this checker does not evaluate")
        return ("unknown", "; ".join(unknown)) if unknown else ("yes", "")


def evaluate_iptables(ruleset: IptablesRuleset, flow: Flow) -> IptablesDecision:
    """Decide ``flow`` against the filter rules. Never raises for a parsed ruleset."""
    chain = "INPUT" if flow.direction == "ingress" else "OUTPUT"
    tool = ruleset.tool
    if ruleset.family is not None and ruleset.family != flow.remote.version:
        saver = "ip6tables-save" if flow.remote.version == 6 else "iptables-save"
        return IptablesDecision(
            "UNKNOWN",
            chain,
            None,
            None,
            f"The {tool} rules given are for IPv{ruleset.family}; IPv{flow.remote.version} traffic is filtered "
            f"by another table. Give the output of {saver} to check it.",
        )
    walk = _Walk(ruleset, flow)
    walk.run([(chain, 0)])
    base = walk.leaves[0]
    actions = {leaf.action for leaf in walk.leaves}
    state_note = f" {readings.NEW_CONNECTION}." if walk.saw_state else ""
    if walk.gave_up:
        text = (
            f"Cannot tell: too many {tool} rules cannot be evaluated for {flow} to try every combination "
            f"of them ({MAX_LEAVES} tried)."
        )
        return IptablesDecision("UNKNOWN", chain, None, base.assumed[0][0] if base.assumed else None, text)
    if len(actions) == 1 and ANY not in actions:
        final: IptablesAction = "ACCEPT" if base.action == "ACCEPT" else "REJECT" if base.action == "REJECT" else "DROP"
        # Which rule decides is only said when it is the same whatever the unsettled rules do.
        certain = len({id(leaf.rule) for leaf in walk.leaves}) == 1
        text = _decided_text(tool, chain, final, base.rule, flow) + state_note
        text += _unchecked_text(tool, base, final, certain)
        return IptablesDecision(final, chain, base.rule if certain else None, None, text, final == "ACCEPT")
    return _undecided(tool, chain, walk.leaves, base, flow, state_note)


def _undecided(tool: str, chain: str, leaves: list[_Leaf], base: _Leaf, flow: Flow, note: str) -> IptablesDecision:
    if base.action == ANY:
        assert base.rule is not None
        text = (
            f"Cannot tell: {base.rule.label(tool)} (chain {base.rule.chain}) matches {flow}, but it uses "
            f"{', '.join(base.rule.unsupported)}, which this checker does not evaluate."
        )
        return IptablesDecision("UNKNOWN", chain, None, base.rule, text + note)
    order = {id(rule): i for i, (rule, _, _) in enumerate(base.assumed)}

    def first_flip(leaf: _Leaf) -> int:
        flips = [order.get(id(rule), len(order)) for rule, matched, _ in leaf.assumed if matched]
        return min(flips, default=len(order))

    others = [leaf for leaf in leaves if leaf.action != base.action]
    culprit_leaf = min(others, key=first_flip)
    flipped = next((a for a in culprit_leaf.assumed if a[1]), culprit_leaf.assumed[0])
    rule, _, why = flipped
    actions = {leaf.action for leaf in leaves}
    blocks = actions <= {"DROP", "REJECT"}
    if culprit_leaf.action == ANY:
        outcome = "its effect cannot be told"
    else:
        outcome = f"the verdict becomes {culprit_leaf.action}"
    otherwise = (
        f"{base.rule.label(tool)} {base.action}s it"
        if base.rule is not None
        else f"the {chain} chain policy {base.action} applies"
    )
    text = f"Cannot tell: in {rule.chain}, {rule.label(tool)} {why}; if it matches, {outcome}. Otherwise {otherwise}."
    if blocks:
        text += " Either way the traffic is blocked (DROP or REJECT)."
    return IptablesDecision("UNKNOWN", chain, None, rule, text + note, False if blocks else None)


def _decided_text(tool: str, chain: str, action: str, rule: IptablesRule | None, flow: Flow) -> str:
    if rule is None:
        return f"No {tool} rule in {chain} decides {flow}; the {chain} chain policy {action} applies."
    return f"{rule.label(tool)} (chain {rule.chain}) matches {flow} and {action}s it."


def _unchecked_text(tool: str, base: _Leaf, action: str, certain: bool) -> str:
    if not base.assumed:
        return ""
    labels = "; ".join(f"{rule.label(tool)} ({why})" for rule, _, why in base.assumed)
    which = "" if certain else " (which rule gives it is not certain)"
    return f" Rules that could not be checked ({labels}) would not change that: {action} either way{which}."


def _test(condition: Condition, flow: Flow) -> bool | str:
    """True/False, or why it cannot be told."""
    kind, value = condition.kind, condition.value
    if kind in ("dport", "sport", "ports") and flow.port is None:
        return False  # a port test only ever matches packets with ports (iptables wants -p tcp/udp with it)
    result: bool
    if kind == "protocol":
        result = value == "all" or flow.protocol == value
    elif kind in ("source", "destination"):
        remote_side = "source" if flow.direction == "ingress" else "destination"
        address = flow.remote if kind == remote_side else flow.local
        if address is None:
            option = "-d" if kind == "destination" else "-s"
            return f"tests the instance's own address ({option}), and flow.local was not given"
        assert isinstance(value, tuple)
        result = any(address.version == block.version and address in block for block in value)
    elif kind == "dport":
        assert isinstance(value, PortSet) and flow.port is not None
        result = flow.port in value
    elif kind == "ports":
        assert isinstance(value, PortSet) and flow.port is not None
        if flow.port in value:
            result = True
        else:
            return "tests the source or destination port (--ports), and a flow does not fix the source port"
    elif kind == "sport":
        return "tests the source port (--sport), which a flow does not fix"
    elif kind == "state":
        assert isinstance(value, frozenset)
        if "NEW" not in value and value & {"SNAT", "DNAT"}:
            return "tests --ctstate SNAT/DNAT, which a flow does not tell"
        result = "NEW" in value
    elif kind == "syn":
        result = flow.protocol == "tcp"
    else:
        if value != "lo":
            return f"tests the network interface {value!r}, which a flow does not tell"
        result = flow.remote.is_loopback
    return result != condition.negated
