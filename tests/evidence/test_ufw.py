"""ufw status [verbose|numbered]: real output of ufw 0.36.2, run in a namespace on copies of its files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evidence import HostFirewallEvidence, UnreadableEvidenceError, read_evidence
from evidence._host_eval import decide_host
from evidence.ufw import read_ufw
from rules import parse_flow

DATA = Path(__file__).parent / "data" / "host"


def sample(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def decide(text: str, **flow: Any) -> Any:
    reading = read_evidence(text)
    assert reading is not None and reading.format == "ufw" and isinstance(reading.value, HostFirewallEvidence)
    body = {"direction": "ingress", "protocol": "tcp", "port": 22, "remote": "203.0.113.7", **flow}
    return decide_host(reading.value, parse_flow(body))


@pytest.mark.parametrize("name", ["ufw_status_verbose.txt", "ufw_status.txt", "ufw_status_numbered.txt"])
@pytest.mark.parametrize(
    ("flow", "action", "cited"),
    [
        ({}, "ACCEPT", "22/tcp"),
        ({"port": 443}, "ACCEPT", "80,443/tcp"),
        # Allowed from 10.0.0.0/8 only.
        ({"port": 3306, "remote": "10.2.3.4"}, "ACCEPT", "10.0.0.0/8"),
        # `23` without a protocol is TCP and UDP.
        ({"port": 23, "protocol": "udp"}, "DROP", "DENY"),
        ({"port": 25}, "REJECT", "REJECT"),
        # LIMIT is read as ALLOW (the notes say so).
        ({"port": 2222}, "ACCEPT", "LIMIT"),
        # A port range.
        ({"port": 6005}, "ACCEPT", "6000:6007/tcp"),
        # The (v6) rows are IPv6's.
        ({"remote": "2001:db8::9"}, "ACCEPT", "22/tcp (v6)"),
    ],
)
def test_rules_in_order(name: str, flow: dict[str, Any], action: str, cited: str) -> None:
    decision = decide(sample(name), **flow)
    assert decision.action == action, decision.explanation
    assert cited in decision.explanation


@pytest.mark.parametrize(
    ("name", "flow", "action", "cited"),
    [
        # With verbose, the default decides and the `Default:` line is cited.
        ("ufw_status_verbose.txt", {"port": 3306}, "DROP", "line 3 `Default: deny (incoming)"),
        ("ufw_status_verbose.txt", {"direction": "egress", "port": 443}, "ACCEPT", "allow (outgoing)"),
        # An application row: verbose shows its ports (`80,443/tcp (WebApp)`).
        ("ufw_status_verbose.txt", {"port": 80}, "ACCEPT", "80,443/tcp"),
        # Without verbose the default is not shown: a verdict that depends on it is UNKNOWN.
        ("ufw_status.txt", {"port": 3306}, "UNKNOWN", "shows only with verbose"),
        ("ufw_status_numbered.txt", {"direction": "egress", "port": 443}, "UNKNOWN", "default outgoing policy"),
        # ufw's before.rules (not in `ufw status`) accept ping by default: said, not assumed.
        ("ufw_status_verbose.txt", {"protocol": "icmp", "port": None}, "UNKNOWN", "before.rules"),
        # `on eth0`: the interface of a flow is not known.
        ("ufw_status_verbose.txt", {"port": 8080}, "UNKNOWN", "8080/tcp on eth0"),
        # Inactive: ufw filters nothing.
        ("ufw_status_inactive.txt", {"port": 3306}, "ACCEPT", "policy ACCEPT"),
    ],
)
def test_defaults_and_what_ufw_status_does_not_show(name: str, flow: dict[str, Any], action: str, cited: str) -> None:
    decision = decide(sample(name), **flow)
    assert decision.action == action, decision.explanation
    assert cited in decision.explanation


def test_notes_say_what_was_assumed() -> None:
    plain = read_ufw(sample("ufw_status.txt")).notes
    assert any("paste `ufw status verbose`" in note for note in plain)
    assert any("LIMIT rules (line 10, 19)" in note for note in plain)
    assert not any("verbose" in note for note in read_ufw(sample("ufw_status_verbose.txt")).notes)
    assert "inactive" in read_ufw(sample("ufw_status_inactive.txt")).notes[0]


def test_an_application_profile_without_ports_is_unknown_when_it_matters() -> None:
    # Plain `ufw status` names the profile only (`WebApp  ALLOW  Anywhere`).
    decision = decide(sample("ufw_status.txt"), port=8443)
    assert decision.action == "UNKNOWN"
    assert "WebApp" in decision.explanation or "default incoming policy" in decision.explanation


def test_prompt_and_sentence_lines_are_skipped_with_their_numbers() -> None:
    text = "ubuntu@vm:~$ sudo ufw status verbose\n" + sample("ufw_status_verbose.txt") + "\nwhy is 3306 closed?\n"
    reading = read_ufw(text)
    assert [(s.line, s.reason) for s in reading.skipped][-1][1] == "not part of the ufw status output"
    assert reading.skipped[0] == reading.skipped[0].__class__(
        1, "ubuntu@vm:~$ sudo ufw status verbose", "a shell prompt line, not ufw status output"
    )


def test_a_row_with_a_bad_port_is_refused_with_its_line() -> None:
    text = sample("ufw_status_verbose.txt").replace(
        "25/tcp                     REJECT", "99999/tcp                  REJECT"
    )
    with pytest.raises(UnreadableEvidenceError) as caught:
        read_ufw(text)
    assert caught.value.problems[0].line == 12
