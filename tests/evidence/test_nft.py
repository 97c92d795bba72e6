"""nft list ruleset: native inet/ip tables and iptables-nft's translations, through the one evaluator.

Samples: nft 1.0.6 and iptables 1.8.9 (nf_tables) in a network namespace (data/host/README.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evidence import HostFirewallEvidence, UnreadableEvidenceError, read_evidence
from evidence._host_eval import decide_host
from evidence.nft import read_nft
from rules import evaluate_iptables, parse_flow

DATA = Path(__file__).parent / "data" / "host"


def sample(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def decide(text: str, **flow: Any) -> Any:
    reading = read_evidence(text)
    assert reading is not None and reading.format == "nft" and isinstance(reading.value, HostFirewallEvidence)
    body = {"direction": "ingress", "protocol": "tcp", "port": 22, "remote": "203.0.113.7", **flow}
    return decide_host(reading.value, parse_flow(body))


@pytest.mark.parametrize(
    ("flow", "action", "cited"),
    [
        ({}, "ACCEPT", "`tcp dport 22 accept`"),
        # An anonymous set of ports.
        ({"port": 443}, "ACCEPT", "`tcp dport { 80, 443 } accept`"),
        # A port range and a source block in one rule.
        ({"port": 8005, "remote": "10.9.9.9"}, "ACCEPT", "8000-8010 ip saddr 10.0.0.0/8"),
        # A named set, read from its `elements` (203.0.113.0/24 is in it).
        ({"port": 3306}, "ACCEPT", "ip saddr @admins"),
        # Not in the set: the `reject with icmpx …` at the end of the chain decides.
        ({"port": 3306, "remote": "192.0.2.44"}, "REJECT", "reject with icmpx"),
        # `log prefix "smtp: " drop`: the log statement does not stop the drop.
        ({"port": 25}, "DROP", "log prefix"),
        ({"port": 23}, "REJECT", "reject with tcp reset"),
        # A vmap: one rule per element; 8081's element drops.
        ({"port": 8081}, "DROP", "tcp dport vmap"),
        # A jump into a regular chain that RETURNs for 192.0.2.1, then the final reject.
        ({"port": 9000, "remote": "192.0.2.1"}, "REJECT", "reject with icmpx"),
        ({"port": 9000}, "ACCEPT", "chain extra"),
        # `limit rate` cannot be evaluated: accept or the final reject, so UNKNOWN naming the line.
        ({"port": 9100}, "UNKNOWN", "limit rate 10/second"),
        # IPv6: the `ip6 saddr` rule exists only in the IPv6 view of the inet table.
        ({"port": 5432, "remote": "2001:db8::5"}, "ACCEPT", "ip6 saddr 2001:db8::/32"),
        ({"port": 5432}, "REJECT", "reject with icmpx"),
        # A set of protocols: one rule per protocol (ICMP in the IPv4 view).
        ({"protocol": "icmp", "port": None}, "ACCEPT", "meta l4proto { icmp, ipv6-icmp }"),
        ({"direction": "egress", "port": 443}, "ACCEPT", "policy ACCEPT"),
    ],
)
def test_native_inet_table(flow: dict[str, Any], action: str, cited: str) -> None:
    decision = decide(sample("nft_native.txt"), **flow)
    assert decision.action == action, decision.explanation
    assert cited in decision.explanation


@pytest.mark.parametrize(
    ("flow", "action", "cited"),
    [
        # iptables-nft's `ct state related,established counter packets 0 bytes 0 accept` is a state match.
        ({}, "ACCEPT", "tcp dport 22 counter packets 0 bytes 0 accept"),
        ({"port": 443}, "ACCEPT", "meta l4proto tcp tcp dport { 80, 443 }"),
        ({"port": 3306}, "DROP", "(chain MYCHAIN)"),
        ({"port": 8005}, "REJECT", "meta l4proto tcp counter packets 0 bytes 0 reject"),
        # `icmp type echo-request` cannot be evaluated: accept or the policy DROP.
        ({"protocol": "icmp", "port": None}, "UNKNOWN", "icmp type echo-request"),
    ],
)
def test_iptables_nft_translation(flow: dict[str, Any], action: str, cited: str) -> None:
    decision = decide(sample("nft_from_iptables.txt"), **flow)
    assert decision.action == action, decision.explanation
    assert cited in decision.explanation


def test_every_table_that_sees_the_packet_decides_in_series() -> None:
    reading = read_nft(sample("nft_native.txt"))
    flow = parse_flow({"direction": "ingress", "protocol": "tcp", "port": 4444, "remote": "203.0.113.7"})
    inet4, _, raw = reading.value.tables
    # The `ip raw` table hooks prerouting and drops 4444 before the inet table's final reject.
    assert evaluate_iptables(raw, flow).action == "DROP"
    assert "`tcp dport 4444 drop`" in evaluate_iptables(raw, flow).explanation
    assert evaluate_iptables(inet4, flow).action == "REJECT"
    # In series, the first table that blocks is cited.
    assert decide_host(reading.value, flow).decided_by.text == "reject with icmpx admin-prohibited"


def test_iptables_nft_rules_it_could_not_translate_are_named() -> None:
    reading = read_nft(sample("exotic_nft.txt"))
    assert any("xt match" in note for note in reading.notes)
    rules = [r for t in reading.value.tables for c in t.chains.values() for r in c.rules]
    assert any("xt match recent" in u for r in rules for u in r.unsupported)


def test_tables_and_chains_are_read_as_what_they_hook() -> None:
    reading = read_nft(sample("nft_native.txt"))
    # inet filter: an IPv4 and an IPv6 ruleset; ip raw: IPv4 only.
    assert [t.family for t in reading.value.tables] == [4, 6, 4]
    assert all(t.tool == "nft" for t in reading.value.tables)
    assert any("chain input (line 8, hook input, policy drop) is read as INPUT" in n for n in reading.notes)
    # The nat chain does not filter: listed as skipped with its line.
    assert [(s.line, s.reason) for s in reading.skipped] == [(50, "a nat chain on hook prerouting: it does not filter")]


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        # The paste stops inside a table: rules after the cut are unknown.
        (
            "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n",
            1,
            "not closed",
        ),
        # A quote left open.
        (
            "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n"
            '\t\tiifname "lo accept\n\t}\n}\n',
            4,
            "quotes",
        ),
    ],
)
def test_refusals_name_the_line(text: str, line: int, problem: str) -> None:
    with pytest.raises(UnreadableEvidenceError) as caught:
        read_nft(text)
    assert caught.value.problems[0].line == line
    assert problem in caught.value.problems[0].problem
