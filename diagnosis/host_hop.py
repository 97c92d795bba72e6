"""The host hop: the instance's own firewall (iptables, nft, firewalld, ufw), as pasted,
evaluated for the case's flows.

Pastes are evaluated with :func:`rules.evaluate_iptables`, table by table (the tables a
packet passes in series: all must accept; a table for the other IP version is skipped).
The finding names the deciding rule as the user pasted it (chain, position, line) and
plans the command of that firewall that lets the flow through above it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from diagnosis.case import Case, StoredEvidence
from diagnosis.findings import DecidedSource, Finding, HostFixPlan
from diagnosis.probes import IPAddress, Leg, Probes
from evidence import HostFirewallEvidence, Reading
from rules import IptablesDecision, IptablesRule, IptablesRuleset, evaluate_iptables

_TABLE = re.compile(r"^\s*table\s+(\w+)\s+(\S+)\s*\{")
_CHAIN = re.compile(r"^\s*chain\s+(\S+)\s*\{")
_HOOK = re.compile(r"\bhook\s+(input|output)\b")
_SOURCES: dict[str, DecidedSource] = {
    "iptables": "iptables",
    "ip6tables": "ip6tables",
    "nft": "nft",
    "ufw": "ufw",
    "firewalld": "firewalld",
    "netsh": "netsh",
}


@dataclass(frozen=True)
class HostPaste:
    """A stored host paste and its reading.

    Attributes:
        stored: The case's evidence item (its text and line offset).
        reading: What the reader made of it.
        delta: Added to a line of ``reading`` gives the line in ``stored.text``.
    """

    stored: StoredEvidence
    reading: Reading
    delta: int = 0

    def message_line(self, line: int) -> int:
        """A reading's line number as a line of the message the user pasted."""
        return line + self.delta + self.stored.line_offset

    def text_line(self, line: int) -> str:
        """The stored line a reading's line number points at."""
        lines = self.stored.text.splitlines()
        at = line + self.delta - 1
        return lines[at].strip() if 0 <= at < len(lines) else ""


@dataclass(frozen=True)
class _Verdict:
    action: Literal["ACCEPT", "DROP", "UNKNOWN"]
    paste: HostPaste | None = None
    table: IptablesRuleset | None = None
    decision: IptablesDecision | None = None
    reason: str = ""


def firewall_finding(pastes: Sequence[HostPaste], legs: Sequence[Leg], probes: Probes, case: Case) -> Finding:
    """The instance firewall's verdict on the case's legs (``pastes`` and ``legs`` not empty)."""
    results: list[tuple[Leg, _Verdict, bool]] = []
    for leg in legs:
        verdicts = [_series(pastes, leg, remote, case) for remote in probes.all]
        actions = {v.action for v in verdicts}
        mixed = len(actions) > 1 and "UNKNOWN" not in actions
        results.append((leg, verdicts[0], mixed))
    failed = [(leg, v) for leg, v, mixed in results if v.action == "DROP" and not mixed]
    passed = [(leg, v) for leg, v, mixed in results if v.action == "ACCEPT" and not mixed]
    chosen: tuple[Leg, _Verdict] | None = None
    if case.target.alternatives:
        if passed:
            return Finding("host_firewall", "passed", reason=passed[0][1].reason)
        if len(failed) == len(results):
            chosen = failed[0]
    elif failed:
        chosen = failed[0]
    elif len(passed) == len(results):
        return Finding("host_firewall", "passed", reason=passed[0][1].reason)
    if chosen is None:
        leg, verdict, mixed = next((r for r in results if r[1].action != "ACCEPT" or r[2]), results[0])
        reason = verdict.reason
        if mixed:
            reason = f"{leg.label()}: the instance's firewall accepts it from some addresses only. {reason}"
        return Finding("host_firewall", "unknown", reason=reason, source_dependent=mixed)
    return _blocked(*chosen, probes, case)


def _series(pastes: Sequence[HostPaste], leg: Leg, remote: IPAddress, case: Case) -> _Verdict:
    flow = leg.flow(case.direction, remote)
    undecided: _Verdict | None = None
    reasons: list[str] = []
    for paste in pastes:
        value = paste.reading.value
        assert isinstance(value, HostFirewallEvidence)
        tables = [t for t in value.tables if t.family in (None, flow.remote.version)]
        if not tables:
            undecided = undecided or _Verdict(
                "UNKNOWN",
                reason=f"The pasted {paste.reading.format} rules are for another IP version than {flow.remote}.",
            )
            continue
        for table in tables:
            decision = evaluate_iptables(table, flow)
            if decision.passes is False:
                return _Verdict("DROP", paste, table, decision, decision.explanation)
            if decision.passes is None:
                undecided = undecided or _Verdict("UNKNOWN", paste, table, decision, decision.explanation)
            else:
                reasons.append(decision.explanation)
    return undecided or _Verdict("ACCEPT", reason=" ".join(reasons))


