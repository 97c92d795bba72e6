"""One verdict from several host-firewall tables, which a packet passes in series.

:attr:`HostFirewallEvidence.tables` may hold tables for one IP version only (ip6tables
output, the IPv4 and IPv6 halves of an nft ``inet`` table, ufw's ``(v6)`` rules): a
table whose ``family`` differs from the flow's does not see it and is left out. Of the
others, the first that surely blocks decides; else the first that cannot tell; else
the traffic passes (the first table whose rule accepted it says why, else the first).
"""

from __future__ import annotations

from evidence.models import HostFirewallEvidence
from rules import Flow, IptablesDecision, IptablesRuleset, evaluate_iptables


def tables_for(evidence: HostFirewallEvidence, flow: Flow) -> tuple[IptablesRuleset, ...]:
    """The tables that see ``flow`` (same IP version, or not tied to one)."""
    return tuple(t for t in evidence.tables if t.family in (None, flow.remote.version))


def decide_host(evidence: HostFirewallEvidence, flow: Flow) -> IptablesDecision | None:
    """The verdict of every table that sees ``flow``, in series; None when no table sees it."""
    decisions = [evaluate_iptables(table, flow) for table in tables_for(evidence, flow)]
    if not decisions:
        return None
    blocked = [d for d in decisions if d.action in ("DROP", "REJECT")]
    unknown = [d for d in decisions if d.action == "UNKNOWN"]
    by_rule = [d for d in decisions if d.decided_by is not None]
    return (blocked or unknown or by_rule or decisions)[0]
