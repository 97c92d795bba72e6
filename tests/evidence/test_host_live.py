"""The host readers on output made right now by the real tools, in a network namespace of the test's own.

Needs root and Debian's iptables, nftables, iproute2 and net-tools (ufw and firewalld for
their part); skipped with the reason otherwise. Nothing touches the machine's firewall:
see tests/evidence/netns.py.
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from evidence import HostFirewallEvidence, ListenersEvidence, read_evidence
from evidence._host_eval import decide_host
from evidence.sockets import port_listening
from rules import parse_flow
from tests.evidence import netns

MISSING = netns.missing_tools()
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"live capture needs {', '.join(MISSING)}")


@pytest.fixture(scope="module")
def live() -> dict[str, str]:
    return {**netns.capture_iptables(), **netns.capture_sockets()}


def decide(text: str, **flow: Any) -> Any:
    reading = read_evidence(text)
    assert reading is not None and isinstance(reading.value, HostFirewallEvidence)
    body = {"direction": "ingress", "protocol": "tcp", "port": 22, "remote": "203.0.113.7", **flow}
    return decide_host(reading.value, parse_flow(body))


@pytest.mark.parametrize(
    "name",
    [
        "iptables_save.txt",
        "iptables_S.txt",
        "iptables_L_nv.txt",
        "iptables_L_nv_lines.txt",
        "nft_from_iptables.txt",
    ],
)
@pytest.mark.parametrize(
    ("flow", "action"),
    [
        # :INPUT DROP + RELATED,ESTABLISHED ACCEPT + --dport 22 ACCEPT: a new connection to 22 is accepted...
        ({}, "ACCEPT"),
        # ...3306 is dropped in the user chain, other TCP rejected by the last rule, GRE falls to the policy.
        ({"port": 3306}, "DROP"),
        ({"port": 8005}, "REJECT"),
        ({"protocol": "gre", "port": None}, "DROP"),
    ],
)
def test_live_iptables_verdicts(live: dict[str, str], name: str, flow: dict[str, Any], action: str) -> None:
    assert decide(live[name], **flow).action == action


def test_live_listing_without_v_hides_the_loopback_rule(live: dict[str, str]) -> None:
    # iptables -L -n prints `-i lo -j ACCEPT` as accept-everything: UNKNOWN for 80, naming that line.
    decision = decide(live["centos_L_n.txt"], port=80)
    assert decision.action == "UNKNOWN"
    assert decision.undecided_by.line == 5
    assert decide(live["centos_L_nv.txt"], port=80).action == "REJECT"
    # Without -n too (names: anywhere, dpt:ssh): 22 is accepted before the hidden rule matters.
    assert decide(live["iptables_L.txt"]).action == "ACCEPT"
    assert decide(live["iptables_L.txt"], port=3306).action == "UNKNOWN"


def test_live_protocol_column_and_ip6tables(live: dict[str, str]) -> None:
    # iptables 1.8.9 prints the protocol as a number with -v; whatever this machine's version prints is read.
    assert decide(live["iptables_L_nv.txt"], port=443).action == "ACCEPT"
    assert decide(live["ip6tables_save.txt"], remote="2001:db8::7").action == "ACCEPT"
    assert decide(live["ip6tables_L_nv.txt"], remote="2001:db9::7").action == "DROP"


def test_live_native_nft(live: dict[str, str]) -> None:
    assert decide(live["nft_native.txt"]).action == "ACCEPT"
    assert decide(live["nft_native.txt"], port=3306, remote="198.51.100.7").action == "ACCEPT"
    assert decide(live["nft_native.txt"], port=3306, remote="192.0.2.44").action == "REJECT"
    assert decide(live["nft_native.txt"], port=5432, remote="2001:db8::5").action == "ACCEPT"


@pytest.mark.parametrize("name", ["ss_lntup.txt", "ss_tulpn.txt", "netstat_lntup.txt"])
def test_live_listeners(live: dict[str, str], name: str) -> None:
    reading = read_evidence(live[name])
    assert reading is not None and isinstance(reading.value, ListenersEvidence)
    found = {
        (port, protocol): port_listening(reading.value, port, protocol).status  # type: ignore[arg-type]
        for port, protocol in ((8000, "tcp"), (6379, "tcp"), (5432, "tcp"), (9000, "tcp"), (5353, "udp"), (22, "tcp"))
    }
    assert found == {
        (8000, "tcp"): "all_addresses",
        (6379, "tcp"): "loopback_only",
        (5432, "tcp"): "loopback_only",
        (9000, "tcp"): "specific_address",
        (5353, "udp"): "all_addresses",
        (22, "tcp"): "not_listening",
    }


@pytest.mark.skipif(shutil.which("ufw") is None, reason="ufw is not installed (Debian package ufw)")
def test_live_ufw() -> None:
    out = netns.capture_ufw()
    assert decide(out["ufw_status_verbose.txt"]).action == "ACCEPT"
    assert decide(out["ufw_status_verbose.txt"], port=3306).action == "DROP"
    assert decide(out["ufw_status.txt"], port=3306).action == "UNKNOWN"
    assert decide(out["ufw_status_inactive.txt"], port=3306).action == "ACCEPT"


@pytest.mark.skipif(shutil.which("firewall-offline-cmd") is None, reason="firewalld is not installed")
def test_live_firewalld() -> None:
    out = netns.capture_firewalld()
    assert decide(out["firewalld_public_pristine.txt"]).action == "ACCEPT"
    assert decide(out["firewalld_public_pristine.txt"], port=80).action == "REJECT"
    assert decide(out["firewalld_public_modified.txt"], port=80, remote="198.51.100.9").action == "REJECT"