def _position(table: IptablesRuleset, rule: IptablesRule) -> tuple[str, int] | None:
    for name, chain in table.chains.items():
        for i, candidate in enumerate(chain.rules):
            if candidate is rule:
                return name, i + 1
    return None


def _blocked(leg: Leg, verdict: _Verdict, probes: Probes, case: Case) -> Finding:
    paste, table, decision = verdict.paste, verdict.table, verdict.decision
    assert paste is not None and table is not None and decision is not None
    tool = table.tool if table.tool in _SOURCES else "iptables"
    if tool == "iptables" and table.family == 6:
        tool = "ip6tables"
    rule = decision.decided_by
    fields = {
        "target": leg.label(),
        "proto": leg.protocol.upper(),
        "port": str(leg.port) if leg.port is not None else "",
        "address": str(probes.preferred),
        "tool": tool,
        "action": decision.action,
    }
    if rule is not None:
        where = _position(table, rule)
        position = where[1] if where else 1
        fields |= {
            "chain": rule.chain,
            "position": str(position),
            "line": str(paste.message_line(rule.line)),
            "rule_text": rule.text,
        }
        label = ("host_rule", dict(fields))
        decided = ("decided_host_rule", dict(fields))
        text = rule.text
    else:
        position = None
        fields["chain"] = decision.chain
        label = ("host_policy", dict(fields))
        decided = ("decided_host_policy", dict(fields))
        text = f"{decision.chain} policy {decision.action}"
    return Finding(
        "host_firewall",
        "failed",
        cause="os_firewall_drop",
        source=_SOURCES[tool],
        label=label,
        text=text,
        reason=decision.explanation,
        flow=leg.flow(case.direction, probes.preferred),
        fields=fields,
        decided=decided,
        plan=_plan(tool, paste, rule, decision, position, leg, probes, case),
    )


def _plan(
    tool: str,
    paste: HostPaste,
    rule: IptablesRule | None,
    decision: IptablesDecision,
    position: int | None,
    leg: Leg,
    probes: Probes,
    case: Case,
) -> HostFixPlan:
    legs = ((leg.protocol, leg.port),)
    remote = str(probes.preferred) if probes.known else None
    if tool == "firewalld":
        zone = rule.chain if rule is not None and rule.chain not in ("INPUT", "OUTPUT", "FORWARD") else "public"
        text = rule.text if rule is not None else ""
        kind = (
            "rich_rule"
            if text.startswith("rule ")
            else "icmp_block"
            if text.startswith("icmp-blocks")
            else "zone_target"
        )
        return HostFixPlan(tool, case.direction, zone, None, legs, kind, rule_text=text, remote=remote)
    if tool == "nft":
        line = rule.line + paste.delta if rule is not None else None
        table = _nft_table(paste.stored.text, line)
        chain = rule.chain if rule is not None else _nft_base_chain(paste.stored.text, case.direction) or decision.chain
        return HostFixPlan(
            tool, case.direction, chain, position, legs, "rule" if rule else "policy", table, remote=remote
        )
    if tool == "ufw":
        explicit = rule is not None and rule.text.lstrip()[:1] not in ("(", "D")
        return HostFixPlan(
            tool, case.direction, decision.chain, position, legs, "rule" if explicit else "policy", remote=remote
        )
    chain = rule.chain if rule is not None else decision.chain
    return HostFixPlan(tool, case.direction, chain, position, legs, "rule" if rule else "policy", remote=remote)


def _nft_table(text: str, line: int | None) -> tuple[str, str] | None:
    lines = text.splitlines()
    stop = min(line, len(lines)) if line is not None else len(lines)
    found: tuple[str, str] | None = None
    for current in lines[:stop]:
        m = _TABLE.match(current)
        if m:
            found = (m.group(1), m.group(2))
    return found


def _nft_base_chain(text: str, direction: str) -> str | None:
    hook = "input" if direction == "ingress" else "output"
    chain: str | None = None
    for current in text.splitlines():
        m = _CHAIN.match(current)
        if m:
            chain = m.group(1)
            continue
        hooked = _HOOK.search(current)
        if hooked and hooked.group(1) == hook and chain is not None:
            return chain
    return None
