"""iptables-save, iptables -S and iptables -L readers, on real output, through the one evaluator.

Samples (tests/evidence/data/host/README.md): made by iptables 1.8.9 in a network
namespace (tests/evidence/netns.py), and older listings from documentation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evidence import HostFirewallEvidence, UnreadableEvidenceError, read_evidence
from evidence._host_eval import decide_host
from evidence.iptables_text import read_list, read_rules, read_save
from rules import parse_flow

DATA = Path(__file__).parent / "data" / "host"
PROMPT = "[root@vm-0-3-centos ~]# iptables -L -n"


def sample(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def decide(text: str, **flow: Any) -> Any:
    reading = read_evidence(text)
    assert reading is not None and isinstance(reading.value, HostFirewallEvidence)
    body = {"direction": "ingress", "protocol": "tcp", "port": 22, "remote": "203.0.113.7", **flow}
    return decide_host(reading.value, parse_flow(body))


BASIC = (
    "iptables_save.txt",
    "iptables_S.txt",
    "iptables_L_nv.txt",
    "iptables_L_nv_lines.txt",
    "iptables_legacy_L_nv.txt",
)


@pytest.mark.parametrize("name", BASIC)
@pytest.mark.parametrize(
    ("flow", "action", "cited"),
    [
        # `-m state RELATED,ESTABLISHED` does not match a new connection; --dport 22 decides.
        ({}, "ACCEPT", ("--dport 22 -j ACCEPT", "tcp dpt:22")),
        # multiport with a comment.
        ({"port": 443}, "ACCEPT", ("--dports 80,443", "multiport dports 80,443")),
        # The jump into MYCHAIN, whose DROP decides (the rule cited is in the user chain).
        ({"port": 3306}, "DROP", ("(chain MYCHAIN)",)),
        # The source block 10.0.0.0/8 and the port range 8000:8010.
        ({"port": 8005, "remote": "10.1.2.3"}, "ACCEPT", ("--dport 8000:8010", "dpts:8000:8010")),
        # Outside the block, the last rule rejects TCP.
        ({"port": 8005}, "REJECT", ("tcp-reset",)),
        # `udp spt:53` tests the source port, which a flow does not fix: the checker says it cannot tell.
        ({"protocol": "udp", "port": 53}, "UNKNOWN", ("--sport 53", "spt:53")),
        # Nothing matches GRE: the INPUT policy DROP decides (UDP would meet `spt:53`, which cannot be told).
        ({"protocol": "gre", "port": None}, "DROP", ("policy DROP",)),
        ({"direction": "egress", "port": 443}, "ACCEPT", ("policy ACCEPT",)),
    ],
)
def test_the_same_rules_read_from_every_format_give_the_same_verdicts(
    name: str, flow: dict[str, Any], action: str, cited: tuple[str, ...]
) -> None:
    decision = decide(sample(name), **flow)
    assert decision.action == action
    assert any(c in decision.explanation for c in cited), decision.explanation


@pytest.mark.parametrize(
    ("name", "line", "text"),
    [
        # Line 1 is iptables-save's own header comment.
        ("iptables_save.txt", 10, "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT"),
        ("iptables_S.txt", 8, "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT"),
        # -L rows are cited as printed, counters and all.
        ("iptables_L_nv_lines.txt", 6, "4        0     0 ACCEPT     6    --  *      *       0.0.0.0/0"),
    ],
)
def test_the_deciding_rule_cites_the_users_own_line(name: str, line: int, text: str) -> None:
    decision = decide(sample(name))
    assert decision.decided_by.line == line
    assert decision.decided_by.text.startswith(text)
    assert f"line {line} `" in decision.explanation


@pytest.mark.parametrize(
    ("name", "flow", "action", "cited"),
    [
        # CentOS 7's shipped rules, listed with -v: `-i lo` is visible, so the last REJECT decides port 80.
        ("centos_L_nv.txt", {"port": 80}, "REJECT", "icmp-host-prohibited"),
        ("centos_L_nv.txt", {}, "ACCEPT", "state NEW tcp dpt:22"),
        # Without -v the `-i lo` rule prints as ACCEPT-everything: it cannot be told from one, so UNKNOWN,
        # naming that line, and saying what it would be otherwise.
        ("centos_L_n.txt", {"port": 80}, "UNKNOWN", "line 5"),
        ("centos_L_n.txt", {"port": 80}, "UNKNOWN", "REJECT"),
        # ICMP is accepted before the hidden rule.
        ("centos_L_n.txt", {"protocol": "icmp", "port": None}, "ACCEPT", "line 4"),
        # The same, from documentation (iptables 1.4, names, no -n): `anywhere`, `tcp dpt:ssh`.
        ("doc_rancher_iptables_list.txt", {}, "ACCEPT", "dpt:ssh"),
        ("doc_rancher_iptables_list.txt", {"port": 80}, "UNKNOWN", "-i lo"),
        # Older -L -n -v (protocol as all/tcp), with the destination address fixed to 192.168.0.231.
        ("doc_sky_joker_iptables_nLv.txt", {"remote": "192.168.0.9", "local": "192.168.0.231"}, "ACCEPT", "SSH Rule"),
        ("doc_sky_joker_iptables_nLv.txt", {"remote": "203.0.113.7"}, "DROP", "policy DROP"),
        # ip6tables: family 6, and an IPv4 flow is not its business (no table sees it).
        ("ip6tables_save.txt", {"remote": "2001:db8::7"}, "ACCEPT", "2001:db8::/32"),
        ("ip6tables_L_nv.txt", {"remote": "2001:db9::7"}, "DROP", "policy DROP"),
        ("ip6tables_L_nv.txt", {"remote": "2001:db9::7", "port": 443}, "ACCEPT", "dpt:443"),
    ],
)
def test_older_and_hidden_shapes(name: str, flow: dict[str, Any], action: str, cited: str) -> None:
    decision = decide(sample(name), **flow)
    assert decision.action == action
    assert cited in decision.explanation


def test_ip6tables_output_is_for_ipv6_only() -> None:
    reading = read_evidence(sample("ip6tables_L_nv.txt"))
    assert reading is not None and isinstance(reading.value, HostFirewallEvidence)
    assert reading.value.family == 6
    assert decide(sample("ip6tables_L_nv.txt")) is None


@pytest.mark.parametrize(
    ("name", "flow", "action", "cited"),
    [
        # `multiport dports !80,443`: negated ports; port 8080 is neither, so the DROP applies... unless an
        # earlier rule that cannot be checked (the LOG/limit rule continues; `recent` has no target) changes it.
        ("exotic_L_nv.txt", {"port": 8080}, "DROP", "multiport dports  !80,443"),
        ("exotic_S.txt", {"port": 8080}, "DROP", "! --dports 80,443"),
        # Port 443 passes the negated multiport, but `-f -j DROP` (fragments) cannot be evaluated: UNKNOWN.
        ("exotic_L_nv.txt", {"port": 443}, "UNKNOWN", "Cannot tell"),
        # Port 25 is not 80 or 443: the negated multiport DROP decides before `multiport ports 25`.
        ("exotic_L_nv.txt", {"port": 25}, "DROP", "!80,443"),
    ],
)
def test_negations_and_matches_the_checker_does_not_evaluate(
    name: str, flow: dict[str, Any], action: str, cited: str
) -> None:
    decision = decide(sample(name), **flow)
    assert decision.action == action, decision.explanation
    assert cited in decision.explanation


def test_drop_policy_established_and_ssh_only() -> None:
    # The lines of the real iptables-save output for `:INPUT DROP` + RELATED,ESTABLISHED + --dport 22 only.
    wanted = ("*filter", ":INPUT", ":FORWARD", ":OUTPUT", "-A INPUT -m state", "-A INPUT -p tcp -m tcp --dport 22")
    text = "\n".join(
        line for line in sample("iptables_save.txt").splitlines() if line.startswith(wanted) or line == "COMMIT"
    )
    web = decide(text, port=80)
    assert (web.action, web.decided_by) == ("DROP", None)
    assert "the INPUT chain policy DROP applies" in web.explanation
    ssh = decide(text)
    assert ssh.action == "ACCEPT"
    assert "line 6 `-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT`" in ssh.explanation


def test_multiport_ports_matches_either_port() -> None:
    kept = [line for line in sample("exotic_S.txt").splitlines() if line.startswith("-P") or "--ports" in line]
    decision = decide("\n".join(kept), port=25)
    assert decision.action == "DROP"
    assert "--ports 25" in decision.explanation


def test_a_listing_after_a_prompt_and_a_sentence_is_read_and_those_lines_are_listed() -> None:
    text = "my firewall, is this the problem?\n" + PROMPT + "\n" + sample("centos_L_nv.txt")
    reading = read_evidence(text)
    assert reading is not None and reading.format == "iptables_list"
    assert [(s.line, s.reason) for s in reading.skipped] == [
        (1, "not part of the iptables -L output"),
        (2, "a shell prompt line, not iptables -L output"),
    ]
    # The rules keep the paste's own line numbers (two lines were added above them).
    assert decide(text, port=80).decided_by.line == 9


def test_without_v_the_notes_say_interfaces_were_not_shown() -> None:
    reading = read_list(sample("iptables_L_n.txt"))
    assert any("without -v" in note for note in reading.notes)
    assert read_list(sample("iptables_L_nv.txt")).notes == ()


def test_ip6tables_save_header_and_prompt_tell_the_family() -> None:
    assert read_save(sample("ip6tables_save.txt")).value.tables[0].family == 6
    # `iptables -S` has no header: the prompt line tells.
    assert read_rules("$ sudo ip6tables -S\n-P INPUT DROP\n-P FORWARD DROP\n-P OUTPUT ACCEPT\n").value.family == 6


def test_iptables_save_and_ip6tables_save_in_one_paste_are_two_tables() -> None:
    reading = read_save(sample("iptables_save.txt") + sample("ip6tables_save.txt"))
    assert [t.family for t in reading.value.tables] == [4, 6]
    assert decide(sample("iptables_save.txt") + sample("ip6tables_save.txt"), remote="2001:db9::1").action == "DROP"


def test_other_tables_are_skipped_line_by_line() -> None:
    text = "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp --dport 8080 -j REDIRECT --to-ports 80\nCOMMIT\n"
    reading = read_save(text + sample("iptables_save.txt"))
    assert [(s.line, s.reason) for s in reading.skipped] == [
        (3, "a rule of the nat table; only the filter table is checked")
    ]


def test_a_nat_listing_is_skipped_and_a_filter_listing_beside_it_is_read() -> None:
    # `iptables -t nat -L -n` has INPUT and OUTPUT chains too: the whole listing is skipped, by line.
    nat = sample("iptables_nat_L_n.txt")
    reading = read_list(nat + "\n" + sample("iptables_L_nv.txt"))
    assert len(reading.value.tables) == 1
    assert {s.reason for s in reading.skipped} == {"the nat/mangle/raw table; only the filter table is checked"}
    assert [s.line for s in reading.skipped][:2] == [1, 2]
    with pytest.raises(UnreadableEvidenceError) as caught:
        read_list(nat)
    assert "no listing of the filter table" in caught.value.problems[0].problem


def test_a_listing_of_one_chain_leaves_the_others_unknown() -> None:
    # `iptables -S INPUT` prints INPUT only: OUTPUT is not known, so egress is UNKNOWN, not ACCEPT.
    text = "-P INPUT DROP\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n"
    reading = read_rules(text)
    assert any("OUTPUT" in note for note in reading.notes)
    assert decide(text, direction="egress", port=443).action == "UNKNOWN"
    assert decide(text).action == "ACCEPT"


@pytest.mark.parametrize(
    ("reader", "text", "line", "problem"),
    [
        # A bad port inside a rule: refused with the line, never skipped (a missing rule changes verdicts).
        (read_rules, "-P INPUT DROP\n-A INPUT -p tcp --dport 99999 -j ACCEPT\n", 2, "99999"),
        # The nat table listed with -S is not the filter table.
        (read_rules, "-P PREROUTING ACCEPT\n-A PREROUTING -p tcp -j DNAT --to 1.2.3.4\n", 1, "nat"),
        # A row inside a chain that cannot be read (a hostname, listed without -n).
        (
            read_list,
            sample("centos_L_n.txt").replace(
                "0.0.0.0/0            0.0.0.0/0            state NEW",
                "vm-1.example         0.0.0.0/0            state NEW",
            ),
            6,
            "-n",
        ),
        # A save without any filter table.
        (read_save, "*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n", None, "no *filter"),
        # A rule for a chain that was never declared.
        (read_save, "*filter\n:INPUT DROP [0:0]\n-A NOPE -j ACCEPT\nCOMMIT\n", 3, "not declared"),
    ],
)
def test_refusals_name_the_line(reader: Any, text: str, line: int | None, problem: str) -> None:
    with pytest.raises(UnreadableEvidenceError) as caught:
        reader(text)
    first = caught.value.problems[0]
    assert first.line == line
    assert problem in first.problem
    assert caught.value.needs
