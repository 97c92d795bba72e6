"""firewall-cmd --list-all: real output of firewalld 1.3.3 (its own code, firewall-offline-cmd, run on a copy
of /etc/firewalld in a namespace), read in firewalld's order through the one evaluator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from evidence import HostFirewallEvidence, UnreadableEvidenceError, read_evidence
from evidence._host_eval import decide_host
from evidence._host_firewalld_rich import SERVICES_FILE, parse_rich_rule, service_matches
from evidence.firewalld import read_firewalld
from rules import parse_flow

DATA = Path(__file__).parent / "data" / "host"


def sample(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def decide(text: str, **flow: Any) -> Any:
    reading = read_evidence(text)
    assert reading is not None and reading.format == "firewalld" and isinstance(reading.value, HostFirewallEvidence)
    body = {"direction": "ingress", "protocol": "tcp", "port": 22, "remote": "203.0.113.7", **flow}
    return decide_host(reading.value, parse_flow(body))


@pytest.mark.parametrize(
    ("name", "flow", "action", "cited"),
    [
        # The default public zone: ssh is a service (22/tcp from firewalld's own definition).
        ("firewalld_public_pristine.txt", {}, "ACCEPT", "`services: dhcpv6-client ssh`"),
        # Target default: what matches nothing is rejected, citing the target line...
        ("firewalld_public_pristine.txt", {"port": 80}, "REJECT", "line 2 `target: default`"),
        # ...but ICMP is allowed (firewall-cmd(1): "default is similar to REJECT, but it implicitly allows ICMP").
        ("firewalld_public_pristine.txt", {"protocol": "icmp", "port": None}, "ACCEPT", "target: default"),
        # dhcpv6-client opens 546/udp to fe80::/64 only (IPv6, the instance's own address: unknown).
        (
            "firewalld_public_pristine.txt",
            {"protocol": "udp", "port": 546, "remote": "fe80::1"},
            "UNKNOWN",
            "dhcpv6-client",
        ),
        ("firewalld_public_modified.txt", {"port": 80}, "ACCEPT", "http"),
        ("firewalld_public_modified.txt", {"port": 8080}, "ACCEPT", "`ports: 8080/tcp 6000-6010/udp`"),
        ("firewalld_public_modified.txt", {"protocol": "udp", "port": 6005}, "ACCEPT", "6000-6010/udp"),
        # A rich rule accepting 3306 from one address.
        ("firewalld_public_modified.txt", {"port": 3306}, "ACCEPT", 'source address="203.0.113.7"'),
        ("firewalld_public_modified.txt", {"port": 3306, "remote": "203.0.113.8"}, "REJECT", "target: default"),
        # A rich reject beats the http service: deny rules are walked before allow rules, whatever their order.
        ("firewalld_public_modified.txt", {"port": 80, "remote": "198.51.100.9"}, "REJECT", "198.51.100.0/24"),
        # A rich drop for one source and one service.
        ("firewalld_public_modified.txt", {"remote": "192.0.2.1"}, "DROP", 'service name="ssh" drop'),
        # priority=-10 comes before everything, so 25 is rejected even if something allowed it.
        ("firewalld_public_modified.txt", {"port": 25}, "REJECT", 'priority="-10"'),
        # The rich rule's `limit` on logging does not change its accept (ftp = 21/tcp).
        ("firewalld_public_modified.txt", {"port": 21}, "ACCEPT", 'service name="ftp"'),
        # icmp-blocks: echo-request: an ICMP type the flow does not give, so UNKNOWN naming the line.
        ("firewalld_public_modified.txt", {"protocol": "icmp", "port": None}, "UNKNOWN", "icmp-blocks: echo-request"),
        # The drop zone: target DROP.
        ("firewalld_drop.txt", {}, "DROP", "target: DROP"),
        # A zone bound to sources takes only their traffic: %%REJECT%% for them, unknown for others.
        ("firewalld_block_sources.txt", {"remote": "10.9.1.1"}, "REJECT", "%%REJECT%%"),
        ("firewalld_block_sources.txt", {}, "UNKNOWN", "another zone"),
    ],
)
def test_zone_rules_in_firewalld_order(name: str, flow: dict[str, Any], action: str, cited: str) -> None:
    decision = decide(sample(name), **flow)
    assert decision.action == action, decision.explanation
    assert cited in decision.explanation


def test_forwarding_settings_are_skipped_with_their_lines() -> None:
    reading = read_firewalld(sample("firewalld_public_modified.txt"))
    assert [(s.line, s.reason) for s in reading.skipped] == [
        (9, "forward: applies to forwarded traffic, not checked"),
        (10, "masquerade: applies to forwarded traffic, not checked"),
        # Line 11 is `forward-ports:` and its entry is on line 12.
        (12, "port forwarding is not checked"),
    ]
    assert "zone public" in reading.notes[0]


@pytest.mark.parametrize(
    ("rule", "place", "action", "unsupported"),
    [
        ('rule family="ipv4" source address="1.2.3.4" port port="22" protocol="tcp" accept', "allow", "ACCEPT", []),
        ('rule family="ipv4" source address="1.2.3.4" drop', "deny", "DROP", []),
        ('rule priority="5" service name="http" reject', "post", "REJECT", []),
        # An ipset source cannot be evaluated: kept as unsupported, never dropped.
        ('rule family="ipv4" source ipset="blocklist" drop', "deny", "DROP", ["source ipset=blocklist"]),
        # A limit on the action itself: the rule accepts only some packets.
        ('rule service name="ssh" accept limit value="2/m"', "allow", "ACCEPT", ["a rate limit on accept"]),
        # Logging only: no verdict.
        ('rule service name="ssh" log prefix="ssh "', "log", None, []),
    ],
)
def test_rich_rules(rule: str, place: str, action: str | None, unsupported: list[str]) -> None:
    parsed = parse_rich_rule(rule)
    assert (parsed.place, parsed.action, parsed.unsupported) == (place, action, unsupported)


def test_services_come_from_firewalld_s_own_definitions() -> None:
    header = SERVICES_FILE.read_text(encoding="utf-8").splitlines()[:2]
    assert "/usr/lib/firewalld/services/" in header[0] and "Debian package firewalld" in header[1]
    assert yaml.safe_load(SERVICES_FILE.read_text(encoding="utf-8"))["services"]["ssh"] == {"ports": ["22/tcp"]}
    # `includes` are followed (freeipa-4 includes http, https, kerberos…).
    assert any(m.args[-1] == "443" for m in service_matches("freeipa-4") or [])
    assert service_matches("no-such-service") is None


def test_an_unknown_target_is_refused_with_its_line() -> None:
    with pytest.raises(UnreadableEvidenceError) as caught:
        read_firewalld(sample("firewalld_drop.txt").replace("target: DROP", "target: BOUNCE"))
    assert caught.value.problems[0].line == 2
